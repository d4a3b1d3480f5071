#pragma once
// The desired state that every backend (nftables, iptables, IPVS) programs: the
// Services and endpoints of one IP family, already resolved from the API objects
// (named target ports looked up per EndpointSlice, IPs filtered to the family).
// Built by the change trackers (proxy/core), consumed read-only by the backends.
//
// Plain values, no API types: a backend's planner is a pure function of a
// ProxyState, which is what the golden-file tests feed it.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace orch::proxy {

enum class Protocol { kTcp, kUdp, kSctp };
enum class IpFamily { kIpv4, kIpv6 };

// "TCP" / "UDP" / "SCTP"; lower case for nft and iptables ("tcp").
const char* protocolName(Protocol p);
const char* protocolLowerName(Protocol p);
// IPPROTO_TCP / IPPROTO_UDP / IPPROTO_SCTP.
uint8_t protocolNumber(Protocol p);

// One port of one Service: what kube-proxy calls a ServicePortName.
struct ServicePortName {
  std::string ns, name;
  std::string port;  // the ServicePort's name ("" when the Service has one unnamed port)
  Protocol protocol = Protocol::kTcp;

  // "ns/name:port" (":port" omitted when the port has no name), as kube-proxy logs it.
  std::string str() const;
  auto operator<=>(const ServicePortName&) const = default;
};

struct ServicePortInfo {
  ServicePortName name;
  std::string cluster_ip;  // of this family; never empty (headless Services are left out)
  uint16_t port = 0;
  uint16_t node_port = 0;                      // 0: none
  std::vector<std::string> external_ips;       // of this family
  std::vector<std::string> load_balancer_ips;  // status.loadBalancer.ingress[].ip, this family
  std::vector<std::string> load_balancer_source_ranges;  // CIDRs, this family
  bool session_affinity = false;                         // sessionAffinity: ClientIP
  uint32_t affinity_timeout_s = 10800;
  bool external_policy_local = false;   // externalTrafficPolicy: Local (NodePort/LB/external IPs)
  bool internal_policy_local = false;   // internalTrafficPolicy: Local (cluster IP)
  uint16_t health_check_node_port = 0;  // set with external_policy_local on NodePort/LB

  bool operator==(const ServicePortInfo&) const = default;
};

struct EndpointInfo {
  std::string ip;     // of this family
  uint16_t port = 0;  // the resolved target port
  bool ready = false, serving = false, terminating = false;
  bool is_local = false;  // nodeName is this node
  std::string node_name;
  std::set<std::string> zone_hints;  // hints.forZones (not used for routing yet)

  auto operator<=>(const EndpointInfo&) const = default;
};

struct NodeInfo {
  std::string name;
  // Addresses NodePorts answer on: the node's addresses of this family, or those
  // matching --nodeport-addresses. Empty with nodeport_all_local: every local address.
  std::vector<std::string> node_port_ips;
  bool node_port_all_local = true;
  std::map<std::string, std::string> labels;  // topology labels
};

struct ProxyConfig {
  IpFamily family = IpFamily::kIpv4;
  std::vector<std::string> cluster_cidrs;  // of this family; empty: masquerade by mark only
  bool masquerade_all = false;
  std::string hostname;  // this node's name

  // Whether pods cannot be told from other sources (no cluster CIDR) and such traffic is not
  // masqueraded anyway: then any endpoint's own traffic may reach a Service here un-NATed,
  // and every endpoint needs the hairpin masquerade, remote ones too.
  bool anySourceMayHairpin() const { return cluster_cidrs.empty() && !masquerade_all; }
};

// Everything one sync programs for one family.
struct ProxyState {
  ProxyConfig config;
  NodeInfo node;
  std::map<ServicePortName, ServicePortInfo> services;
  // Every endpoint of every Service port, whatever its conditions; a port with no
  // slice has no entry. selectEndpoints() applies the policies.
  std::map<ServicePortName, std::vector<EndpointInfo>> endpoints;
};

// What changed since the previous sync, so a backend can send only that. A full
// resync (first sync, periodic resync, after an error) sets `full`.
struct ChangeSet {
  bool full = true;
  std::set<ServicePortName> services;  // added, changed or removed Service ports,
                                       // including those whose endpoints changed
};

// The endpoints a Service port's traffic goes to, as kube-proxy's CategorizeEndpoints:
// ready endpoints, else serving-and-terminating ones (the fallback); `local` is the
// same choice among endpoints on this node. cluster_policy / local_policy are what
// the cluster-IP and external paths use given the traffic policies.
struct SelectedEndpoints {
  std::vector<EndpointInfo> cluster;   // for internalTrafficPolicy Cluster
  std::vector<EndpointInfo> local;     // local ones (for the *Local policies)
  std::vector<EndpointInfo> internal;  // what ClusterIP traffic uses (cluster or local)
  std::vector<EndpointInfo> external;  // what NodePort/externalIP/LB traffic uses
  // Some usable (ready, or serving and terminating) endpoint exists anywhere in the
  // cluster. With none, traffic is rejected; with some but none selected (a Local
  // policy and no local endpoint), it is dropped.
  bool has_any_endpoints = false;
};
SelectedEndpoints selectEndpoints(const ServicePortInfo& svc,
                                  const std::vector<EndpointInfo>& endpoints);

}  // namespace orch::proxy
