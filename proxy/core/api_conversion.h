#pragma once
// Pure functions from Kubernetes API objects to the service model (service_model.h), one IP
// family at a time, following kube-proxy (pkg/proxy/service.go, endpointslicecache.go):
//
//  - A Service contributes nothing when it is ExternalName or headless (clusterIP "" or
//    "None"), or when it has no cluster IP of the family (clusterIPs, else clusterIP).
//  - External IPs, load-balancer ingress IPs and source ranges are filtered to the family;
//    an ingress with ipMode "Proxy" is not a local VIP and is left out.
//  - Endpoints come from EndpointSlices (label kubernetes.io/service-name, addressType
//    IPv4/IPv6 of the family). A slice port joins a Service port by ServicePortName: same
//    port name and protocol. Its number is the resolved target port, so a named targetPort
//    resolves per slice. Ports without a name field or with no/zero port are ignored, as
//    kube-proxy does; a missing protocol is TCP (the API's default).
//  - Conditions as discovery/v1 documents and kube-proxy reads them: ready nil = true,
//    serving nil = true, terminating nil = false.
//  - The same ip:port in several slices counts once; a local copy wins.
//
// No function here fails: objects the API server would reject are skipped piece by piece
// (a bad IP, an unknown protocol), as kube-proxy skips them.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/discovery.h"
#include "common/api/node.h"
#include "common/api/service.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

// The label naming an EndpointSlice's Service.
inline constexpr const char* kServiceNameLabel = "kubernetes.io/service-name";

// A Service's namespace and name (kube-proxy's NamespacedName).
struct ServiceKey {
  std::string ns, name;
  std::string str() const { return ns + "/" + name; }
  auto operator<=>(const ServiceKey&) const = default;
};

// The family of an IP address literal; nullopt when it is not one.
std::optional<IpFamily> ipFamilyOf(std::string_view ip);
// The family of a CIDR ("10.0.0.0/8"); nullopt when it is not one.
std::optional<IpFamily> cidrFamilyOf(std::string_view cidr);
// "IPv4" / "IPv6" (the API's spelling).
const char* ipFamilyName(IpFamily f);

// "TCP" / "UDP" / "SCTP"; "" is TCP (the API default); anything else nullopt.
std::optional<Protocol> parseProtocol(std::string_view text);

// The Service's ports for `family`, keyed by ServicePortName; empty when the Service is not
// proxied in that family.
std::map<ServicePortName, ServicePortInfo> servicePortsFor(const api::Service& svc,
                                                           IpFamily family);

// The Service an EndpointSlice belongs to; nullopt when the slice has no service-name label
// or its addressType is not IPv4/IPv6 (FQDN slices are not proxied).
std::optional<ServiceKey> sliceServiceKey(const api::EndpointSlice& slice);

// The endpoints of every port of one Service, merged over its slices (only those of
// `family`). `hostname` is this node's name (is_local = nodeName == hostname). Each list is
// sorted by (ip, port).
std::map<ServicePortName, std::vector<EndpointInfo>> endpointsFromSlices(
    const std::vector<const api::EndpointSlice*>& slices, IpFamily family,
    const std::string& hostname);

// How NodePorts choose their addresses (--nodeport-addresses).
struct NodePortAddresses {
  bool primary = false;            // "primary": the Node's primary IP of the family
  std::vector<std::string> cidrs;  // else CIDRs; empty = every local address
};

// The NodeInfo of one family. `node` may be null (not seen yet). `local_ips` are the
// addresses on this host's interfaces (any family), used to match CIDRs. A CIDR that
// matches everything (0.0.0.0/0, ::/0), or no CIDR of the family at all while no other
// selection applies, means every local address (node_port_all_local).
NodeInfo nodeInfoFor(const api::Node* node, const std::string& hostname, IpFamily family,
                     const NodePortAddresses& addrs, const std::vector<std::string>& local_ips);

// The Node's primary IP of `family`, as kube-proxy's GetNodeHostIPs: the first InternalIP
// of the family, else the first ExternalIP. Empty when none.
std::string nodePrimaryIp(const api::Node& node, IpFamily family);

// Whether the Node is going away (deletionTimestamp set, or the cluster autoscaler's
// ToBeDeletedByClusterAutoscaler taint): /healthz then reports it (kube-proxy's
// nodeEligible).
bool nodeTerminating(const api::Node& node);

}  // namespace orch::proxy
