#include "proxy/core/api_conversion.h"

#include <algorithm>
#include <set>

#include "common/netlink/ip_address.h"

namespace orch::proxy {
namespace {

IpFamily fromNetlink(netlink::IpFamily f) {
  return f == netlink::IpFamily::kV4 ? IpFamily::kIpv4 : IpFamily::kIpv6;
}

// `ips` that are addresses of `family`, in canonical text, without duplicates, in order.
std::vector<std::string> ipsOfFamily(const std::vector<std::string>& ips, IpFamily family) {
  std::vector<std::string> out;
  for (const auto& text : ips) {
    auto ip = netlink::IpAddress::parse(text);
    if (!ip.ok() || fromNetlink(ip->family()) != family) continue;
    std::string canon = ip->toString();
    if (std::find(out.begin(), out.end(), canon) == out.end()) out.push_back(std::move(canon));
  }
  return out;
}

bool isHeadless(const api::ServiceSpec& spec) {
  if (spec.clusterIP == "None") return true;
  if (!spec.clusterIPs.empty()) return spec.clusterIPs.front() == "None";
  return spec.clusterIP.empty();
}

}  // namespace

std::optional<IpFamily> ipFamilyOf(std::string_view ip) {
  auto a = netlink::IpAddress::parse(ip);
  if (!a.ok()) return std::nullopt;
  return fromNetlink(a->family());
}

std::optional<IpFamily> cidrFamilyOf(std::string_view cidr) {
  auto p = netlink::IpPrefix::parse(cidr);
  if (!p.ok()) return std::nullopt;
  return fromNetlink(p->family());
}

const char* ipFamilyName(IpFamily f) {
  return f == IpFamily::kIpv4 ? "IPv4" : "IPv6";
}

std::optional<Protocol> parseProtocol(std::string_view text) {
  if (text.empty() || text == "TCP") return Protocol::kTcp;
  if (text == "UDP") return Protocol::kUdp;
  if (text == "SCTP") return Protocol::kSctp;
  return std::nullopt;
}

std::map<ServicePortName, ServicePortInfo> servicePortsFor(const api::Service& svc,
                                                           IpFamily family) {
  std::map<ServicePortName, ServicePortInfo> out;
  const api::ServiceSpec& spec = svc.spec;
  if (spec.type == "ExternalName" || isHeadless(spec)) return out;
  std::vector<std::string> cluster_ips = spec.clusterIPs;
  if (cluster_ips.empty()) cluster_ips.push_back(spec.clusterIP);
  std::vector<std::string> vip = ipsOfFamily(cluster_ips, family);
  if (vip.empty()) return out;

  const bool externally_accessible =
      spec.type == "NodePort" || spec.type == "LoadBalancer" || !spec.externalIPs.empty();
  const bool external_local = externally_accessible && spec.externalTrafficPolicy == "Local";
  const bool internal_local = spec.internalTrafficPolicy.value_or("") == "Local";
  // kube-proxy's NeedsHealthCheck: LoadBalancer Services with externalTrafficPolicy Local.
  const bool needs_health_check = spec.type == "LoadBalancer" && external_local;

  ServicePortInfo base;
  base.cluster_ip = vip.front();
  base.external_ips = ipsOfFamily(spec.externalIPs, family);
  std::vector<std::string> ingress;
  for (const auto& ing : svc.status.loadBalancer.ingress) {
    if (ing.ip.empty() || ing.ipMode.value_or("VIP") == "Proxy") continue;
    ingress.push_back(ing.ip);
  }
  base.load_balancer_ips = ipsOfFamily(ingress, family);
  for (const auto& raw : spec.loadBalancerSourceRanges) {
    std::string cidr = raw;
    cidr.erase(std::remove(cidr.begin(), cidr.end(), ' '), cidr.end());
    auto p = netlink::IpPrefix::parse(cidr);
    if (!p.ok() || fromNetlink(p->family()) != family) continue;
    base.load_balancer_source_ranges.push_back(p->masked().toString());
  }
  base.session_affinity = spec.sessionAffinity == "ClientIP";
  if (base.session_affinity && spec.sessionAffinityConfig && spec.sessionAffinityConfig->clientIP &&
      spec.sessionAffinityConfig->clientIP->timeoutSeconds &&
      *spec.sessionAffinityConfig->clientIP->timeoutSeconds > 0) {
    base.affinity_timeout_s =
        static_cast<uint32_t>(*spec.sessionAffinityConfig->clientIP->timeoutSeconds);
  }
  base.external_policy_local = external_local;
  base.internal_policy_local = internal_local;
  if (needs_health_check && spec.healthCheckNodePort > 0 && spec.healthCheckNodePort <= 65535)
    base.health_check_node_port = static_cast<uint16_t>(spec.healthCheckNodePort);

  for (const auto& port : spec.ports) {
    auto proto = parseProtocol(port.protocol);
    if (!proto || port.port <= 0 || port.port > 65535) continue;
    ServicePortInfo info = base;
    info.name = ServicePortName{svc.metadata.namespace_, svc.metadata.name, port.name, *proto};
    info.port = static_cast<uint16_t>(port.port);
    if (port.nodePort > 0 && port.nodePort <= 65535)
      info.node_port = static_cast<uint16_t>(port.nodePort);
    out.emplace(info.name, std::move(info));
  }
  return out;
}

std::optional<ServiceKey> sliceServiceKey(const api::EndpointSlice& slice) {
  if (slice.addressType != "IPv4" && slice.addressType != "IPv6") return std::nullopt;
  auto it = slice.metadata.labels.find(kServiceNameLabel);
  if (it == slice.metadata.labels.end() || it->second.empty()) return std::nullopt;
  return ServiceKey{slice.metadata.namespace_, it->second};
}

std::map<ServicePortName, std::vector<EndpointInfo>> endpointsFromSlices(
    const std::vector<const api::EndpointSlice*>& slices, IpFamily family,
    const std::string& hostname) {
  // Per port: "ip:port" → endpoint, so overlapping slices count an endpoint once.
  std::map<ServicePortName, std::map<std::pair<std::string, uint16_t>, EndpointInfo>> merged;
  for (const api::EndpointSlice* slice : slices) {
    auto key = sliceServiceKey(*slice);
    if (!key || slice->addressType != ipFamilyName(family)) continue;
    for (const auto& port : slice->ports) {
      if (!port.name || !port.port || *port.port <= 0 || *port.port > 65535) continue;
      auto proto = parseProtocol(port.protocol.value_or("TCP"));
      if (!proto) continue;
      ServicePortName spn{key->ns, key->name, *port.name, *proto};
      auto& set = merged[spn];
      for (const auto& ep : slice->endpoints) {
        if (ep.addresses.empty()) continue;
        // Only the first address counts (the API allows just one today), as kube-proxy.
        auto ip = netlink::IpAddress::parse(ep.addresses.front());
        if (!ip.ok() || fromNetlink(ip->family()) != family) continue;
        EndpointInfo info;
        info.ip = ip->toString();
        info.port = static_cast<uint16_t>(*port.port);
        info.ready = ep.conditions.ready.value_or(true);
        info.serving = ep.conditions.serving.value_or(true);
        info.terminating = ep.conditions.terminating.value_or(false);
        info.node_name = ep.nodeName.value_or("");
        info.is_local = ep.nodeName.has_value() && *ep.nodeName == hostname;
        if (ep.hints)
          for (const auto& z : ep.hints->forZones) info.zone_hints.insert(z.name);
        auto k = std::make_pair(info.ip, info.port);
        auto it = set.find(k);
        if (it == set.end() || info.is_local) set[k] = std::move(info);
      }
    }
  }
  std::map<ServicePortName, std::vector<EndpointInfo>> out;
  for (auto& [spn, set] : merged) {
    auto& list = out[spn];
    for (auto& [k, ep] : set) list.push_back(std::move(ep));
  }
  return out;
}

std::string nodePrimaryIp(const api::Node& node, IpFamily family) {
  for (const char* type : {"InternalIP", "ExternalIP"}) {
    for (const auto& a : node.status.addresses) {
      if (a.type != type) continue;
      auto ip = netlink::IpAddress::parse(a.address);
      if (ip.ok() && fromNetlink(ip->family()) == family) return ip->toString();
    }
  }
  return "";
}

bool nodeTerminating(const api::Node& node) {
  if (node.metadata.deletionTimestamp) return true;
  for (const auto& t : node.spec.taints)
    if (t.key == "ToBeDeletedByClusterAutoscaler") return true;
  return false;
}

NodeInfo nodeInfoFor(const api::Node* node, const std::string& hostname, IpFamily family,
                     const NodePortAddresses& addrs, const std::vector<std::string>& local_ips) {
  NodeInfo info;
  info.name = hostname;
  if (node != nullptr) info.labels = node->metadata.labels;

  // CIDRs of this family (kube-proxy filters the list per family).
  std::vector<netlink::IpPrefix> cidrs;
  bool match_all = false;
  for (const auto& text : addrs.cidrs) {
    auto p = netlink::IpPrefix::parse(text);
    if (!p.ok() || fromNetlink(p->family()) != family) continue;
    if (p->length() == 0) match_all = true;
    cidrs.push_back(p->masked());
  }
  if (match_all) return info;  // node_port_all_local
  if (!cidrs.empty()) {
    info.node_port_all_local = false;
    std::set<netlink::IpAddress> matched;
    for (const auto& text : local_ips) {
      auto ip = netlink::IpAddress::parse(text);
      if (!ip.ok() || fromNetlink(ip->family()) != family) continue;
      for (const auto& c : cidrs)
        if (c.contains(*ip)) matched.insert(*ip);
    }
    for (const auto& ip : matched) info.node_port_ips.push_back(ip.toString());
    return info;
  }
  if (addrs.primary && node != nullptr) {
    std::string ip = nodePrimaryIp(*node, family);
    if (!ip.empty()) {
      info.node_port_all_local = false;
      info.node_port_ips.push_back(ip);
    }
  }
  return info;
}

}  // namespace orch::proxy
