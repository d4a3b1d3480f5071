#include "proxy/core/state_json.h"

namespace orch::proxy {

nlohmann::ordered_json stateToJson(const ProxyState& state) {
  using J = nlohmann::ordered_json;
  J j;
  j["family"] = state.config.family == IpFamily::kIpv4 ? "IPv4" : "IPv6";
  j["hostname"] = state.config.hostname;
  j["clusterCIDRs"] = state.config.cluster_cidrs;
  j["masqueradeAll"] = state.config.masquerade_all;
  j["node"] = J{{"name", state.node.name},
                {"nodePortIPs", state.node.node_port_ips},
                {"nodePortAllLocal", state.node.node_port_all_local}};
  J services = J::array();
  for (const auto& [name, svc] : state.services) {
    J s;
    s["name"] = name.str();
    s["protocol"] = protocolName(name.protocol);
    s["clusterIP"] = svc.cluster_ip;
    s["port"] = svc.port;
    s["nodePort"] = svc.node_port;
    s["externalIPs"] = svc.external_ips;
    s["loadBalancerIPs"] = svc.load_balancer_ips;
    s["loadBalancerSourceRanges"] = svc.load_balancer_source_ranges;
    s["sessionAffinity"] = svc.session_affinity;
    s["affinityTimeoutSeconds"] = svc.affinity_timeout_s;
    s["externalPolicyLocal"] = svc.external_policy_local;
    s["internalPolicyLocal"] = svc.internal_policy_local;
    s["healthCheckNodePort"] = svc.health_check_node_port;
    J eps = J::array();
    if (auto it = state.endpoints.find(name); it != state.endpoints.end()) {
      for (const auto& ep : it->second) {
        eps.push_back(J{{"ip", ep.ip},
                        {"port", ep.port},
                        {"ready", ep.ready},
                        {"serving", ep.serving},
                        {"terminating", ep.terminating},
                        {"isLocal", ep.is_local},
                        {"nodeName", ep.node_name}});
      }
    }
    s["endpoints"] = std::move(eps);
    services.push_back(std::move(s));
  }
  j["services"] = std::move(services);
  return j;
}

}  // namespace orch::proxy
