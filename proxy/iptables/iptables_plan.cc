#include "proxy/iptables/iptables_plan.h"

#include <algorithm>
#include <string_view>
#include <unordered_set>

#include "common/netfilter/iptables.h"
#include "proxy/iptables/chain_names.h"
#include "proxy/iptables/service_rules.h"

namespace orch::proxy::iptables {

namespace {

using netfilter::IptablesRestoreText;

bool sameConfig(const ProxyConfig& a, const ProxyConfig& b) {
  return a.family == b.family && a.cluster_cidrs == b.cluster_cidrs &&
         a.masquerade_all == b.masquerade_all;
}

bool sameNode(const NodeInfo& a, const NodeInfo& b) {
  return a.node_port_ips == b.node_port_ips && a.node_port_all_local == b.node_port_all_local;
}

std::vector<std::string> filterStaticChains() {
  return {kNodePortsChain, kServicesChain, kExternalServicesChain, kForwardChain,
          kProxyFirewallChain};
}

std::vector<std::string> natStaticChains(const ProxyConfig& config) {
  std::vector<std::string> out = {kServicesChain, kNodePortsChain, kPostroutingChain,
                                  kMarkMasqChain};
  if (config.cluster_cidrs.size() > 1) out.push_back(kMasqNonClusterChain);
  return out;
}

std::vector<std::string> filterStaticRules() {
  std::string fwd = std::string("-A ") + kForwardChain;
  return {
      fwd + " -m conntrack --ctstate INVALID -j DROP",
      fwd + " -m comment --comment " + commentArg("orch-proxy forwarding rules") +
          " -m mark --mark " + kMasqMark + "/" + kMasqMark + " -j ACCEPT",
      fwd + " -m comment --comment " + commentArg("orch-proxy forwarding conntrack rule") +
          " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
  };
}

std::vector<std::string> natStaticRules(const ProxyConfig& config) {
  std::string post = std::string("-A ") + kPostroutingChain;
  std::vector<std::string> out = {
      post + " -m mark ! --mark " + kMasqMark + "/" + kMasqMark + " -j RETURN",
      // Clear the mark so a packet that is re-routed is not masqueraded twice.
      post + " -j MARK --xor-mark " + kMasqMark,
      post + " -m comment --comment " + commentArg("orch-proxy service traffic requiring SNAT") +
          " -j MASQUERADE --random-fully",
      std::string("-A ") + kMarkMasqChain + " -j MARK --or-mark " + kMasqMark,
  };
  if (config.cluster_cidrs.size() > 1) {
    for (const auto& cidr : config.cluster_cidrs) {
      out.push_back(std::string("-A ") + kMasqNonClusterChain + " -s " + cidr + " -j RETURN");
    }
    out.push_back(std::string("-A ") + kMasqNonClusterChain + " -j " + kMarkMasqChain);
  }
  return out;
}

// The last rules of nat ORCH-SERVICES: node ports on the node's addresses.
std::vector<std::string> nodePortJumps(const NodeInfo& node) {
  std::string head = std::string("-A ") + kServicesChain + " -m comment --comment " +
                     commentArg(
                         "orch-proxy service nodeports; NOTE: this must be the last rule in "
                         "this chain");
  std::vector<std::string> out;
  if (node.node_port_all_local) {
    out.push_back(head + " -m addrtype --dst-type LOCAL -j " + kNodePortsChain);
  } else {
    for (const auto& ip : node.node_port_ips) {
      out.push_back(head + " -d " + ip + " -j " + kNodePortsChain);
    }
  }
  return out;
}

std::string jumpLine(const JumpRule& j) {
  std::string line = std::string("-I ") + j.from + " 1 ";
  if (*j.extra) line += std::string(j.extra) + " ";
  return line + "-m comment --comment " + commentArg(j.comment) + " -j " + j.to;
}

std::string jumpKey(const JumpRule& j) {
  return std::string(j.table) + " " + j.from + " " + j.to;
}

uint64_t staticRuleCount(const ProxyConfig& config, const NodeInfo& node) {
  return filterStaticRules().size() + natStaticRules(config).size() + nodePortJumps(node).size() +
         jumpRules().size();
}

uint64_t staticChainCount(const ProxyConfig& config) {
  return filterStaticChains().size() + natStaticChains(config).size();
}

ServicePlan toPlan(ServiceRules&& r) {
  ServicePlan p;
  p.own_rules = r.nat_chain_rules.size();
  p.nat_chains = std::move(r.nat_chains);
  p.nat_shared = std::move(r.nat_shared);
  p.filter_shared = std::move(r.filter_shared);
  return p;
}

const std::vector<EndpointInfo>& endpointsOf(const ProxyState& state, const ServicePortName& n) {
  static const std::vector<EndpointInfo> kNone;
  auto it = state.endpoints.find(n);
  return it == state.endpoints.end() ? kNone : it->second;
}

bool largeCluster(const ProxyState& state) {
  size_t n = 0;
  for (const auto& [name, eps] : state.endpoints) n += eps.size();
  return n >= kLargeClusterEndpoints;
}

void addCounts(IptablesPlan& plan, const ServicePlan& s, int sign) {
  uint64_t rules = s.own_rules + s.nat_shared.size() + s.filter_shared.size();
  uint64_t chains = s.nat_chains.size();
  if (sign > 0) {
    plan.rules += rules;
    plan.chains += chains;
  } else {
    plan.rules -= rules;
    plan.chains -= chains;
  }
}

std::string deleteLine(const std::string& add);

PlanOutput fullPlan(const ProxyState& state, const IptablesPlan* previous,
                    const KernelSnapshot* kernel) {
  PlanOutput out;
  out.full = true;
  IptablesPlan& plan = out.plan;
  plan.config = state.config;
  plan.node = state.node;
  plan.rules = staticRuleCount(state.config, state.node);
  plan.chains = staticChainCount(state.config);

  std::vector<std::string> nat_chains = natStaticChains(state.config);
  std::vector<std::string> filter_chains = filterStaticChains();
  // Shared-chain rules grouped by chain, in service order, so the text reads like
  // kube-proxy's (and ORCH-SERVICES can end with the node-port jump).
  std::map<std::string, std::vector<std::string>> nat_shared, filter_shared;
  std::string own_rules;
  const bool large = largeCluster(state);
  for (const auto& [name, svc] : state.services) {
    ServiceRules r = buildServiceRules(state.config, svc, endpointsOf(state, name), large);
    for (const auto& c : r.nat_chains) nat_chains.push_back(c);
    for (const auto& l : r.nat_chain_rules) {
      own_rules += l;
      own_rules += '\n';
    }
    auto group = [](std::map<std::string, std::vector<std::string>>& by_chain,
                    const std::vector<std::string>& lines) {
      for (const auto& l : lines) {
        size_t sp = l.find(' ', 3);
        by_chain[l.substr(3, sp - 3)].push_back(l);
      }
    };
    group(nat_shared, r.nat_shared);
    group(filter_shared, r.filter_shared);
    ServicePlan sp = toPlan(std::move(r));
    addCounts(plan, sp, +1);
    plan.services.emplace(name, std::move(sp));
  }

  // Stale chains: ours in the kernel (or in the previous plan) but not in this one.
  std::vector<std::string> stale_nat, stale_filter;
  {
    // Views into nat_chains / filter_chains, which outlive these sets.
    std::unordered_set<std::string_view> want_nat(nat_chains.begin(), nat_chains.end());
    std::unordered_set<std::string_view> want_filter(filter_chains.begin(), filter_chains.end());
    std::set<std::string> have_nat, have_filter;
    if (kernel) {
      have_nat = kernel->nat_chains;
      have_filter = kernel->filter_chains;
    } else if (previous) {
      for (const auto& c : natStaticChains(previous->config)) have_nat.insert(c);
      for (const auto& [n, s] : previous->services) {
        have_nat.insert(s.nat_chains.begin(), s.nat_chains.end());
      }
    }
    for (const auto& c : have_nat) {
      if (c.starts_with(kChainPrefix) && !want_nat.count(c)) stale_nat.push_back(c);
    }
    for (const auto& c : have_filter) {
      if (c.starts_with(kChainPrefix) && !want_filter.count(c)) stale_filter.push_back(c);
    }
  }

  // Others' jumps into stale chains of ours (left by an older layout) go first.
  auto unjumpStale = [&](IptablesRestoreText& t, const std::vector<std::string>& stale, bool nat) {
    if (!kernel || stale.empty()) return;
    std::set<std::string> gone(stale.begin(), stale.end());
    for (const auto& r : nat ? kernel->nat_jump_rules : kernel->filter_jump_rules) {
      size_t p = r.find(" -j ");
      if (p == std::string::npos) continue;
      std::string target = r.substr(p + 4, r.find(' ', p + 4) - (p + 4));
      if (gone.count(target) && r.starts_with("-A ")) t.line(deleteLine(r));
    }
  };
  auto jumps = [&](IptablesRestoreText& t, const char* table) {
    for (const auto& j : jumpRules()) {
      if (std::string(j.table) != table) continue;
      if (kernel && kernel->jumps.count(jumpKey(j))) continue;
      t.line(jumpLine(j));
    }
  };
  auto shared = [](IptablesRestoreText& t, std::map<std::string, std::vector<std::string>>& m,
                   const std::string& chain) {
    for (const auto& l : m[chain]) t.line(l);
  };

  IptablesRestoreText t;
  t.table("filter");
  for (const auto& c : filter_chains) t.chain(c);
  for (const auto& c : stale_filter) t.chain(c);
  unjumpStale(t, stale_filter, false);
  jumps(t, "filter");
  for (const auto& c : {kNodePortsChain, kServicesChain, kExternalServicesChain}) {
    shared(t, filter_shared, c);
  }
  for (const auto& l : filterStaticRules()) t.line(l);
  shared(t, filter_shared, kProxyFirewallChain);
  for (const auto& c : stale_filter) t.line("-X " + c);

  t.table("nat");
  // Service chains are declared in "balanced" order (see balancedOrder): both iptables
  // variants keep chains in name-sorted lists, and this order makes a 10k-Service
  // restore several times faster than the services' order (bench/proxy) without
  // making the kernel's chain order sorted, which iptables-nft-save's quicksort
  // (first element as pivot, recursive) cannot handle at 100k chains.
  const size_t n_static = natStaticChains(state.config).size();
  std::vector<std::string> service_chains(
      std::make_move_iterator(nat_chains.begin() + static_cast<long>(n_static)),
      std::make_move_iterator(nat_chains.end()));
  nat_chains.resize(n_static);
  for (auto& c : balancedOrder(std::move(service_chains))) nat_chains.push_back(std::move(c));
  for (const auto& c : nat_chains) t.chain(c);
  for (const auto& c : stale_nat) t.chain(c);
  unjumpStale(t, stale_nat, true);
  jumps(t, "nat");
  for (const auto& l : natStaticRules(state.config)) t.line(l);
  shared(t, nat_shared, kServicesChain);
  for (const auto& l : nodePortJumps(state.node)) t.line(l);
  shared(t, nat_shared, kNodePortsChain);
  if (!own_rules.empty()) {
    own_rules.pop_back();  // line() adds the last newline
    t.line(own_rules);
  }
  for (const auto& c : stale_nat) t.line("-X " + c);
  out.restore = t.str();
  return out;
}

// Lines of `a` not in `b`, in `a`'s order.
std::vector<std::string> minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::set<std::string> bs(b.begin(), b.end());
  std::vector<std::string> out;
  for (const auto& l : a) {
    if (!bs.count(l)) out.push_back(l);
  }
  return out;
}

// "-A CHAIN rest" as "-D CHAIN rest".
std::string deleteLine(const std::string& add) {
  return "-D" + add.substr(2);
}

// New entries of nat ORCH-SERVICES go first: the node-port jump has to stay last.
std::string addLine(const std::string& add) {
  static const std::string kServices = std::string("-A ") + kServicesChain + " ";
  if (add.starts_with(kServices)) {
    return std::string("-I ") + kServicesChain + " 1 " + add.substr(kServices.size());
  }
  return add;
}

PlanOutput partialPlan(const ProxyState& state, const IptablesPlan& previous,
                       const ChangeSet& changes) {
  PlanOutput out;
  out.plan = previous;
  out.plan.config = state.config;
  out.plan.node = state.node;
  IptablesPlan& plan = out.plan;

  std::vector<std::string> declare, remove, nat_edits, filter_edits, own;
  const bool large = largeCluster(state);
  for (const auto& name : changes.services) {
    static const ServicePlan kEmpty;
    auto old_it = plan.services.find(name);
    const ServicePlan& old = old_it == plan.services.end() ? kEmpty : old_it->second;
    ServicePlan now;
    auto svc_it = state.services.find(name);
    if (svc_it != state.services.end()) {
      ServiceRules r =
          buildServiceRules(state.config, svc_it->second, endpointsOf(state, name), large);
      own.insert(own.end(), std::make_move_iterator(r.nat_chain_rules.begin()),
                 std::make_move_iterator(r.nat_chain_rules.end()));
      now = toPlan(std::move(r));
    }
    for (const auto& c : now.nat_chains) declare.push_back(c);
    // Chains that go: flushed now, deleted at the end of the text.
    for (const auto& c : minus(old.nat_chains, now.nat_chains)) {
      declare.push_back(c);
      remove.push_back(c);
    }
    for (const auto& l : minus(old.nat_shared, now.nat_shared)) {
      nat_edits.push_back(deleteLine(l));
    }
    for (const auto& l : minus(now.nat_shared, old.nat_shared)) nat_edits.push_back(addLine(l));
    for (const auto& l : minus(old.filter_shared, now.filter_shared)) {
      filter_edits.push_back(deleteLine(l));
    }
    for (const auto& l : minus(now.filter_shared, old.filter_shared)) filter_edits.push_back(l);
    if (old_it != plan.services.end()) {
      addCounts(plan, old, -1);
      plan.services.erase(old_it);
    }
    if (svc_it != state.services.end()) {
      addCounts(plan, now, +1);
      plan.services.emplace(name, std::move(now));
    }
  }

  IptablesRestoreText t;
  if (!filter_edits.empty()) {
    t.table("filter");
    for (const auto& l : filter_edits) t.line(l);
  }
  if (!declare.empty() || !nat_edits.empty()) {
    t.table("nat");
    for (const auto& c : declare) t.chain(c);
    for (const auto& l : nat_edits) t.line(l);
    for (const auto& l : own) t.line(l);
    for (const auto& c : remove) t.line("-X " + c);
  }
  out.restore = t.str();
  return out;
}

}  // namespace

// The names sorted and cut into blocks of kBlock neighbours; the blocks are emitted in
// the preorder of a balanced search tree that visits the larger half first (median
// block, upper half, lower half), each block in descending order. Inserting the names
// one by one into a sorted list walked from its head then passes few smaller names
// (O(kBlock log n) each), the list's nodes lie in memory mostly in list order (the walks
// that follow stay cache-friendly), and a quicksort pivoting on the first element
// recurses at most ~kBlock * log2(n / kBlock) deep.
std::vector<std::string> balancedOrder(std::vector<std::string> names) {
  constexpr size_t kBlock = 128;
  std::sort(names.begin(), names.end());
  const size_t blocks = (names.size() + kBlock - 1) / kBlock;
  std::vector<std::string> out;
  out.reserve(names.size());
  std::vector<std::pair<size_t, size_t>> todo = {{0, blocks}};
  while (!todo.empty()) {
    auto [lo, hi] = todo.back();
    todo.pop_back();
    if (lo >= hi) continue;
    size_t mid = lo + (hi - lo) / 2;
    size_t begin = mid * kBlock, end = std::min(names.size(), begin + kBlock);
    for (size_t i = end; i > begin; --i) out.push_back(std::move(names[i - 1]));
    todo.emplace_back(lo, mid);      // lower half last
    todo.emplace_back(mid + 1, hi);  // upper half next
  }
  return out;
}

const std::vector<JumpRule>& jumpRules() {
  static const std::vector<JumpRule> kRules = {
      {"filter", "INPUT", kNodePortsChain, "", "orch-proxy health check service ports"},
      {"filter", "INPUT", kExternalServicesChain, "-m conntrack --ctstate NEW",
       "orch-proxy externally-visible service portals"},
      {"filter", "FORWARD", kExternalServicesChain, "-m conntrack --ctstate NEW",
       "orch-proxy externally-visible service portals"},
      {"filter", "FORWARD", kServicesChain, "-m conntrack --ctstate NEW",
       "orch-proxy service portals"},
      {"filter", "OUTPUT", kServicesChain, "-m conntrack --ctstate NEW",
       "orch-proxy service portals"},
      {"filter", "FORWARD", kForwardChain, "", "orch-proxy forwarding rules"},
      {"filter", "INPUT", kProxyFirewallChain, "-m conntrack --ctstate NEW",
       "orch-proxy load balancer firewall"},
      {"filter", "FORWARD", kProxyFirewallChain, "-m conntrack --ctstate NEW",
       "orch-proxy load balancer firewall"},
      {"filter", "OUTPUT", kProxyFirewallChain, "-m conntrack --ctstate NEW",
       "orch-proxy load balancer firewall"},
      {"nat", "PREROUTING", kServicesChain, "", "orch-proxy service portals"},
      {"nat", "OUTPUT", kServicesChain, "", "orch-proxy service portals"},
      {"nat", "POSTROUTING", kPostroutingChain, "", "orch-proxy postrouting rules"},
  };
  return kRules;
}

bool needsFullPlan(const ProxyState& state, const IptablesPlan* previous,
                   const ChangeSet& changes) {
  return previous == nullptr || changes.full || !sameConfig(previous->config, state.config) ||
         !sameNode(previous->node, state.node);
}

PlanOutput planIptables(const ProxyState& state, const IptablesPlan* previous,
                        const ChangeSet& changes, const KernelSnapshot* kernel) {
  if (needsFullPlan(state, previous, changes)) return fullPlan(state, previous, kernel);
  return partialPlan(state, *previous, changes);
}

}  // namespace orch::proxy::iptables
