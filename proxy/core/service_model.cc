#include "proxy/core/service_model.h"

#include <netinet/in.h>

namespace orch::proxy {

const char* protocolName(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "TCP";
    case Protocol::kUdp:
      return "UDP";
    case Protocol::kSctp:
      return "SCTP";
  }
  return "TCP";
}

const char* protocolLowerName(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kUdp:
      return "udp";
    case Protocol::kSctp:
      return "sctp";
  }
  return "tcp";
}

uint8_t protocolNumber(Protocol p) {
  switch (p) {
    case Protocol::kTcp:
      return IPPROTO_TCP;
    case Protocol::kUdp:
      return IPPROTO_UDP;
    case Protocol::kSctp:
      return IPPROTO_SCTP;
  }
  return IPPROTO_TCP;
}

std::string ServicePortName::str() const {
  std::string s = ns + "/" + name;
  if (!port.empty()) s += ":" + port;
  return s;
}

namespace {

template <typename Pred>
std::vector<EndpointInfo> filter(const std::vector<EndpointInfo>& eps, Pred pred) {
  std::vector<EndpointInfo> out;
  for (const auto& ep : eps)
    if (pred(ep)) out.push_back(ep);
  return out;
}

bool servingTerminating(const EndpointInfo& ep) {
  return ep.serving && ep.terminating;
}

}  // namespace

// kube-proxy's CategorizeEndpoints (without topology hints).
SelectedEndpoints selectEndpoints(const ServicePortInfo& svc,
                                  const std::vector<EndpointInfo>& endpoints) {
  SelectedEndpoints out;
  bool externally_accessible =
      svc.node_port != 0 || !svc.external_ips.empty() || !svc.load_balancer_ips.empty();
  bool uses_cluster =
      !svc.internal_policy_local || (externally_accessible && !svc.external_policy_local);
  bool uses_local =
      svc.internal_policy_local || (externally_accessible && svc.external_policy_local);

  if (uses_cluster) {
    out.cluster = filter(endpoints, [](const EndpointInfo& ep) { return ep.ready; });
    // No ready endpoint anywhere: fall back to the ones still serving while terminating.
    if (out.cluster.empty()) out.cluster = filter(endpoints, servingTerminating);
    if (!out.cluster.empty()) out.has_any_endpoints = true;
  }
  if (uses_local) {
    bool local_ready = false, local_serving_terminating = false;
    for (const auto& ep : endpoints) {
      if (ep.ready) {
        out.has_any_endpoints = true;
        local_ready |= ep.is_local;
      } else if (servingTerminating(ep)) {
        out.has_any_endpoints = true;
        local_serving_terminating |= ep.is_local;
      }
    }
    if (local_ready)
      out.local = filter(endpoints, [](const EndpointInfo& ep) { return ep.ready && ep.is_local; });
    else if (local_serving_terminating)
      out.local = filter(
          endpoints, [](const EndpointInfo& ep) { return ep.is_local && servingTerminating(ep); });
  }
  out.internal = svc.internal_policy_local ? out.local : out.cluster;
  if (externally_accessible) out.external = svc.external_policy_local ? out.local : out.cluster;
  return out;
}

}  // namespace orch::proxy
