#pragma once
// The nftables rule plan of orch-proxy: a pure function from the desired state
// (and what the kernel already holds) to one atomic Transaction.
//
// Shape (table "orch-proxy", family ip or ip6; see nft_layout.h for the names):
// a few shared chains, and every Service's data in map elements, so load time is
// linear in Services and endpoints and a change to one Service sends only its
// elements:
//   nat-prerouting / nat-output (dstnat) -> services:
//     ip daddr . meta l4proto . th dport vmap @service-ips      (cluster, external, LB IPs)
//     [node-port address] meta l4proto . th dport vmap @service-nodeports
//   each element jumps to a shared pick chain "<kind>-<n>[-<m>]" (nftlayout::PickSpec)
//   that marks for masquerade as its kind needs and DNATs to
//     daddr . l4proto . dport . (numgen random mod n)  ->  @endpoints  (addr . port)
//   (node ports use the address 0.0.0.0 / :: in that key; Local-policy frontends also
//   hold the cluster-wide endpoints from slot 65536 for pods and the node itself).
//   A frontend with session affinity has a chain of its own instead
//   (nftlayout::affinityChain) with the shared dynamic set @affinity.
//   filter-input / filter-forward / filter-output: new connections to a Service
//     without usable endpoints: @no-endpoint-services / @no-endpoint-nodeports
//     -> goto reject-chain (ICMP port unreachable, TCP reset) or drop (Local policy,
//     none local; with endpoints elsewhere, the pick chain drops outside traffic).
//   filter-prerouting / filter-output: LB IPs with loadBalancerSourceRanges
//     -> @firewall-ips -> a chain of their own ("fw-<key>": allowed ranges return, drop).
//   nat-postrouting: hairpin (ct status dnat, saddr . daddr in @hairpin: local
//     endpoints reaching themselves) and mark 0x4000 -> masquerade.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/netfilter/nft_objects.h"
#include "proxy/core/service_model.h"
#include "proxy/nftables/nft_layout.h"

namespace orch::proxy {

// The maps whose elements belong to Services.
enum class NftMap : uint8_t {
  kServiceIps = 0,
  kServiceNodeports,
  kNoEndpointServices,
  kNoEndpointNodeports,
  kEndpoints,
  kFirewallIps,
};
inline constexpr size_t kNftMapCount = 6;

// What one Service port put into the kernel: its elements per map (sorted by key),
// the shared pick chains it jumps to, its own chains (session affinity) and its
// local endpoint addresses (for hairpin).
struct NftServiceRecord {
  std::array<std::vector<netfilter::Element>, kNftMapCount> elements;
  std::set<std::string> chains;
  std::map<std::string, nftlayout::ChainPlan> own_chains;
  std::set<netfilter::Bytes> hairpin;    // local endpoint addresses
  std::vector<netfilter::Bytes> fronts;  // frontend keys it owns (see owners)
};

// What the kernel holds after a committed plan; the input of the next plan.
struct NftKernelState {
  std::string config_key;  // the ProxyConfig/NodeInfo parts the shared rules depend on
  std::map<ServicePortName, NftServiceRecord> services;
  std::set<std::string> chains;                        // pick chains present
  std::map<netfilter::Bytes, uint32_t> hairpin;        // address -> Services using it
  std::map<netfilter::Bytes, ServicePortName> owners;  // frontend key -> Service port
  uint64_t shared_rules = 0;                           // rules in the fixed chains and pick chains
  uint64_t shared_elements = 0;                        // nodeport-ips
  uint64_t service_elements = 0;                       // all Services' elements (without hairpin)
  uint64_t service_chains = 0;                         // own chains of Services (affinity)
  uint64_t service_rules = 0;                          // their rules
};

// A planned sync: the transaction, and how the kernel state looks once it is committed.
struct NftPlan {
  netfilter::Transaction tx;
  bool full = false;
  // full: the whole new state. Incremental: the Services to replace (nullopt: removed)
  // and the chains added.
  NftKernelState full_state;
  std::vector<std::pair<ServicePortName, std::optional<NftServiceRecord>>> updates;
  std::set<std::string> new_chains;  // shared pick chains
  uint64_t new_chain_rules = 0;
};

// Plans a sync. Full (create or replace the whole table) when `previous` is null,
// changes.full is set or the shared configuration changed; otherwise only the
// elements (and new pick chains) of changes.services. `recreate` makes a full plan
// delete and re-create the table instead of flushing it in place (used the first
// time and after an error, when the kernel's content is unknown).
NftPlan planNftables(const ProxyState& state, const NftKernelState* previous,
                     const ChangeSet& changes, bool recreate = false);

// Makes `state` what the kernel holds after `plan` was committed.
void applyPlan(NftKernelState& state, NftPlan&& plan);

// The transaction that removes our table of `family` (ok when it does not exist).
netfilter::Transaction planCleanup(IpFamily family);

}  // namespace orch::proxy
