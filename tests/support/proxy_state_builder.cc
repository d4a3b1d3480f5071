#include "support/proxy_state_builder.h"

#include <utility>

namespace orch::proxy::testing {

ServicePortName spn(const std::string& ns, const std::string& name, const std::string& port,
                    Protocol proto) {
  return ServicePortName{ns, name, port, proto};
}

ServicePortName spn(const std::string& name, Protocol proto, const std::string& port) {
  return ServicePortName{"default", name, port, proto};
}

ServicePortInfo clusterIp(const ServicePortName& name, const std::string& ip, uint16_t port) {
  ServicePortInfo s;
  s.name = name;
  s.cluster_ip = ip;
  s.port = port;
  return s;
}

EndpointInfo ready(const std::string& ip, uint16_t port, bool local) {
  EndpointInfo e;
  e.ip = ip;
  e.port = port;
  e.ready = e.serving = true;
  e.is_local = local;
  e.node_name = local ? "node-a" : "node-b";
  return e;
}

EndpointInfo terminating(const std::string& ip, uint16_t port, bool serving, bool local) {
  EndpointInfo e = ready(ip, port, local);
  e.ready = false;
  e.serving = serving;
  e.terminating = true;
  return e;
}

ProxyState baseState() {
  ProxyState st;
  st.config.family = IpFamily::kIpv4;
  st.config.cluster_cidrs = {"10.0.0.0/8"};
  st.config.hostname = "node-a";
  st.node.name = "node-a";
  return st;
}

void add(ProxyState& st, const ServicePortInfo& svc, std::vector<EndpointInfo> eps) {
  st.services[svc.name] = svc;
  if (!eps.empty()) st.endpoints[svc.name] = std::move(eps);
}

ServicePortInfo& addService(ProxyState& st, const ServicePortName& name,
                            const std::string& cluster_ip, uint16_t port,
                            std::vector<EndpointInfo> eps) {
  ServicePortInfo& svc = st.services[name];
  svc.name = name;
  svc.cluster_ip = cluster_ip;
  svc.port = port;
  st.endpoints[name] = std::move(eps);
  return svc;
}

}  // namespace orch::proxy::testing
