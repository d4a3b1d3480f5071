#pragma once
// The IPVS backend's plan: a pure function of a ProxyState (and the node's NodePort
// addresses) giving the virtual servers with their real servers, the addresses to
// bind on the VIP link, and the nftables table beside IPVS. No kernel access.
//
// Virtual servers, one per (address, protocol, port):
//   cluster IP : port                    real servers = selectEndpoints().internal
//   each external IP / LB IP : port      real servers = selectEndpoints().external
//   each NodePort address : node port    real servers = selectEndpoints().external
// all with the configured scheduler; ClientIP affinity makes them persistent
// (IP_VS_SVC_F_PERSISTENT, timeout = affinity timeout). Every selected endpoint has
// weight 1 (a serving-terminating fallback is only selected when no ready endpoint is
// left, and then it must receive traffic). When two Service ports claim the same
// (address, protocol, port) the first one in ServicePortName order wins.
//
// nftables table `<table>` (family ip or ip6), everything ours inside:
//   sets   cluster-ips, external-ips (addr . proto . port), node-ports (proto . port),
//          hairpin (endpoint addr . proto . port . endpoint addr),
//          no-endpoints (addr . proto . port), no-endpoint-nodeports (proto . port)
//   nat prerouting/output (dstnat): mark for masquerade (mark | masq_mark) traffic to
//          cluster IPs from outside the cluster CIDRs (all of it with masquerade_all),
//          to external/LB IPs and to local NodePorts (not for externalTrafficPolicy Local)
//   nat postrouting (srcnat): masquerade marked packets (clearing the mark) and hairpin
//          packets (a pod reaching itself through a Service; IPVS has already DNATed)
//   filter input (priority 0, before IPVS's LOCAL_IN hook) and output (priority -150,
//          before IPVS's LOCAL_OUT hook): reject traffic to Service ports that have no
//          usable endpoint at all (TCP reset, else ICMP port unreachable).
// IPVS must run with net.ipv4.vs.conntrack=1 for the nat chains to see its packets.

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/base/status.h"
#include "common/netfilter/nft_objects.h"
#include "proxy/core/service_model.h"
#include "proxy/ipvs/ipvs_ops.h"

namespace orch::proxy {

struct IpvsPlanOptions {
  std::string scheduler = "rr";
  std::string table = "orch-proxy-ipvs";
  uint32_t masquerade_mark = 0x4000;
};

struct PlannedService {
  VirtualServer server;
  std::vector<RealServer> destinations;  // sorted by (address, port)
  ServicePortName owner;
};

using VsKey = std::tuple<IpFamily, std::string, Protocol, uint16_t>;
using AddrProtoPort = std::tuple<std::string, Protocol, uint16_t>;

struct IpvsPlan {
  std::map<VsKey, PlannedService> services;
  std::set<std::string> bound_addresses;  // cluster, external and LB IPs for the VIP link

  // Contents of the nft sets.
  std::set<AddrProtoPort> cluster_ips;
  std::set<AddrProtoPort> external_ips;                           // Cluster external policy only
  std::set<std::pair<Protocol, uint16_t>> node_ports;             // Cluster external policy only
  std::set<std::tuple<std::string, Protocol, uint16_t>> hairpin;  // endpoints
  std::set<AddrProtoPort> no_endpoints;
  std::set<std::pair<Protocol, uint16_t>> no_endpoint_node_ports;
};

// `node_port_ips`: where NodePorts answer (NodeInfo::node_port_ips, or every local
// address when node_port_all_local; the caller resolves that). Addresses of the other
// family and unparsable ones are ignored.
IpvsPlan planIpvs(const ProxyState& state, const IpvsPlanOptions& opts,
                  const std::vector<std::string>& node_port_ips);

// The nft transaction that replaces the table with the plan's (add, delete, re-create:
// atomic, and valid whether or not the table exists). EINVAL for a bad cluster CIDR.
Result<netfilter::Transaction> planNftTable(const IpvsPlan& plan, const ProxyConfig& config,
                                            const IpvsPlanOptions& opts);

// The transaction deleting the table (the caller checks that it exists).
netfilter::Transaction deleteNftTable(IpFamily family, const std::string& table);

}  // namespace orch::proxy
