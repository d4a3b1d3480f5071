#pragma once
// ProxyStates for the nftables planner tests (golden files and the packet tracer); the
// Service and endpoint builders are tests/support/proxy_state_builder.h's.

#include <string>
#include <vector>

#include "proxy/core/service_model.h"
#include "tests/support/proxy_state_builder.h"

namespace orch::proxy::testing {

// Node 192.168.1.2 (v6: fd00:1::2), cluster CIDR 10.244.0.0/16 (fd00:244::/48).
ProxyState nodeState(IpFamily f = IpFamily::kIpv4);

ServicePortName portName(const std::string& name, const std::string& port = "",
                         Protocol p = Protocol::kTcp);

// The named scenarios of the golden files.
std::vector<std::string> scenarioNames();
ProxyState scenario(const std::string& name);

}  // namespace orch::proxy::testing
