#pragma once
// Small builders of proxy::ProxyState for the proxy backends' tests (nftables, iptables, IPVS,
// conntrack). Each returns a plain value; nothing here touches the system.

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/core/service_model.h"

namespace orch::proxy::testing {

// A port of Service `ns`/`name`.
ServicePortName spn(const std::string& ns, const std::string& name, const std::string& port = "p80",
                    Protocol proto = Protocol::kTcp);

// A port of Service `name` in namespace "default" (UDP and unnamed unless told).
ServicePortName spn(const std::string& name, Protocol proto = Protocol::kUdp,
                    const std::string& port = "");

// A ClusterIP Service port with no node port, external IPs or affinity.
ServicePortInfo clusterIp(const ServicePortName& name, const std::string& ip, uint16_t port = 80);

// A ready (and serving) endpoint; local ones are on node "node-a", others on "node-b".
EndpointInfo ready(const std::string& ip, uint16_t port = 80, bool local = false);

// A terminating endpoint (not ready), serving unless told.
EndpointInfo terminating(const std::string& ip, uint16_t port = 80, bool serving = true,
                         bool local = false);

// An IPv4 state on node "node-a" with cluster CIDR 10.0.0.0/8 and no Services.
ProxyState baseState();

// Adds `svc` and, when `eps` is not empty, its endpoints.
void add(ProxyState& st, const ServicePortInfo& svc, std::vector<EndpointInfo> eps);

// Adds a ClusterIP Service port and its endpoint list (even an empty one: "a slice with no
// endpoints"); returns a reference to tweak the Service further.
ServicePortInfo& addService(ProxyState& st, const ServicePortName& name,
                            const std::string& cluster_ip, uint16_t port,
                            std::vector<EndpointInfo> eps);

}  // namespace orch::proxy::testing
