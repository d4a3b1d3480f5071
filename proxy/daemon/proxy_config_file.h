#pragma once
// The KubeProxyConfiguration file (--config), kubeproxy.config.k8s.io/v1alpha1 (v1alpha2's
// top-level syncPeriod / minSyncPeriod / masqueradeAll accepted too): the subset of fields
// orch-proxy uses, each optional (unset = not in the file). YAML or JSON, read with
// common/api's yamlToJson (yaml-cpp) and the api field readers.
//
// Known fields: bindAddress, healthzBindAddress, metricsBindAddress, hostnameOverride, mode,
// clusterCIDR, nodePortAddresses, clientConnection.kubeconfig, iptables / nftables / ipvs
// .{minSyncPeriod, syncPeriod} (+ iptables/nftables .masqueradeAll, ipvs.scheduler),
// conntrack.{maxPerCore, min, tcpEstablishedTimeout, tcpCloseWaitTimeout, tcpBeLiberal,
// udpTimeout, udpStreamTimeout}, and v1alpha2's syncPeriod, minSyncPeriod, masqueradeAll.
// Other fields of the upstream type are accepted and listed in `ignored_fields` ("oomScoreAdj",
// "ipvs.strictARP", ...), as kube-proxy's lenient decoding accepts fields it does not use.
//
// Errors: EINVAL naming the field ("iptables.minSyncPeriod: invalid duration \"1x\"",
// "mode: expected one of nftables, iptables, ipvs, got \"userspace\"").

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace orch::proxy {

inline constexpr const char* kKubeProxyConfigGroup = "kubeproxy.config.k8s.io";

struct SyncPeriods {
  std::optional<std::chrono::nanoseconds> min_sync_period, sync_period;
};

struct ConntrackFileSettings {
  std::optional<int32_t> max_per_core, min;
  std::optional<std::chrono::nanoseconds> tcp_established_timeout, tcp_close_wait_timeout,
      udp_timeout, udp_stream_timeout;
  std::optional<bool> tcp_be_liberal;
};

struct KubeProxyConfigFile {
  std::optional<std::string> bind_address, healthz_bind_address, metrics_bind_address;
  std::optional<std::string> hostname_override, mode, cluster_cidr, kubeconfig;
  std::optional<std::vector<std::string>> node_port_addresses;
  SyncPeriods iptables, nftables, ipvs, common;  // common: v1alpha2's top-level fields
  std::optional<bool> iptables_masquerade_all, nftables_masquerade_all, masquerade_all;
  std::optional<std::string> ipvs_scheduler;
  ConntrackFileSettings conntrack;
  std::vector<std::string> ignored_fields;
};

// Parses the text of a config file; `base_dir` resolves a relative clientConnection.kubeconfig.
Result<KubeProxyConfigFile> parseKubeProxyConfig(std::string_view text,
                                                 const std::string& base_dir);
// Reads and parses `path`; errors are prefixed with the path.
Result<KubeProxyConfigFile> loadKubeProxyConfig(const std::string& path);

}  // namespace orch::proxy
