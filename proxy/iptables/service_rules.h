#pragma once
// The iptables rules of one service port, kube-proxy's shape (pkg/proxy/iptables)
// with ORCH- names: entries in the shared chains (ORCH-SERVICES, ORCH-NODEPORTS in
// nat; ORCH-SERVICES, ORCH-EXTERNAL-SERVICES, ORCH-NODEPORTS, ORCH-PROXY-FIREWALL in
// filter) and the service's own nat chains (SVC, SVL, EXT, FW, a SEP per local endpoint, or
// per endpoint with session affinity; other endpoints are DNATed from SVC directly).
// Endpoints come from selectEndpoints(): `.internal` for the cluster IP, `.external`
// for node ports / external IPs / LB IPs; with none usable anywhere traffic is
// rejected, with usable ones elsewhere but none here (Local policy) dropped.
// Pure: the same inputs give the same text.

#include <cstdint>
#include <string>
#include <vector>

#include "proxy/core/service_model.h"

namespace orch::proxy::iptables {

struct ServiceRules {
  // The service's own nat chains, in declaration order, and their rules ("-A ...").
  std::vector<std::string> nat_chains;
  std::vector<std::string> nat_chain_rules;
  // Its rules in the shared chains ("-A ORCH-... ..."), duplicates removed.
  std::vector<std::string> nat_shared;
  std::vector<std::string> filter_shared;
};

// `comment` as an iptables argument: bare when it needs no quotes (as iptables-save
// prints it), quoted otherwise.
std::string commentArg(const std::string& comment);

// kube-proxy's large-cluster mode: with this many endpoints in the state (or more), the
// per-endpoint rules (in SEP chains and SVC/SVL -> SEP jumps) carry no comment, which
// makes the restore text and the kernel's tables markedly smaller.
inline constexpr size_t kLargeClusterEndpoints = 1000;

// `large_cluster`: leave out the per-endpoint comments (see above).
ServiceRules buildServiceRules(const ProxyConfig& config, const ServicePortInfo& svc,
                               const std::vector<EndpointInfo>& endpoints,
                               bool large_cluster = false);

}  // namespace orch::proxy::iptables
