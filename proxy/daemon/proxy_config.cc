#include "proxy/daemon/proxy_config.h"

#include <algorithm>
#include <cctype>
#include <tuple>

#include "proxy/daemon/proxy_config_file.h"

namespace orch::proxy {
namespace {

CLI::Option* last(CLI::Option* o) {
  return o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

Status flagError(std::string_view flag, const Status& st) {
  return Status::invalid("--" + std::string(flag) + ": " + st.context());
}

const std::set<std::string> kSchedulers = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                           "sh", "sed", "nq", "fo",  "ovf",  "mh",    "twos"};

}  // namespace

void addProxyFlags(CLI::App& app, ProxyFlags& f) {
  last(app.add_option("--kubeconfig", f.kubeconfig, "kubeconfig file for the API server"));
  last(app.add_option("--proxy-mode", f.proxy_mode, "nftables, iptables or ipvs")
           ->capture_default_str());
  last(app.add_option("--hostname-override", f.hostname_override,
                      "name of this Node instead of the host name"));
  last(app.add_option("--cluster-cidr", f.cluster_cidr,
                      "pod CIDR(s) of the cluster, one per family (comma list); traffic from "
                      "outside is masqueraded"));
  app.add_option("--nodeport-addresses", f.nodeport_addresses,
                 "CIDRs (comma list, repeatable) of the addresses NodePorts answer on, or "
                 "\"primary\" for the Node's primary IPs; unset: every local address")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  last(app.add_flag("--masquerade-all", f.masquerade_all,
                    "masquerade all traffic sent to Service IPs"));
  last(app.add_option("--bind-address", f.bind_address, "the proxy's own IP address")
           ->capture_default_str());
  last(app.add_option("--healthz-bind-address", f.healthz_bind_address,
                      "ip:port of the health check server (empty disables)")
           ->capture_default_str());
  last(app.add_option("--metrics-bind-address", f.metrics_bind_address,
                      "ip:port of the metrics server (empty disables)")
           ->capture_default_str());
  last(app.add_option("--config", f.config,
                      "KubeProxyConfiguration file; flags given on the command line override it"));
  last(app.add_flag("--cleanup", f.cleanup,
                    "remove everything any proxy mode of ours installed, then exit"));
  last(app.add_option("--ipvs-scheduler", f.ipvs_scheduler, "IPVS scheduler (default rr)"));
  last(app.add_option("--iptables-min-sync-period", f.iptables_min_sync_period,
                      "least time between syncs (iptables and nftables modes)")
           ->capture_default_str());
  last(app.add_option("--iptables-sync-period", f.iptables_sync_period,
                      "full resync period (iptables and nftables modes)")
           ->capture_default_str());
  last(app.add_option("--ipvs-min-sync-period", f.ipvs_min_sync_period,
                      "least time between syncs (ipvs mode)")
           ->capture_default_str());
  last(app.add_option("--ipvs-sync-period", f.ipvs_sync_period, "full resync period (ipvs mode)")
           ->capture_default_str());
  last(app.add_option("--conntrack-max-per-core", f.conntrack_max_per_core,
                      "conntrack entries per CPU (applied only when given)"));
  last(app.add_option("--conntrack-min", f.conntrack_min,
                      "least conntrack table size (applied only when given)"));
  last(app.add_option("--conntrack-tcp-timeout-established", f.conntrack_tcp_timeout_established,
                      "idle timeout of established TCP connections"));
  last(app.add_option("--conntrack-tcp-timeout-close-wait", f.conntrack_tcp_timeout_close_wait,
                      "timeout of TCP connections in CLOSE_WAIT"));
  last(app.add_option("--conntrack-udp-timeout", f.conntrack_udp_timeout,
                      "idle timeout of unreplied UDP flows"));
  last(app.add_option("--conntrack-udp-timeout-stream", f.conntrack_udp_timeout_stream,
                      "idle timeout of UDP streams"));
}

std::set<std::string> explicitProxyFlags(const CLI::App& app) {
  std::set<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->count() == 0) continue;
    for (const auto& name : o->get_lnames()) out.insert(name);
  }
  return out;
}

const char* proxyModeName(ProxyMode m) {
  switch (m) {
    case ProxyMode::kNftables:
      return "nftables";
    case ProxyMode::kIptables:
      return "iptables";
    case ProxyMode::kIpvs:
      return "ipvs";
  }
  return "nftables";
}

std::string canonicalHostname(std::string_view name) {
  std::string out;
  for (char c : name)
    if (!std::isspace(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<ProxyDaemonConfig> resolveProxyConfig(const ProxyFlags& flags,
                                             const std::set<std::string>& given,
                                             const std::string& host_name) {
  KubeProxyConfigFile file;
  if (!flags.config.empty()) {
    auto loaded = loadKubeProxyConfig(flags.config);
    if (!loaded.ok()) return loaded.status().withContext("--config");
    file = std::move(*loaded);
  }
  auto has = [&](const char* flag) { return given.count(flag) != 0; };
  // The flag when given, else the file's value when set, else the flag's default.
  auto pick = [&](const char* flag, const std::string& flag_value,
                  const std::optional<std::string>& file_value) {
    if (!has(flag) && file_value) return *file_value;
    return flag_value;
  };

  ProxyDaemonConfig c;
  c.kubeconfig = pick("kubeconfig", flags.kubeconfig, file.kubeconfig);
  std::string mode = pick("proxy-mode", flags.proxy_mode, file.mode);
  if (mode.empty() || mode == "nftables") {
    c.mode = ProxyMode::kNftables;
  } else if (mode == "iptables") {
    c.mode = ProxyMode::kIptables;
  } else if (mode == "ipvs") {
    c.mode = ProxyMode::kIpvs;
  } else {
    return Status::invalid("--proxy-mode: expected one of nftables, iptables, ipvs, got \"" + mode +
                           "\"");
  }

  std::string hostname = pick("hostname-override", flags.hostname_override, file.hostname_override);
  c.hostname = canonicalHostname(hostname.empty() ? host_name : hostname);
  if (c.hostname.empty())
    return Status::invalid("--hostname-override: no node name (empty host name)");

  std::string bind = pick("bind-address", flags.bind_address, file.bind_address);
  if (!bind.empty()) {
    auto ip = parseIp(bind);
    if (!ip.ok()) return flagError("bind-address", ip.status());
    c.bind_address = *ip;
  }

  auto cidrs = parseClusterCidrs(pick("cluster-cidr", flags.cluster_cidr, file.cluster_cidr));
  if (!cidrs.ok()) return flagError("cluster-cidr", cidrs.status());
  c.cluster_cidrs = *cidrs;

  std::vector<std::string> npa = flags.nodeport_addresses;
  if (!has("nodeport-addresses") && file.node_port_addresses) npa = *file.node_port_addresses;
  auto parsed_npa = parseNodePortAddresses(npa);
  if (!parsed_npa.ok()) return flagError("nodeport-addresses", parsed_npa.status());
  if (parsed_npa->size() == 1 && parsed_npa->front() == "primary") {
    c.node_port_addresses.primary = true;
  } else if (parsed_npa->empty() && c.mode == ProxyMode::kNftables) {
    c.node_port_addresses.primary = true;  // kube-proxy's nftables default
  } else {
    c.node_port_addresses.cidrs = *parsed_npa;
  }

  c.masquerade_all = flags.masquerade_all;
  if (!has("masquerade-all")) {
    std::optional<bool> from_file = file.masquerade_all;
    if (c.mode == ProxyMode::kIptables && file.iptables_masquerade_all)
      from_file = file.iptables_masquerade_all;
    if (c.mode == ProxyMode::kNftables && file.nftables_masquerade_all)
      from_file = file.nftables_masquerade_all;
    if (c.mode == ProxyMode::kIpvs && file.iptables_masquerade_all)
      from_file = file.iptables_masquerade_all;  // kube-proxy's ipvs mode reads iptables'
    if (from_file) c.masquerade_all = *from_file;
  }

  for (auto [flag, port, flag_value, file_value, out] :
       {std::tuple{"healthz-bind-address", 10256, &flags.healthz_bind_address,
                   &file.healthz_bind_address, &c.healthz},
        std::tuple{"metrics-bind-address", 10249, &flags.metrics_bind_address,
                   &file.metrics_bind_address, &c.metrics}}) {
    auto b = parseBindAddress(pick(flag, *flag_value, *file_value), port);
    if (!b.ok()) return flagError(flag, b.status());
    *out = *b;
  }

  // Sync periods: the mode's flags, else the mode's file section, else v1alpha2's common ones.
  const bool ipvs = c.mode == ProxyMode::kIpvs;
  const char* min_flag = ipvs ? "ipvs-min-sync-period" : "iptables-min-sync-period";
  const char* period_flag = ipvs ? "ipvs-sync-period" : "iptables-sync-period";
  const SyncPeriods& section = c.mode == ProxyMode::kIpvs       ? file.ipvs
                               : c.mode == ProxyMode::kIptables ? file.iptables
                                                                : file.nftables;
  for (auto [flag, flag_value, file_value, common_value, out] :
       {std::tuple{min_flag, ipvs ? &flags.ipvs_min_sync_period : &flags.iptables_min_sync_period,
                   &section.min_sync_period, &file.common.min_sync_period, &c.min_sync_period},
        std::tuple{period_flag, ipvs ? &flags.ipvs_sync_period : &flags.iptables_sync_period,
                   &section.sync_period, &file.common.sync_period, &c.sync_period}}) {
    if (!has(flag) && *file_value) {
      *out = **file_value;
    } else if (!has(flag) && *common_value) {
      *out = **common_value;
    } else {
      auto d = parseGoDuration(*flag_value);
      if (!d.ok()) return flagError(flag, d.status());
      *out = *d;
    }
  }
  if (c.sync_period.count() <= 0)
    return Status::invalid(std::string("--") + period_flag + ": must be greater than zero");

  std::string scheduler = pick("ipvs-scheduler", flags.ipvs_scheduler, file.ipvs_scheduler);
  if (!scheduler.empty()) {
    if (!kSchedulers.count(scheduler))
      return Status::invalid("--ipvs-scheduler: unknown scheduler \"" + scheduler + "\"");
    c.ipvs_scheduler = scheduler;
  }

  // Conntrack: each setting only when given.
  c.conntrack.max_per_core = file.conntrack.max_per_core;
  c.conntrack.min = file.conntrack.min;
  c.conntrack.tcp_be_liberal = file.conntrack.tcp_be_liberal;
  c.conntrack.tcp_established_timeout = file.conntrack.tcp_established_timeout;
  c.conntrack.tcp_close_wait_timeout = file.conntrack.tcp_close_wait_timeout;
  c.conntrack.udp_timeout = file.conntrack.udp_timeout;
  c.conntrack.udp_stream_timeout = file.conntrack.udp_stream_timeout;
  for (auto [flag, value, out] :
       {std::tuple{"conntrack-max-per-core", flags.conntrack_max_per_core,
                   &c.conntrack.max_per_core},
        std::tuple{"conntrack-min", flags.conntrack_min, &c.conntrack.min}}) {
    if (!has(flag)) continue;
    if (value < 0) return Status::invalid(std::string("--") + flag + ": must not be negative");
    *out = value;
  }
  for (auto [flag, value, out] :
       {std::tuple{"conntrack-tcp-timeout-established", &flags.conntrack_tcp_timeout_established,
                   &c.conntrack.tcp_established_timeout},
        std::tuple{"conntrack-tcp-timeout-close-wait", &flags.conntrack_tcp_timeout_close_wait,
                   &c.conntrack.tcp_close_wait_timeout},
        std::tuple{"conntrack-udp-timeout", &flags.conntrack_udp_timeout, &c.conntrack.udp_timeout},
        std::tuple{"conntrack-udp-timeout-stream", &flags.conntrack_udp_timeout_stream,
                   &c.conntrack.udp_stream_timeout}}) {
    if (!has(flag)) continue;
    auto d = parseGoDuration(*value);
    if (!d.ok()) return flagError(flag, d.status());
    *out = *d;
  }

  c.cleanup = flags.cleanup;
  c.ignored_config_fields = file.ignored_fields;
  return c;
}

}  // namespace orch::proxy
