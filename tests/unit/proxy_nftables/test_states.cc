#include "tests/unit/proxy_nftables/test_states.h"

namespace orch::proxy::testing {

ProxyState baseState(IpFamily f) {
  ProxyState s;
  bool v6 = f == IpFamily::kIpv6;
  s.config.family = f;
  s.config.cluster_cidrs = {v6 ? "fd00:244::/48" : "10.244.0.0/16"};
  s.config.hostname = "node-a";
  s.node.name = "node-a";
  s.node.node_port_all_local = false;
  s.node.node_port_ips = {v6 ? "fd00:1::2" : "192.168.1.2"};
  return s;
}

ServicePortName portName(const std::string& name, const std::string& port, Protocol p) {
  return ServicePortName{"default", name, port, p};
}

ServicePortInfo service(const ServicePortName& n, const std::string& cluster_ip, uint16_t port) {
  ServicePortInfo svc;
  svc.name = n;
  svc.cluster_ip = cluster_ip;
  svc.port = port;
  return svc;
}

EndpointInfo ready(const std::string& ip, uint16_t port, bool local) {
  EndpointInfo ep;
  ep.ip = ip;
  ep.port = port;
  ep.ready = ep.serving = true;
  ep.is_local = local;
  ep.node_name = local ? "node-a" : "node-b";
  return ep;
}

EndpointInfo terminating(const std::string& ip, uint16_t port, bool serving, bool local) {
  EndpointInfo ep = ready(ip, port, local);
  ep.ready = false;
  ep.serving = serving;
  ep.terminating = true;
  return ep;
}

void addService(ProxyState& s, const ServicePortInfo& svc, std::vector<EndpointInfo> eps) {
  s.services[svc.name] = svc;
  if (!eps.empty()) s.endpoints[svc.name] = std::move(eps);
}

std::vector<std::string> scenarioNames() {
  return {"clusterip",   "multiport",      "nodeport",         "nodeport_all_local",
          "external_lb", "affinity",       "local_policy",     "no_endpoints",
          "terminating", "masquerade_all", "lb_source_ranges", "ipv6"};
}

ProxyState scenario(const std::string& name) {
  if (name == "ipv6") {
    ProxyState s = baseState(IpFamily::kIpv6);
    auto svc = service(portName("web"), "fd00:96::10", 80);
    svc.node_port = 30080;
    svc.session_affinity = true;
    svc.affinity_timeout_s = 600;
    addService(s, svc, {ready("fd00:244:1::5", 8080, true), ready("fd00:244:2::6", 8080)});
    addService(s, service(portName("empty"), "fd00:96::11", 80), {});
    return s;
  }
  ProxyState s = baseState();
  if (name == "clusterip") {
    addService(
        s, service(portName("web"), "10.96.0.10", 80),
        {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080), ready("10.244.3.7", 8080)});
    addService(s, service(portName("dns", "dns", Protocol::kUdp), "10.96.0.53", 53),
               {ready("10.244.2.8", 5353)});
    addService(s, service(portName("sig", "", Protocol::kSctp), "10.96.0.70", 7000),
               {ready("10.244.3.9", 7001)});
  } else if (name == "multiport") {
    addService(s, service(portName("web", "http"), "10.96.0.10", 80),
               {ready("10.244.1.5", 8080), ready("10.244.2.6", 8080)});
    addService(s, service(portName("web", "https"), "10.96.0.10", 443),
               {ready("10.244.1.5", 8443), ready("10.244.2.6", 8443)});
  } else if (name == "nodeport" || name == "nodeport_all_local") {
    if (name == "nodeport_all_local") {
      s.node.node_port_all_local = true;
      s.node.node_port_ips.clear();
    }
    auto svc = service(portName("web"), "10.96.0.10", 80);
    svc.node_port = 30080;
    addService(s, svc, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto empty = service(portName("empty"), "10.96.0.11", 80);
    empty.node_port = 30081;
    addService(s, empty, {});
  } else if (name == "external_lb") {
    auto svc = service(portName("web"), "10.96.0.10", 80);
    svc.external_ips = {"203.0.113.10"};
    svc.load_balancer_ips = {"198.51.100.20"};
    addService(s, svc, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto local = service(portName("local"), "10.96.0.12", 80);
    local.external_ips = {"203.0.113.12"};
    local.node_port = 30082;
    local.external_policy_local = true;
    local.health_check_node_port = 32000;
    addService(s, local, {ready("10.244.1.15", 8080, true), ready("10.244.2.16", 8080)});
  } else if (name == "affinity") {
    auto svc = service(portName("web"), "10.96.0.10", 80);
    svc.session_affinity = true;
    svc.affinity_timeout_s = 300;
    svc.node_port = 30080;
    addService(s, svc,
               {ready("10.244.1.5", 8080), ready("10.244.2.6", 8080), ready("10.244.3.7", 8080)});
  } else if (name == "local_policy") {
    auto itp = service(portName("itp"), "10.96.0.20", 80);
    itp.internal_policy_local = true;
    addService(s, itp, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto none_local = service(portName("itp-none"), "10.96.0.21", 80);
    none_local.internal_policy_local = true;
    addService(s, none_local, {ready("10.244.2.6", 8080)});
    auto etp = service(portName("etp-none"), "10.96.0.22", 80);
    etp.external_policy_local = true;
    etp.node_port = 30090;
    etp.load_balancer_ips = {"198.51.100.22"};
    addService(s, etp, {ready("10.244.2.6", 8080)});
  } else if (name == "no_endpoints") {
    addService(s, service(portName("tcp"), "10.96.0.30", 80), {});
    addService(s, service(portName("udp", "", Protocol::kUdp), "10.96.0.31", 53), {});
    addService(s, service(portName("notready"), "10.96.0.32", 80),
               {terminating("10.244.2.6", 8080, false)});
  } else if (name == "terminating") {
    addService(s, service(portName("fallback"), "10.96.0.40", 80),
               {terminating("10.244.1.5", 8080, true), terminating("10.244.2.6", 8080, false)});
    addService(s, service(portName("mixed"), "10.96.0.41", 80),
               {terminating("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
  } else if (name == "lb_source_ranges") {
    auto svc = service(portName("lb"), "10.96.0.60", 443);
    svc.load_balancer_ips = {"198.51.100.60"};
    svc.load_balancer_source_ranges = {"172.16.0.0/16", "192.0.2.7"};
    svc.node_port = 30443;
    addService(s, svc, {ready("10.244.2.6", 8443)});
  } else if (name == "masquerade_all") {
    s.config.masquerade_all = true;
    addService(s, service(portName("web"), "10.96.0.10", 80), {ready("10.244.1.5", 8080)});
  }
  return s;
}

}  // namespace orch::proxy::testing
