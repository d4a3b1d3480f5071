#include "proxy/core/change_tracker.h"

#include <algorithm>

namespace orch::proxy {
namespace {

std::string sliceKey(const api::EndpointSlice& s) {
  return s.metadata.namespace_ + "/" + s.metadata.name;
}

ServiceKey keyOf(const api::Service& s) {
  return ServiceKey{s.metadata.namespace_, s.metadata.name};
}

bool sameService(const ServicePortName& n, const ServiceKey& k) {
  return n.ns == k.ns && n.name == k.name;
}

// The first entry of `m` belonging to Service `k` (maps keyed by ServicePortName order by
// namespace and name first).
template <class Map>
auto firstOf(Map& m, const ServiceKey& k) {
  return m.lower_bound(ServicePortName{k.ns, k.name, "", Protocol::kTcp});
}

}  // namespace

ProxyStateTracker::ProxyStateTracker(TrackerOptions opts)
    : opts_(std::move(opts)), local_ips_(opts_.local_ips) {
  for (IpFamily f : opts_.families) {
    Family& fam = families_[f];
    fam.state.config.family = f;
    fam.state.config.hostname = opts_.hostname;
    fam.state.config.masquerade_all = opts_.masquerade_all;
    for (const auto& c : opts_.cluster_cidrs)
      if (cidrFamilyOf(c) == f) fam.state.config.cluster_cidrs.push_back(c);
    fam.state.node = nodeInfoFor(nullptr, opts_.hostname, f, opts_.node_port_addresses, local_ips_);
  }
}

ProxyStateTracker::Family& ProxyStateTracker::familyLocked(IpFamily f) {
  auto it = families_.find(f);
  if (it == families_.end()) std::abort();  // a family the tracker was not made for
  return it->second;
}

bool ProxyStateTracker::recomputeLocked(const ServiceKey& key) {
  bool any = false;
  std::vector<const api::EndpointSlice*> slices;
  if (auto it = slices_.find(key); it != slices_.end())
    for (const auto& [name, s] : it->second) slices.push_back(s.get());
  const api::Service* svc = nullptr;
  if (auto it = services_.find(key); it != services_.end()) svc = it->second.get();

  for (auto& [f, fam] : families_) {
    std::map<ServicePortName, ServicePortInfo> ports;
    if (svc != nullptr) ports = servicePortsFor(*svc, f);
    std::map<ServicePortName, std::vector<EndpointInfo>> eps;
    if (!ports.empty()) eps = endpointsFromSlices(slices, f, opts_.hostname);

    auto& services = fam.state.services;
    auto& endpoints = fam.state.endpoints;
    // Old ports that are gone or changed.
    for (auto it = firstOf(services, key); it != services.end() && sameService(it->first, key);) {
      auto np = ports.find(it->first);
      if (np == ports.end()) {
        fam.changed.insert(it->first);
        endpoints.erase(it->first);
        it = services.erase(it);
        any = true;
        continue;
      }
      ++it;
    }
    // New or changed ports and endpoint lists.
    for (auto& [name, info] : ports) {
      auto old = services.find(name);
      bool changed = old == services.end() || !(old->second == info);
      auto ne = eps.find(name);
      auto oe = endpoints.find(name);
      bool had = oe != endpoints.end();
      bool has = ne != eps.end();
      if (had != has || (had && oe->second != ne->second)) changed = true;
      if (!changed) continue;
      any = true;
      fam.changed.insert(name);
      services[name] = info;
      if (has)
        endpoints[name] = std::move(ne->second);
      else
        endpoints.erase(name);
    }
  }
  return any;
}

bool ProxyStateTracker::onService(const api::Service& svc) {
  std::lock_guard l(mu_);
  ServiceKey k = keyOf(svc);
  services_[k] = std::make_shared<const api::Service>(svc);
  return recomputeLocked(k);
}

bool ProxyStateTracker::onServiceDeleted(const api::Service& svc) {
  std::lock_guard l(mu_);
  ServiceKey k = keyOf(svc);
  services_.erase(k);
  return recomputeLocked(k);
}

bool ProxyStateTracker::onSlice(const api::EndpointSlice& slice) {
  std::lock_guard l(mu_);
  const std::string sk = sliceKey(slice);
  bool any = false;
  auto owner = sliceServiceKey(slice);
  // A slice that changed Service (or lost its label) leaves its previous one.
  if (auto it = slice_owner_.find(sk);
      it != slice_owner_.end() && (!owner || it->second != *owner)) {
    ServiceKey prev = it->second;
    slice_owner_.erase(it);
    slices_[prev].erase(sk);
    if (slices_[prev].empty()) slices_.erase(prev);
    any |= recomputeLocked(prev);
  }
  if (owner) {
    slice_owner_[sk] = *owner;
    slices_[*owner][sk] = std::make_shared<const api::EndpointSlice>(slice);
    any |= recomputeLocked(*owner);
  }
  return any;
}

bool ProxyStateTracker::onSliceDeleted(const api::EndpointSlice& slice) {
  std::lock_guard l(mu_);
  const std::string sk = sliceKey(slice);
  auto it = slice_owner_.find(sk);
  if (it == slice_owner_.end()) return false;
  ServiceKey owner = it->second;
  slice_owner_.erase(it);
  slices_[owner].erase(sk);
  if (slices_[owner].empty()) slices_.erase(owner);
  return recomputeLocked(owner);
}

bool ProxyStateTracker::recomputeNodeLocked() {
  bool any = false;
  for (auto& [f, fam] : families_) {
    NodeInfo info = nodeInfoFor(node_ ? &*node_ : nullptr, opts_.hostname, f,
                                opts_.node_port_addresses, local_ips_);
    bool same = info.name == fam.state.node.name &&
                info.node_port_ips == fam.state.node.node_port_ips &&
                info.node_port_all_local == fam.state.node.node_port_all_local &&
                info.labels == fam.state.node.labels;
    if (same) continue;
    fam.state.node = std::move(info);
    fam.full = true;
    any = true;
  }
  return any;
}

bool ProxyStateTracker::onNode(const api::Node& node) {
  std::lock_guard l(mu_);
  node_ = node;
  return recomputeNodeLocked();
}

bool ProxyStateTracker::onNodeDeleted() {
  std::lock_guard l(mu_);
  node_.reset();
  return recomputeNodeLocked();
}

bool ProxyStateTracker::setLocalIps(std::vector<std::string> ips) {
  std::lock_guard l(mu_);
  local_ips_ = std::move(ips);
  return recomputeNodeLocked();
}

ProxyStateTracker::Snapshot ProxyStateTracker::snapshot(IpFamily family) {
  std::lock_guard l(mu_);
  Family& fam = familyLocked(family);
  Snapshot s;
  s.state = fam.state;
  s.changes.full = fam.full;
  s.changes.services = std::move(fam.changed);
  fam.changed.clear();
  fam.full = false;
  return s;
}

void ProxyStateTracker::markFull(IpFamily family) {
  std::lock_guard l(mu_);
  familyLocked(family).full = true;
}

ProxyState ProxyStateTracker::current(IpFamily family) const {
  std::lock_guard l(mu_);
  auto it = families_.find(family);
  if (it == families_.end()) std::abort();  // a family the tracker was not made for
  return it->second.state;
}

bool ProxyStateTracker::hasPendingChanges(IpFamily family) const {
  std::lock_guard l(mu_);
  auto it = families_.find(family);
  return it != families_.end() && (it->second.full || !it->second.changed.empty());
}

std::map<ServiceKey, uint16_t> ProxyStateTracker::healthCheckNodePorts() const {
  std::lock_guard l(mu_);
  std::map<ServiceKey, uint16_t> out;
  for (const auto& [f, fam] : families_)
    for (const auto& [name, info] : fam.state.services)
      if (info.health_check_node_port != 0)
        out[ServiceKey{name.ns, name.name}] = info.health_check_node_port;
  return out;
}

std::map<ServiceKey, int> ProxyStateTracker::localReadyEndpoints() const {
  std::lock_guard l(mu_);
  std::map<ServiceKey, std::set<std::string>> ips;
  for (const auto& [f, fam] : families_)
    for (const auto& [name, eps] : fam.state.endpoints)
      for (const auto& ep : eps)
        if (ep.ready && ep.is_local) ips[ServiceKey{name.ns, name.name}].insert(ep.ip);
  std::map<ServiceKey, int> out;
  for (const auto& [k, set] : ips) out[k] = static_cast<int>(set.size());
  return out;
}

std::optional<api::Node> ProxyStateTracker::node() const {
  std::lock_guard l(mu_);
  return node_;
}

}  // namespace orch::proxy
