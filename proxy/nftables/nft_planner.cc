#include "proxy/nftables/nft_planner.h"

#include <algorithm>
#include <functional>

#include "common/netfilter/nft_match.h"
#include "proxy/nftables/nft_layout.h"

namespace orch::proxy {

namespace {

using namespace netfilter;
using nftlayout::PickKind;
using nftlayout::PickSpec;

constexpr uint32_t kDefaultAffinityTimeoutS = 10800;
constexpr uint8_t kFrontIp = 0, kFrontNodePort = 1;

const char* mapName(size_t m) {
  switch (static_cast<NftMap>(m)) {
    case NftMap::kServiceIps:
      return nftlayout::kServiceIps;
    case NftMap::kServiceNodeports:
      return nftlayout::kServiceNodeports;
    case NftMap::kNoEndpointServices:
      return nftlayout::kNoEndpointServices;
    case NftMap::kNoEndpointNodeports:
      return nftlayout::kNoEndpointNodeports;
    case NftMap::kEndpoints:
      return nftlayout::kEndpoints;
    case NftMap::kFirewallIps:
      return nftlayout::kFirewallIps;
  }
  return "";
}

// An address of the family, or nullopt.
std::optional<Bytes> familyAddr(IpFamily f, const std::string& ip) {
  auto b = addressBytes(ip);
  if (!b.ok() || b->size() != nftlayout::addrLen(f)) return std::nullopt;
  return std::move(*b);
}

struct UsableEndpoint {
  Bytes addr;
  uint16_t port;
  bool is_local;
  auto operator<=>(const UsableEndpoint&) const = default;
};

// Endpoints with valid addresses, sorted and without duplicates (stable slots).
std::vector<UsableEndpoint> usable(IpFamily f, const std::vector<EndpointInfo>& eps) {
  std::vector<UsableEndpoint> out;
  for (const auto& ep : eps) {
    auto a = familyAddr(f, ep.ip);
    if (a) out.push_back({std::move(*a), ep.port, ep.is_local});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(
                out.begin(), out.end(),
                [](const auto& x, const auto& y) { return x.addr == y.addr && x.port == y.port; }),
            out.end());
  return out;
}

std::string hex(const Bytes& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += kDigits[c >> 4];
    s += kDigits[c & 15];
  }
  return s;
}

// Removes an own chain (its rules first) and then its set.
void deleteChain(Transaction& tx, const nftlayout::ChainPlan& c) {
  tx.add(FlushChain{c.chain});
  tx.add(DeleteChain{c.chain});
  if (c.set) tx.add(DeleteSet{*c.set});
}

bool sameElement(const Element& a, const Element& b) {
  if (a.key != b.key || a.data != b.data || a.verdict.has_value() != b.verdict.has_value())
    return false;
  return !a.verdict || (a.verdict->code == b.verdict->code && a.verdict->chain == b.verdict->chain);
}

bool byKey(const Element& a, const Element& b) {
  return a.key < b.key;
}

using Claim = std::function<bool(const Bytes& front)>;

// The elements of one Service port; `claim` says whether a frontend key is free for it.
NftServiceRecord buildRecord(const ProxyState& state, const ServicePortInfo& svc,
                             const std::vector<EndpointInfo>* eps, const Claim& claim) {
  IpFamily f = state.config.family;
  NftServiceRecord rec;
  static const std::vector<EndpointInfo> kNone;
  SelectedEndpoints sel = selectEndpoints(svc, eps != nullptr ? *eps : kNone);
  std::vector<UsableEndpoint> internal = usable(f, sel.internal);
  std::vector<UsableEndpoint> external = usable(f, sel.external);
  std::vector<UsableEndpoint> cluster = usable(f, sel.cluster);
  Bytes proto{protocolNumber(svc.name.protocol)};
  uint32_t timeout = !svc.session_affinity         ? 0
                     : svc.affinity_timeout_s != 0 ? svc.affinity_timeout_s
                                                   : kDefaultAffinityTimeoutS;

  auto frontend = [&](const Bytes& addr, uint16_t port, bool node_port,
                      const std::vector<UsableEndpoint>& eps, PickKind kind) {
    Bytes front =
        node_port ? concat({proto, portBytes(port)}) : concat({addr, proto, portBytes(port)});
    Bytes owned = front;
    owned.push_back(node_port ? kFrontNodePort : kFrontIp);  // node port and IP keys never clash
    if (!claim(owned)) return;
    std::string affinity_chain = timeout != 0 ? "aff-" + hex(owned) : std::string();
    rec.fronts.push_back(std::move(owned));
    // Local policy: pods and the node itself still reach every endpoint.
    bool local_kind = kind == PickKind::kExternalLocal || kind == PickKind::kNodePortLocal;
    const std::vector<UsableEndpoint>& also =
        local_kind && timeout == 0 ? cluster : std::vector<UsableEndpoint>{};
    if (eps.empty() && also.empty()) {
      Verdict v = sel.has_any_endpoints ? Verdict{VerdictCode::kDrop, {}}
                                        : Verdict{VerdictCode::kGoto, nftlayout::kRejectChain};
      auto m = node_port ? NftMap::kNoEndpointNodeports : NftMap::kNoEndpointServices;
      rec.elements[static_cast<size_t>(m)].push_back(Element{front, {}, v, 0});
      return;
    }
    auto m = node_port ? NftMap::kServiceNodeports : NftMap::kServiceIps;
    // Hairpin for local endpoints, and for remote ones where their own traffic can arrive
    // un-NATed: pods short-circuiting to the cluster endpoints (`also`: a pod of another
    // node reaching this node's node port), or anything when pods are not told apart.
    for (const auto& ep : eps) {
      if (ep.is_local || state.config.anySourceMayHairpin()) rec.hairpin.insert(ep.addr);
    }
    for (const auto& ep : also) rec.hairpin.insert(ep.addr);
    if (timeout != 0) {
      const std::string& name = affinity_chain;
      std::vector<nftlayout::AffinityEndpoint> aeps;
      for (const auto& ep : eps) aeps.push_back({ep.addr, ep.port});
      rec.own_chains.emplace(name, nftlayout::affinityChain(f, name, kind, aeps, timeout));
      rec.elements[static_cast<size_t>(m)].push_back(
          Element{front, {}, Verdict{VerdictCode::kGoto, name}, 0});
      return;
    }
    PickSpec spec{kind, static_cast<uint32_t>(eps.size()), static_cast<uint32_t>(also.size())};
    rec.elements[static_cast<size_t>(m)].push_back(
        Element{front, {}, Verdict{VerdictCode::kGoto, spec.name()}, 0});
    rec.chains.insert(spec.name());
    Bytes prefix =
        node_port ? concat({Bytes(nftlayout::addrLen(f), 0), proto, portBytes(port)}) : front;
    auto& endpoints = rec.elements[static_cast<size_t>(NftMap::kEndpoints)];
    for (size_t i = 0; i < eps.size(); ++i) {
      Bytes data = concat({eps[i].addr, portBytes(eps[i].port)});
      endpoints.push_back(
          Element{concat({prefix, hostU32(static_cast<uint32_t>(i))}), data, {}, 0});
    }
    for (size_t i = 0; i < also.size(); ++i) {
      Bytes data = concat({also[i].addr, portBytes(also[i].port)});
      uint32_t slot = nftlayout::kClusterSlots + static_cast<uint32_t>(i);
      endpoints.push_back(Element{concat({prefix, hostU32(slot)}), data, {}, 0});
    }
  };

  if (auto vip = familyAddr(f, svc.cluster_ip)) {
    frontend(*vip, svc.port, false, internal, PickKind::kClusterIp);
  }
  PickKind ext = svc.external_policy_local ? PickKind::kExternalLocal : PickKind::kExternal;
  std::vector<std::string> ext_ips = svc.external_ips;
  ext_ips.insert(ext_ips.end(), svc.load_balancer_ips.begin(), svc.load_balancer_ips.end());
  for (const auto& ip : ext_ips) {
    if (auto a = familyAddr(f, ip)) frontend(*a, svc.port, false, external, ext);
  }
  if (!svc.load_balancer_source_ranges.empty()) {
    Bytes port = portBytes(svc.port);
    for (const auto& ip : svc.load_balancer_ips) {
      auto a = familyAddr(f, ip);
      if (!a) continue;
      Bytes front = concat({*a, proto, port});
      // Only for the frontends this Service owns (claimed above).
      Bytes owned = front;
      owned.push_back(kFrontIp);
      if (std::find(rec.fronts.begin(), rec.fronts.end(), owned) == rec.fronts.end()) continue;
      std::string name = "fw-" + hex(owned);
      rec.own_chains.emplace(name,
                             nftlayout::firewallChain(f, name, svc.load_balancer_source_ranges));
      rec.elements[static_cast<size_t>(NftMap::kFirewallIps)].push_back(
          Element{front, {}, Verdict{VerdictCode::kGoto, name}, 0});
    }
  }
  if (svc.node_port != 0) {
    frontend({}, svc.node_port, true, external,
             svc.external_policy_local ? PickKind::kNodePortLocal : PickKind::kNodePort);
  }
  for (auto& v : rec.elements) std::sort(v.begin(), v.end(), byKey);
  return rec;
}

const std::vector<EndpointInfo>* endpointsOf(const ProxyState& state, const ServicePortName& n) {
  auto it = state.endpoints.find(n);
  return it == state.endpoints.end() ? nullptr : &it->second;
}

// Parses a pick chain name back ("cip-3", "extl-1-3").
PickSpec parsePick(const std::string& name) {
  PickSpec s;
  size_t d1 = name.find('-');
  std::string kind = name.substr(0, d1);
  if (kind == "ext") s.kind = PickKind::kExternal;
  if (kind == "extl") s.kind = PickKind::kExternalLocal;
  if (kind == "np") s.kind = PickKind::kNodePort;
  if (kind == "npl") s.kind = PickKind::kNodePortLocal;
  size_t d2 = name.find('-', d1 + 1);
  s.endpoints = static_cast<uint32_t>(std::stoul(name.substr(d1 + 1, d2 - d1 - 1)));
  if (d2 != std::string::npos) {
    s.cluster_endpoints = static_cast<uint32_t>(std::stoul(name.substr(d2 + 1)));
  }
  return s;
}

std::string renderRules(const nftlayout::ChainPlan& c) {
  Transaction t;
  for (const Rule& r : c.rules) t.add(AddRule{r});
  return t.render();
}

void addChainWithRules(Transaction& tx, const nftlayout::ChainPlan& c) {
  if (c.set) tx.add(AddSet{*c.set});
  tx.add(AddChain{c.chain});
  for (const Rule& r : c.rules) tx.add(AddRule{r});
}

Bytes hairpinKey(const Bytes& addr) {
  return concat({addr, addr});
}

uint64_t ruleCount(const NftServiceRecord& r) {
  uint64_t n = 0;
  for (const auto& [name, c] : r.own_chains) n += c.rules.size();
  return n;
}

uint64_t elementCount(const NftServiceRecord& r) {
  uint64_t n = 0;
  for (const auto& v : r.elements) n += v.size();
  return n;
}

NftPlan planFull(const ProxyState& state, const NftKernelState* previous, bool recreate) {
  IpFamily f = state.config.family;
  NftPlan plan;
  plan.full = true;
  NftKernelState& ns = plan.full_state;
  ns.config_key = nftlayout::configKey(state);
  for (const auto& [name, svc] : state.services) {
    Claim claim = [&ns, &name](const Bytes& front) {
      return ns.owners.emplace(front, name).second;
    };
    NftServiceRecord rec = buildRecord(state, svc, endpointsOf(state, name), claim);
    for (const auto& c : rec.chains) ns.chains.insert(c);
    for (const auto& a : rec.hairpin) ++ns.hairpin[a];
    ns.service_elements += elementCount(rec);
    ns.service_chains += rec.own_chains.size();
    ns.service_rules += ruleCount(rec);
    ns.services.emplace(name, std::move(rec));
  }

  Transaction& tx = plan.tx;
  Table table{nftlayout::nfFamily(f), nftlayout::kTable};
  bool with_np_ips = !state.node.node_port_all_local;
  std::vector<nftlayout::ChainPlan> chains = nftlayout::fixedChains(state);
  for (const auto& name : ns.chains)
    chains.push_back(nftlayout::pickChain(f, parsePick(name), state.config.cluster_cidrs));
  size_t shared_chains = chains.size();
  std::map<std::string, ServicePortName> own_names;  // own chain -> its Service
  for (const auto& [name, rec] : ns.services) {
    for (const auto& [cn, c] : rec.own_chains) {
      chains.push_back(c);
      own_names.emplace(cn, name);
    }
  }
  std::vector<Set> sets = nftlayout::allSets(f, with_np_ips);
  tx.add(AddTable{table});
  if (recreate || previous == nullptr) {
    tx.add(DeleteTable{table});
    tx.add(AddTable{table});
    for (const Set& s : sets) tx.add(AddSet{s});
    for (const auto& c : chains) {
      if (c.set) tx.add(AddSet{*c.set});
      tx.add(AddChain{c.chain});
    }
  } else {
    // In place: keep the table and the affinity entries of the frontends that stay
    // with their Service; replace everything else.
    std::map<std::string, std::pair<ServicePortName, const nftlayout::ChainPlan*>> old_own;
    for (const auto& [name, rec] : previous->services) {
      for (const auto& [cn, c] : rec.own_chains) old_own.emplace(cn, std::pair{name, &c});
    }
    for (const Set& s : sets) {
      tx.add(AddSet{s});
      tx.add(FlushSet{s});
    }
    for (const auto& c : chains) {
      tx.add(AddChain{c.chain});
      tx.add(FlushChain{c.chain});
      if (!c.set) continue;
      tx.add(AddSet{*c.set});
      auto o = old_own.find(c.chain.name);
      if (o != old_own.end() && o->second.first != own_names.at(c.chain.name)) {
        tx.add(FlushSet{*c.set});  // another Service's frontend before: no stickiness from it
      }
    }
    for (const auto& old : previous->chains) {
      if (ns.chains.count(old) == 0 && own_names.count(old) == 0) {
        Chain c{table.family, table.name, old, std::nullopt};
        tx.add(FlushChain{c});
        tx.add(DeleteChain{c});
      }
    }
    for (const auto& [cn, o] : old_own) {
      if (ns.chains.count(cn) == 0 && own_names.count(cn) == 0) deleteChain(tx, *o.second);
    }
    if (!with_np_ips && previous->config_key.find("np=list") != std::string::npos) {
      tx.add(DeleteSet{nftlayout::setSpec(f, nftlayout::kNodeportIps)});
    }
  }
  for (size_t i = 0; i < chains.size(); ++i) {
    for (const Rule& r : chains[i].rules) tx.add(AddRule{r});
    if (i < shared_chains) ns.shared_rules += chains[i].rules.size();
  }
  for (size_t m = 0; m < kNftMapCount; ++m) {
    std::vector<Element> all;
    for (const auto& [name, rec] : ns.services) {
      all.insert(all.end(), rec.elements[m].begin(), rec.elements[m].end());
    }
    if (!all.empty()) tx.add(AddElements{nftlayout::setSpec(f, mapName(m)), std::move(all)});
  }
  if (!ns.hairpin.empty()) {
    std::vector<Element> hp;
    for (const auto& [addr, n] : ns.hairpin) hp.push_back(Element{hairpinKey(addr), {}, {}, 0});
    tx.add(AddElements{nftlayout::setSpec(f, nftlayout::kHairpin), std::move(hp)});
  }
  if (with_np_ips) {
    std::vector<Element> ips;
    for (const auto& ip : state.node.node_port_ips) {
      if (auto a = familyAddr(f, ip)) ips.push_back(Element{*a, {}, {}, 0});
    }
    std::sort(ips.begin(), ips.end(), byKey);
    ips.erase(std::unique(ips.begin(), ips.end(),
                          [](const Element& a, const Element& b) { return a.key == b.key; }),
              ips.end());
    ns.shared_elements = ips.size();
    if (!ips.empty()) {
      tx.add(AddElements{nftlayout::setSpec(f, nftlayout::kNodeportIps), std::move(ips)});
    }
  }
  return plan;
}

NftPlan planIncremental(const ProxyState& state, const NftKernelState& prev,
                        const ChangeSet& changes) {
  IpFamily f = state.config.family;
  NftPlan plan;
  std::array<std::vector<Element>, kNftMapCount> dels, adds;
  std::map<Bytes, ServicePortName> batch_claims;
  std::map<Bytes, int> hairpin_delta;
  // Own chains before and after, with their Service, over the whole batch (a
  // frontend may pass from one Service to another).
  std::map<std::string, std::pair<ServicePortName, nftlayout::ChainPlan>> old_own, new_own;
  static const NftServiceRecord kEmpty;
  for (const ServicePortName& name : changes.services) {
    auto old_it = prev.services.find(name);
    const NftServiceRecord& old = old_it != prev.services.end() ? old_it->second : kEmpty;
    std::optional<NftServiceRecord> rec;
    auto svc = state.services.find(name);
    if (svc != state.services.end()) {
      Claim claim = [&](const Bytes& front) {
        auto b = batch_claims.find(front);
        if (b != batch_claims.end()) return b->second == name;
        auto o = prev.owners.find(front);
        if (o != prev.owners.end() && o->second != name && changes.services.count(o->second) == 0) {
          return false;
        }
        batch_claims.emplace(front, name);
        return true;
      };
      rec = buildRecord(state, svc->second, endpointsOf(state, name), claim);
    }
    const NftServiceRecord& now = rec ? *rec : kEmpty;
    for (size_t m = 0; m < kNftMapCount; ++m) {
      const auto& a = old.elements[m];
      const auto& b = now.elements[m];
      size_t i = 0, j = 0;
      while (i < a.size() || j < b.size()) {
        if (j == b.size() || (i < a.size() && a[i].key < b[j].key)) {
          dels[m].push_back(a[i++]);
        } else if (i == a.size() || b[j].key < a[i].key) {
          adds[m].push_back(b[j++]);
        } else {
          if (!sameElement(a[i], b[j])) {
            dels[m].push_back(a[i]);
            adds[m].push_back(b[j]);
          }
          ++i, ++j;
        }
      }
    }
    for (const auto& c : now.chains) {
      if (prev.chains.count(c) == 0 && plan.new_chains.insert(c).second) {
        nftlayout::ChainPlan cp = nftlayout::pickChain(f, parsePick(c), state.config.cluster_cidrs);
        addChainWithRules(plan.tx, cp);
        plan.new_chain_rules += cp.rules.size();
      }
    }
    for (const auto& [cn, cp] : old.own_chains) old_own.emplace(cn, std::pair{name, cp});
    for (const auto& [cn, cp] : now.own_chains) new_own.emplace(cn, std::pair{name, cp});
    for (const auto& a : old.hairpin) --hairpin_delta[a];
    for (const auto& a : now.hairpin) ++hairpin_delta[a];
    plan.updates.emplace_back(name, std::move(rec));
  }
  // Own chains: added (with their sets) before the elements that jump to them,
  // re-written when present before and after, deleted (then their sets) after the
  // elements are gone.
  for (const auto& [cn, now] : new_own) {
    const auto& [svc, cp] = now;
    auto o = old_own.find(cn);
    if (o == old_own.end()) {
      addChainWithRules(plan.tx, cp);
      continue;
    }
    bool moved = o->second.first != svc;
    if (moved && cp.set) {
      plan.tx.add(FlushSet{*cp.set});  // no stickiness from the Service it belonged to
    }
    if (o->second.second.rules.size() == cp.rules.size() &&
        renderRules(o->second.second) == renderRules(cp)) {
      continue;
    }
    plan.tx.add(FlushChain{cp.chain});
    for (const Rule& r : cp.rules) plan.tx.add(AddRule{r});
  }
  std::vector<Element> hp_del, hp_add;
  for (const auto& [addr, d] : hairpin_delta) {
    auto it = prev.hairpin.find(addr);
    int before = it == prev.hairpin.end() ? 0 : static_cast<int>(it->second);
    if (before > 0 && before + d <= 0) hp_del.push_back(Element{hairpinKey(addr), {}, {}, 0});
    if (before == 0 && d > 0) hp_add.push_back(Element{hairpinKey(addr), {}, {}, 0});
  }
  for (size_t m = 0; m < kNftMapCount; ++m) {
    if (!dels[m].empty()) {
      plan.tx.add(DeleteElements{nftlayout::setSpec(f, mapName(m)), std::move(dels[m])});
    }
  }
  if (!hp_del.empty()) {
    plan.tx.add(DeleteElements{nftlayout::setSpec(f, nftlayout::kHairpin), std::move(hp_del)});
  }
  for (size_t m = 0; m < kNftMapCount; ++m) {
    if (!adds[m].empty()) {
      plan.tx.add(AddElements{nftlayout::setSpec(f, mapName(m)), std::move(adds[m])});
    }
  }
  if (!hp_add.empty()) {
    plan.tx.add(AddElements{nftlayout::setSpec(f, nftlayout::kHairpin), std::move(hp_add)});
  }
  for (const auto& [cn, old] : old_own) {
    if (new_own.count(cn) == 0) deleteChain(plan.tx, old.second);
  }
  return plan;
}

}  // namespace

NftPlan planNftables(const ProxyState& state, const NftKernelState* previous,
                     const ChangeSet& changes, bool recreate) {
  if (previous == nullptr || changes.full || recreate ||
      previous->config_key != nftlayout::configKey(state)) {
    return planFull(state, previous, recreate);
  }
  return planIncremental(state, *previous, changes);
}

void applyPlan(NftKernelState& state, NftPlan&& plan) {
  if (plan.full) {
    state = std::move(plan.full_state);
    return;
  }
  for (auto& [name, rec] : plan.updates) {
    auto it = state.services.find(name);
    if (it != state.services.end()) {
      const NftServiceRecord& old = it->second;
      for (const auto& front : old.fronts) {
        auto o = state.owners.find(front);
        if (o != state.owners.end() && o->second == name) state.owners.erase(o);
      }
      for (const auto& a : old.hairpin) {
        auto h = state.hairpin.find(a);
        if (h != state.hairpin.end() && --h->second == 0) state.hairpin.erase(h);
      }
      state.service_elements -= elementCount(old);
      state.service_chains -= old.own_chains.size();
      state.service_rules -= ruleCount(old);
      state.services.erase(it);
    }
    if (!rec) continue;
    for (const auto& front : rec->fronts) state.owners[front] = name;
    for (const auto& a : rec->hairpin) ++state.hairpin[a];
    state.service_elements += elementCount(*rec);
    state.service_chains += rec->own_chains.size();
    state.service_rules += ruleCount(*rec);
    state.services.emplace(name, std::move(*rec));
  }
  state.chains.insert(plan.new_chains.begin(), plan.new_chains.end());
  state.shared_rules += plan.new_chain_rules;
}

Transaction planCleanup(IpFamily family) {
  Transaction tx;
  Table t{nftlayout::nfFamily(family), nftlayout::kTable};
  tx.add(AddTable{t});  // so that the delete never fails with ENOENT
  tx.add(DeleteTable{t});
  return tx;
}

}  // namespace orch::proxy
