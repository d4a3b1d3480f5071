#pragma once
// macspoofchk: nftables rules dropping frames from the container's port whose source MAC
// is not the container's, in the reference's layout (pkg/link/spoofcheck.go): table
// "bridge nat", base chain PREROUTING (filter, prerouting, priority -300, accept) with
// "iifname <host veth> jump cni-br-iface-<id>", that chain jumping to
// cni-br-iface-<id>-mac, which returns for "ether saddr <mac>" and drops the rest. Every
// rule is commented "macspoofchk-<id>", id = "<containerID>-<ifname>". Acts on the calling
// thread's namespace.

#include <string>

#include "common/base/status.h"
#include "common/netfilter/nft_objects.h"

namespace orch::cni::bridge {

std::string spoofCheckId(const std::string& container_id, const std::string& ifname);

// The two transactions of Setup: declare table and chains, then flush and fill the
// per-interface chains and add the PREROUTING jump.
Result<netfilter::Transaction> spoofCheckRulesPlan(const std::string& host_iface,
                                                   const std::string& mac, const std::string& id);
netfilter::Transaction spoofCheckBasePlan(const std::string& id);

Status setupSpoofCheck(const std::string& host_iface, const std::string& mac,
                       const std::string& id);
// Removes the PREROUTING rule and the two chains; absent ones are not an error.
Status teardownSpoofCheck(const std::string& id);

}  // namespace orch::cni::bridge
