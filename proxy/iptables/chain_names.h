#pragma once
// Names of orch-proxy's iptables chains: kube-proxy's layout with an ORCH- prefix.
// Per-Service and per-endpoint chains are named like kube-proxy's: the first 16
// characters of base32(sha256(...)) of the service port name, the lower-case protocol
// and (for endpoints) "ip:port", so a name is stable across restarts and fits
// iptables' 28-character limit.

#include <string>

#include "proxy/core/service_model.h"

namespace orch::proxy::iptables {

// Chains of our own in both tables (nat and filter have different ones).
inline constexpr const char* kServicesChain = "ORCH-SERVICES";
inline constexpr const char* kNodePortsChain = "ORCH-NODEPORTS";
inline constexpr const char* kExternalServicesChain = "ORCH-EXTERNAL-SERVICES";  // filter
inline constexpr const char* kForwardChain = "ORCH-FORWARD";                     // filter
inline constexpr const char* kProxyFirewallChain = "ORCH-PROXY-FIREWALL";        // filter
inline constexpr const char* kPostroutingChain = "ORCH-POSTROUTING";             // nat
inline constexpr const char* kMarkMasqChain = "ORCH-MARK-MASQ";                  // nat
// nat, only with several cluster CIDRs: marks for masquerade unless the source is in one.
inline constexpr const char* kMasqNonClusterChain = "ORCH-MASQ-NONCLUSTER";
// Every chain we create starts with this.
inline constexpr const char* kChainPrefix = "ORCH-";

// kube-proxy's masquerade mark.
inline constexpr const char* kMasqMark = "0x4000";

// "ORCH-SVC-<hash>": Cluster-policy chain of a service port (jumps to endpoints).
std::string serviceClusterChain(const ServicePortName& name);
// "ORCH-SVL-<hash>": Local-policy chain (local endpoints only).
std::string serviceLocalChain(const ServicePortName& name);
// "ORCH-EXT-<hash>": what NodePort, external IP and LB traffic enters.
std::string serviceExternalChain(const ServicePortName& name);
// "ORCH-FW-<hash>": loadBalancerSourceRanges filter in front of the EXT chain.
std::string serviceFirewallChain(const ServicePortName& name);
// "ORCH-SEP-<hash>": one endpoint of one service port ("ip:port" / "[ip]:port").
std::string endpointChain(const ServicePortName& name, const std::string& endpoint);

// "ip:port", or "[ip]:port" for IPv6.
std::string joinHostPort(const std::string& ip, uint16_t port);

// The 16-character base32 hash kube-proxy uses (exposed for tests).
std::string chainHash(const std::string& input);

}  // namespace orch::proxy::iptables
