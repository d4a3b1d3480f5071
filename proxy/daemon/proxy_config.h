#pragma once
// orch-proxy's command line (kube-proxy's flag names and defaults) and the resolved
// configuration the daemon runs with.
//
// addProxyFlags() declares the flags on a CLI11 app bound to a ProxyFlags; resolveProxyConfig()
// combines them with the --config file (KubeProxyConfiguration): a flag given on the command
// line wins over the file, the file over the flag defaults.
//
// Defaults that depend on the mode, as kube-proxy: nftables mode uses "primary" node port
// addresses when none are configured; min/sync periods come from the mode's section of the
// file (iptables, nftables or ipvs), the --iptables-* flags (iptables and nftables modes) or
// the --ipvs-* flags.
//
// Errors: EINVAL naming the flag or field ("--cluster-cidr: invalid CIDR \"10.0.0.0/33\"").

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "proxy/core/api_conversion.h"
#include "proxy/daemon/value_parsers.h"

namespace orch::proxy {

struct ProxyFlags {
  std::string kubeconfig;                                // --kubeconfig
  std::string proxy_mode = "nftables";                   // --proxy-mode
  std::string hostname_override;                         // --hostname-override
  std::string cluster_cidr;                              // --cluster-cidr a[,b]
  std::vector<std::string> nodeport_addresses;           // --nodeport-addresses (repeatable)
  bool masquerade_all = false;                           // --masquerade-all
  std::string bind_address = "0.0.0.0";                  // --bind-address
  std::string healthz_bind_address = "0.0.0.0:10256";    // --healthz-bind-address
  std::string metrics_bind_address = "127.0.0.1:10249";  // --metrics-bind-address
  std::string config;                                    // --config
  bool cleanup = false;                                  // --cleanup
  std::string ipvs_scheduler;                            // --ipvs-scheduler (default rr)
  std::string iptables_min_sync_period = "1s";           // --iptables-min-sync-period
  std::string iptables_sync_period = "30s";              // --iptables-sync-period
  std::string ipvs_min_sync_period = "1s";               // --ipvs-min-sync-period
  std::string ipvs_sync_period = "30s";                  // --ipvs-sync-period
  // Conntrack: applied only when given (flag or file).
  int32_t conntrack_max_per_core = 0;             // --conntrack-max-per-core
  int32_t conntrack_min = 0;                      // --conntrack-min
  std::string conntrack_tcp_timeout_established;  // --conntrack-tcp-timeout-established
  std::string conntrack_tcp_timeout_close_wait;   // --conntrack-tcp-timeout-close-wait
  std::string conntrack_udp_timeout;              // --conntrack-udp-timeout
  std::string conntrack_udp_timeout_stream;       // --conntrack-udp-timeout-stream
};

void addProxyFlags(CLI::App& app, ProxyFlags& flags);
// The long names (without "--") of the options of `app` given on the command line.
std::set<std::string> explicitProxyFlags(const CLI::App& app);

enum class ProxyMode { kNftables, kIptables, kIpvs };
const char* proxyModeName(ProxyMode m);

struct ConntrackSettings {
  std::optional<int32_t> max_per_core, min;
  std::optional<std::chrono::nanoseconds> tcp_established_timeout, tcp_close_wait_timeout,
      udp_timeout, udp_stream_timeout;
  std::optional<bool> tcp_be_liberal;
};

struct ProxyDaemonConfig {
  std::string kubeconfig;
  ProxyMode mode = ProxyMode::kNftables;
  std::string hostname;  // the Node's name: --hostname-override, else the host name
  std::string bind_address = "0.0.0.0";
  std::vector<std::string> cluster_cidrs;
  NodePortAddresses node_port_addresses;
  bool masquerade_all = false;
  std::optional<BindAddress> healthz, metrics;  // nullopt: disabled
  std::chrono::nanoseconds min_sync_period = std::chrono::seconds(1);
  std::chrono::nanoseconds sync_period = std::chrono::seconds(30);
  std::string ipvs_scheduler = "rr";
  ConntrackSettings conntrack;
  bool cleanup = false;
  std::vector<std::string> ignored_config_fields;  // from --config, for a warning
};

// `host_name` is what the host calls itself (gethostname()); used without --hostname-override.
Result<ProxyDaemonConfig> resolveProxyConfig(const ProxyFlags& flags,
                                             const std::set<std::string>& explicit_flags,
                                             const std::string& host_name);

// The host name as kube-proxy derives the node name: trimmed, lower case.
std::string canonicalHostname(std::string_view name);

}  // namespace orch::proxy
