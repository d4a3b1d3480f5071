#pragma once
// ipMasq for the bridge plugin, in the reference plugin's layouts so either implementation
// removes the other's rules:
//  - nftables: table inet cni_plugins_masquerade, base chain postrouting (nat, srcnat) that
//    returns for multicast and goes to chain masq_checks; one rule per container address
//    "ip saddr A ip daddr != NET masquerade" commented
//    "<hash(net)>-<hash(ifname:id)>, net: N, if: I, id: C".
//  - iptables: nat chain CNI-<hash(net+id)> with "-d NET -j ACCEPT" and
//    "! -d 224.0.0.0/4 -j MASQUERADE", jumped to from POSTROUTING "-s A", all commented
//    `name: "N" id: "C"`.
// Plans are pure; setup/teardown act on the calling thread's network namespace
// (nftables through netlink, iptables through iptables-restore). Not thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/cni/ip.h"
#include "common/netfilter/nft_objects.h"

namespace orch::cni::bridge {

inline constexpr const char* kMasqTable = "cni_plugins_masquerade";
inline constexpr const char* kMasqChain = "masq_checks";

struct MasqKey {
  std::string network;
  std::string ifname;
  std::string container_id;
};

std::string masqNetworkHash(const std::string& network);
std::string masqInstanceHash(const MasqKey& k);
// The nftables rule comment (at most 128 characters).
std::string masqComment(const MasqKey& k);

// The nftables transaction that installs the rules for `ips` (addresses with their prefix),
// deleting `stale_handles` (earlier rules of the same instance) in the same batch.
Result<netfilter::Transaction> nftMasqSetupPlan(const MasqKey& k, const std::vector<IpNet>& ips,
                                                const std::vector<uint64_t>& stale_handles);

// iptables-restore text (nat table) for the addresses of one family; `postrouting_rules`
// are the "-A POSTROUTING ..." lines present now (to add the jump only once).
std::string iptablesMasqSetupText(const MasqKey& k, const std::vector<IpNet>& ips,
                                  const std::vector<std::string>& existing_chain_rules,
                                  const std::vector<std::string>& postrouting_rules);

// "iptables" when iptables-restore is on PATH, else "nftables" (the reference's default).
std::string defaultMasqBackend();

// Installs the rules for `ips` with `backend` ("iptables" | "nftables").
Status setupIpMasq(const std::string& backend, const MasqKey& k, const std::vector<IpNet>& ips);
// Removes the instance's rules of both backends; absent rules are not an error.
Status teardownIpMasq(const MasqKey& k);
// Whether the nftables rules of the instance exist (for CHECK).
Result<bool> nftMasqPresent(const MasqKey& k);

}  // namespace orch::cni::bridge
