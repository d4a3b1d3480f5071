#pragma once
// The iptables planner: a pure function from the desired state (and what the previous
// sync left) to one iptables-restore text for `iptables-restore --noflush`.
//
// A full plan (first sync, after an error, ChangeSet.full, or when the config or node
// changed) declares every chain of ours (":CHAIN" creates or flushes it), writes every
// rule, installs the missing jump rules from the built-in chains and deletes stale
// ORCH- chains. A partial plan re-declares and rewrites only the chains of the changed
// service ports, edits the shared chains (ORCH-SERVICES, ORCH-NODEPORTS ...) with
// "-D"/"-I"/"-A" of just the changed services' entries, and deletes (-X) the chains
// that are gone, after everything referring to them was removed in the same text.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proxy/core/service_model.h"

namespace orch::proxy::iptables {

// What one service port holds in the kernel, kept for the next partial plan.
struct ServicePlan {
  std::vector<std::string> nat_chains;                 // its own chains
  std::vector<std::string> nat_shared, filter_shared;  // its "-A ..." lines in shared chains
  uint64_t own_rules = 0;                              // rules in its own chains
};

// What the kernel holds after a plan was applied.
struct IptablesPlan {
  ProxyConfig config;
  NodeInfo node;
  std::map<ServicePortName, ServicePlan> services;
  uint64_t rules = 0;   // in our chains and jump rules in built-in ones, both tables
  uint64_t chains = 0;  // ours, both tables
};

// What iptables-save showed before a full sync (only ORCH- chains and jumps matter).
struct KernelSnapshot {
  std::set<std::string> nat_chains, filter_chains;  // every chain named ORCH-*
  // "<table> <builtin chain> <target>" for each jump rule from a built-in chain to an
  // ORCH- chain, e.g. "nat PREROUTING ORCH-SERVICES".
  std::set<std::string> jumps;
  // Those jump rules themselves, as saved ("-A PREROUTING ... -j ORCH-..."), so a full
  // plan can remove the ones into stale chains before deleting them.
  std::vector<std::string> nat_jump_rules, filter_jump_rules;
};

struct PlanOutput {
  bool full = false;
  std::string restore;  // the iptables-restore text; empty when nothing changes
  IptablesPlan plan;    // the state once `restore` is applied
};

// A jump rule from a built-in chain to one of ours (kube-proxy's set).
struct JumpRule {
  const char* table;
  const char* from;   // built-in chain
  const char* to;     // ours
  const char* extra;  // match arguments before the comment ("" for none)
  const char* comment;
};
const std::vector<JumpRule>& jumpRules();

// `names` in the order the planner declares chains: blocks of sorted neighbours,
// each descending, in the preorder of a balanced search tree (larger half first).
// Cheap for the sorted chain lists inside iptables-restore (legacy and nft) without
// leaving the kernel's chain list sorted: iptables-nft-save sorts it with a
// first-element-pivot recursive quicksort, which recurses once per chain on sorted
// input and overflows its stack at ~100k chains.
std::vector<std::string> balancedOrder(std::vector<std::string> names);

// Whether the next plan has to be full: no previous plan, changes.full, or the
// config or the node changed.
bool needsFullPlan(const ProxyState& state, const IptablesPlan* previous, const ChangeSet& changes);

// Plans the next restore. `kernel` is what iptables-save showed (used in full plans to
// skip jump rules that exist and to delete stale chains); without it a full plan
// installs every jump rule and deletes the chains of `previous`.
PlanOutput planIptables(const ProxyState& state, const IptablesPlan* previous,
                        const ChangeSet& changes, const KernelSnapshot* kernel);

}  // namespace orch::proxy::iptables
