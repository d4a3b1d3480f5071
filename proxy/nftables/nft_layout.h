#pragma once
// The fixed parts of orch-proxy's nftables table: names, the sets and maps, the
// shared chains and the pick chains (nft_planner.h describes the whole shape).

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/netfilter/nft_objects.h"
#include "proxy/core/service_model.h"

namespace orch::proxy::nftlayout {

inline constexpr char kTable[] = "orch-proxy";
inline constexpr uint32_t kMasqueradeMark = 0x4000;

// Map and set names.
inline constexpr char kServiceIps[] = "service-ips";
inline constexpr char kServiceNodeports[] = "service-nodeports";
inline constexpr char kNoEndpointServices[] = "no-endpoint-services";
inline constexpr char kNoEndpointNodeports[] = "no-endpoint-nodeports";
inline constexpr char kEndpoints[] = "endpoints";
inline constexpr char kFirewallIps[] = "firewall-ips";
inline constexpr char kHairpin[] = "hairpin";
inline constexpr char kNodeportIps[] = "nodeport-ips";

// Chain names.
inline constexpr char kServicesChain[] = "services";
inline constexpr char kEndpointChecksChain[] = "endpoint-checks";
inline constexpr char kRejectChain[] = "reject-chain";  // "reject" is an nft keyword
inline constexpr char kMarkChain[] = "mark-for-masquerade";
inline constexpr char kMasqClusterIpChain[] = "masq-cluster-ip";

netfilter::Family nfFamily(IpFamily f);
// The address length of the family (4 or 16).
size_t addrLen(IpFamily f);

// The spec of one of the maps/sets above.
netfilter::Set setSpec(IpFamily f, const std::string& name);
// Every set and map, in creation order (nodeport-ips only when used).
std::vector<netfilter::Set> allSets(IpFamily f, bool with_nodeport_ips);

// A chain with its rules, as the planner adds it, and the set of its own that its
// rules use (affinity chains): created before the chain and deleted after it.
struct ChainPlan {
  netfilter::Chain chain;
  std::vector<netfilter::Rule> rules;
  std::optional<netfilter::Set> set;
};

// The shared chains (base chains, services, endpoint checks, reject, masquerade
// marking), whose rules depend only on the configuration; invalid CIDRs or
// node-port addresses are left out.
std::vector<ChainPlan> fixedChains(const ProxyState& state);
// The configuration the fixed chains depend on, as a comparable text.
std::string configKey(const ProxyState& state);

// Which pick chain a frontend jumps to.
enum class PickKind : uint8_t {
  kClusterIp,      // cluster IP: masquerade from outside the cluster CIDRs (masq-cluster-ip)
  kExternal,       // external / LB IP, policy Cluster: always masquerade
  kExternalLocal,  // external / LB IP, policy Local: keep the client address
  kNodePort,       // node port, policy Cluster (endpoint key with address 0)
  kNodePortLocal,  // node port, policy Local
};

// The first slot of the cluster-wide endpoints of a Local-policy frontend in @endpoints
// (its local endpoints are slots 0..n-1).
inline constexpr uint32_t kClusterSlots = 1u << 16;

// A shared pick chain "<kind>-<n>[-<m>]": DNAT to slot (numgen random mod n) of the
// frontend's endpoints in @endpoints. The Local kinds with m cluster-wide endpoints
// first send traffic from the cluster CIDRs and from this host (masqueraded) to
// slot kClusterSlots + (numgen random mod m), as kube-proxy does; n = 0 then drops
// the rest.
struct PickSpec {
  PickKind kind = PickKind::kClusterIp;
  uint32_t endpoints = 1;          // n of numgen mod n
  uint32_t cluster_endpoints = 0;  // m, Local kinds only

  std::string name() const;
  auto operator<=>(const PickSpec&) const = default;
};

ChainPlan pickChain(IpFamily f, const PickSpec& spec,
                    const std::vector<std::string>& cluster_cidrs);

// The chain of one frontend with session affinity ("aff-<hex of its key>"): the
// Service's few endpoints inline, as kube-proxy does, with a dynamic set of the
// frontend's own (named like the chain, nftlayout::affinitySet) of saddr . endpoint
// address (timeout per rule):
//   for each endpoint i: key in @<name> -> refresh, dnat to i
//   for each endpoint i: numgen random mod (n - i) == 0 -> add key, dnat to i
// (uniform: i is taken with probability 1/(n-i) once the ones before it were not).
// A removed endpoint has no rule, so its entries are not used while it is gone.
// The set lives and dies with the chain (ChainPlan::set), so a removed frontend
// leaves no entries behind and one busy frontend cannot fill another's set (the
// kernel caps a dynamic set without a size at 65535 entries).
struct AffinityEndpoint {
  netfilter::Bytes addr;
  uint16_t port = 0;
};
// The dynamic set of the affinity chain `name` (the same spec for every frontend of
// the family but the name).
netfilter::Set affinitySet(IpFamily f, const std::string& name);
ChainPlan affinityChain(IpFamily f, const std::string& name, PickKind kind,
                        const std::vector<AffinityEndpoint>& eps, uint32_t timeout_s);

// The chain of one load-balancer IP with loadBalancerSourceRanges ("fw-<hex of its
// key>"): sources in the ranges return, every other new connection is dropped.
// Ranges that are invalid or of the other family are left out.
ChainPlan firewallChain(IpFamily f, const std::string& name,
                        const std::vector<std::string>& source_ranges);

}  // namespace orch::proxy::nftlayout
