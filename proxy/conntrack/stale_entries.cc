#include "proxy/conntrack/stale_entries.h"

#include "common/netlink/ip_address.h"

namespace orch::proxy {

std::string canonicalIp(const std::string& ip) {
  auto a = netlink::IpAddress::parse(ip);
  return a.ok() ? a->toString() : ip;
}

namespace {

std::set<std::pair<std::string, uint16_t>> targetsOf(const std::vector<EndpointInfo>& eps) {
  std::set<std::pair<std::string, uint16_t>> out;
  for (const auto& ep : eps) out.emplace(canonicalIp(ep.ip), ep.port);
  return out;
}

}  // namespace

StaleEntryMatcher::StaleEntryMatcher(const ProxyState& state) {
  static const std::vector<EndpointInfo> kNone;
  for (const auto& [name, svc] : state.services) {
    if (svc.name.protocol == Protocol::kTcp) continue;
    auto it = state.endpoints.find(name);
    SelectedEndpoints sel = selectEndpoints(svc, it == state.endpoints.end() ? kNone : it->second);
    Targets internal = targetsOf(sel.internal);
    Targets external = targetsOf(sel.external);
    Protocol proto = svc.name.protocol;
    auto add = [](Targets& into, const Targets& from) { into.insert(from.begin(), from.end()); };
    add(vips_[{canonicalIp(svc.cluster_ip), proto, svc.port}], internal);
    for (const auto& ip : svc.external_ips)
      add(vips_[{canonicalIp(ip), proto, svc.port}], external);
    for (const auto& ip : svc.load_balancer_ips)
      add(vips_[{canonicalIp(ip), proto, svc.port}], external);
    if (svc.node_port != 0) add(node_ports_[{proto, svc.node_port}], external);
  }
}

bool StaleEntryMatcher::isStale(const ConntrackEntry& entry) const {
  if (entry.protocol == Protocol::kTcp) return false;
  const Targets* targets = nullptr;
  auto vip = vips_.find({canonicalIp(entry.orig_dst), entry.protocol, entry.orig_dst_port});
  if (vip != vips_.end()) {
    targets = &vip->second;
  } else {
    auto np = node_ports_.find({entry.protocol, entry.orig_dst_port});
    if (np == node_ports_.end()) return false;  // not a Service address
    targets = &np->second;
  }
  return !targets->contains({canonicalIp(entry.reply_src), entry.reply_src_port});
}

bool isStaleConntrackEntry(const ConntrackEntry& entry, const ProxyState& state) {
  return StaleEntryMatcher(state).isStale(entry);
}

}  // namespace orch::proxy
