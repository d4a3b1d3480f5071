#include "tests/unit/proxy_nftables/test_states.h"

namespace orch::proxy::testing {

ProxyState nodeState(IpFamily f) {
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

std::vector<std::string> scenarioNames() {
  return {"clusterip",   "multiport",      "nodeport",         "nodeport_all_local",
          "external_lb", "affinity",       "local_policy",     "no_endpoints",
          "terminating", "masquerade_all", "lb_source_ranges", "ipv6"};
}

ProxyState scenario(const std::string& name) {
  if (name == "ipv6") {
    ProxyState s = nodeState(IpFamily::kIpv6);
    auto svc = clusterIp(portName("web"), "fd00:96::10", 80);
    svc.node_port = 30080;
    svc.session_affinity = true;
    svc.affinity_timeout_s = 600;
    add(s, svc, {ready("fd00:244:1::5", 8080, true), ready("fd00:244:2::6", 8080)});
    add(s, clusterIp(portName("empty"), "fd00:96::11", 80), {});
    return s;
  }
  ProxyState s = nodeState();
  if (name == "clusterip") {
    add(s, clusterIp(portName("web"), "10.96.0.10", 80),
        {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080), ready("10.244.3.7", 8080)});
    add(s, clusterIp(portName("dns", "dns", Protocol::kUdp), "10.96.0.53", 53),
        {ready("10.244.2.8", 5353)});
    add(s, clusterIp(portName("sig", "", Protocol::kSctp), "10.96.0.70", 7000),
        {ready("10.244.3.9", 7001)});
  } else if (name == "multiport") {
    add(s, clusterIp(portName("web", "http"), "10.96.0.10", 80),
        {ready("10.244.1.5", 8080), ready("10.244.2.6", 8080)});
    add(s, clusterIp(portName("web", "https"), "10.96.0.10", 443),
        {ready("10.244.1.5", 8443), ready("10.244.2.6", 8443)});
  } else if (name == "nodeport" || name == "nodeport_all_local") {
    if (name == "nodeport_all_local") {
      s.node.node_port_all_local = true;
      s.node.node_port_ips.clear();
    }
    auto svc = clusterIp(portName("web"), "10.96.0.10", 80);
    svc.node_port = 30080;
    add(s, svc, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto empty = clusterIp(portName("empty"), "10.96.0.11", 80);
    empty.node_port = 30081;
    add(s, empty, {});
  } else if (name == "external_lb") {
    auto svc = clusterIp(portName("web"), "10.96.0.10", 80);
    svc.external_ips = {"203.0.113.10"};
    svc.load_balancer_ips = {"198.51.100.20"};
    add(s, svc, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto local = clusterIp(portName("local"), "10.96.0.12", 80);
    local.external_ips = {"203.0.113.12"};
    local.node_port = 30082;
    local.external_policy_local = true;
    local.health_check_node_port = 32000;
    add(s, local, {ready("10.244.1.15", 8080, true), ready("10.244.2.16", 8080)});
  } else if (name == "affinity") {
    auto svc = clusterIp(portName("web"), "10.96.0.10", 80);
    svc.session_affinity = true;
    svc.affinity_timeout_s = 300;
    svc.node_port = 30080;
    add(s, svc, {ready("10.244.1.5", 8080), ready("10.244.2.6", 8080), ready("10.244.3.7", 8080)});
  } else if (name == "local_policy") {
    auto itp = clusterIp(portName("itp"), "10.96.0.20", 80);
    itp.internal_policy_local = true;
    add(s, itp, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
    auto none_local = clusterIp(portName("itp-none"), "10.96.0.21", 80);
    none_local.internal_policy_local = true;
    add(s, none_local, {ready("10.244.2.6", 8080)});
    auto etp = clusterIp(portName("etp-none"), "10.96.0.22", 80);
    etp.external_policy_local = true;
    etp.node_port = 30090;
    etp.load_balancer_ips = {"198.51.100.22"};
    add(s, etp, {ready("10.244.2.6", 8080)});
  } else if (name == "no_endpoints") {
    add(s, clusterIp(portName("tcp"), "10.96.0.30", 80), {});
    add(s, clusterIp(portName("udp", "", Protocol::kUdp), "10.96.0.31", 53), {});
    add(s, clusterIp(portName("notready"), "10.96.0.32", 80),
        {terminating("10.244.2.6", 8080, false)});
  } else if (name == "terminating") {
    add(s, clusterIp(portName("fallback"), "10.96.0.40", 80),
        {terminating("10.244.1.5", 8080, true), terminating("10.244.2.6", 8080, false)});
    add(s, clusterIp(portName("mixed"), "10.96.0.41", 80),
        {terminating("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
  } else if (name == "lb_source_ranges") {
    auto svc = clusterIp(portName("lb"), "10.96.0.60", 443);
    svc.load_balancer_ips = {"198.51.100.60"};
    svc.load_balancer_source_ranges = {"172.16.0.0/16", "192.0.2.7"};
    svc.node_port = 30443;
    add(s, svc, {ready("10.244.2.6", 8443)});
  } else if (name == "masquerade_all") {
    s.config.masquerade_all = true;
    add(s, clusterIp(portName("web"), "10.96.0.10", 80), {ready("10.244.1.5", 8080)});
  }
  return s;
}

}  // namespace orch::proxy::testing
