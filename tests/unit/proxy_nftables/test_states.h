#pragma once
// ProxyStates for the nftables planner tests (golden files and the packet tracer).

#include <string>
#include <vector>

#include "proxy/core/service_model.h"

namespace orch::proxy::testing {

// Node 192.168.1.2 (v6: fd00:1::2), cluster CIDR 10.244.0.0/16 (fd00:244::/48).
ProxyState baseState(IpFamily f = IpFamily::kIpv4);

ServicePortName portName(const std::string& name, const std::string& port = "",
                         Protocol p = Protocol::kTcp);
ServicePortInfo service(const ServicePortName& n, const std::string& cluster_ip, uint16_t port);
EndpointInfo ready(const std::string& ip, uint16_t port, bool local = false);
EndpointInfo terminating(const std::string& ip, uint16_t port, bool serving, bool local = false);

void addService(ProxyState& s, const ServicePortInfo& svc, std::vector<EndpointInfo> eps);

// The named scenarios of the golden files.
std::vector<std::string> scenarioNames();
ProxyState scenario(const std::string& name);

}  // namespace orch::proxy::testing
