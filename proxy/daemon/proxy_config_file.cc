#include "proxy/daemon/proxy_config_file.h"

#include "common/api/component_config.h"
#include "common/api/json_io.h"
#include "common/base/config_file.h"
#include "proxy/daemon/value_parsers.h"

namespace orch::proxy {
namespace {

using api::fieldError;
using api::FieldPath;

Status readDuration(api::Reader& r, std::string_view key,
                    std::optional<std::chrono::nanoseconds>& out) {
  std::optional<std::string> text;
  ORCH_RETURN_IF_ERROR(r(key, text));
  if (!text) return Status::ok();
  auto d = parseGoDuration(*text);
  if (!d.ok()) return fieldError(r.path().key(key), d.status().context());
  out = *d;
  return Status::ok();
}

void addIgnored(const api::Reader& r, const std::string& prefix, std::vector<std::string>& out) {
  api::Json unknown = r.unknown();
  if (!unknown.is_object()) return;
  for (auto it = unknown.begin(); it != unknown.end(); ++it) out.push_back(prefix + it.key());
}

// Runs `fn(reader)` on object field `key` when present; not an object is a type error.
template <class Fn>
Status section(api::Reader& parent, std::string_view key, Fn fn) {
  const api::Json* j = parent.take(key);
  if (j == nullptr || j->is_null()) return Status::ok();
  FieldPath p = parent.path().key(key);
  if (!j->is_object()) return api::typeError(p, "object", *j);
  api::Reader r(*j, p);
  return fn(r);
}

Status readPeriods(api::Reader& r, SyncPeriods& out) {
  ORCH_RETURN_IF_ERROR(readDuration(r, "minSyncPeriod", out.min_sync_period));
  return readDuration(r, "syncPeriod", out.sync_period);
}

}  // namespace

Result<KubeProxyConfigFile> parseKubeProxyConfig(std::string_view text,
                                                 const std::string& base_dir) {
  const std::string group = std::string(kKubeProxyConfigGroup) + "/";
  ORCH_ASSIGN_OR_RETURN(api::Json j,
                        api::parseComponentConfig(text, "KubeProxyConfiguration",
                                                  {group + "v1alpha1", group + "v1alpha2"}));
  const FieldPath root;
  api::Reader r(j, root);
  (void)r.take("apiVersion");  // both checked by parseComponentConfig
  (void)r.take("kind");

  KubeProxyConfigFile f;
  ORCH_RETURN_IF_ERROR(r("bindAddress", f.bind_address));
  ORCH_RETURN_IF_ERROR(r("healthzBindAddress", f.healthz_bind_address));
  ORCH_RETURN_IF_ERROR(r("metricsBindAddress", f.metrics_bind_address));
  ORCH_RETURN_IF_ERROR(r("hostnameOverride", f.hostname_override));
  ORCH_RETURN_IF_ERROR(r("mode", f.mode));
  ORCH_RETURN_IF_ERROR(r("clusterCIDR", f.cluster_cidr));
  ORCH_RETURN_IF_ERROR(r("nodePortAddresses", f.node_port_addresses));
  ORCH_RETURN_IF_ERROR(r("masqueradeAll", f.masquerade_all));
  ORCH_RETURN_IF_ERROR(readPeriods(r, f.common));
  ORCH_RETURN_IF_ERROR(section(r, "clientConnection", [&](api::Reader& s) {
    ORCH_RETURN_IF_ERROR(s("kubeconfig", f.kubeconfig));
    addIgnored(s, "clientConnection.", f.ignored_fields);
    return Status::ok();
  }));
  ORCH_RETURN_IF_ERROR(section(r, "iptables", [&](api::Reader& s) {
    ORCH_RETURN_IF_ERROR(readPeriods(s, f.iptables));
    ORCH_RETURN_IF_ERROR(s("masqueradeAll", f.iptables_masquerade_all));
    addIgnored(s, "iptables.", f.ignored_fields);
    return Status::ok();
  }));
  ORCH_RETURN_IF_ERROR(section(r, "nftables", [&](api::Reader& s) {
    ORCH_RETURN_IF_ERROR(readPeriods(s, f.nftables));
    ORCH_RETURN_IF_ERROR(s("masqueradeAll", f.nftables_masquerade_all));
    addIgnored(s, "nftables.", f.ignored_fields);
    return Status::ok();
  }));
  ORCH_RETURN_IF_ERROR(section(r, "ipvs", [&](api::Reader& s) {
    ORCH_RETURN_IF_ERROR(readPeriods(s, f.ipvs));
    ORCH_RETURN_IF_ERROR(s("scheduler", f.ipvs_scheduler));
    addIgnored(s, "ipvs.", f.ignored_fields);
    return Status::ok();
  }));
  ORCH_RETURN_IF_ERROR(section(r, "conntrack", [&](api::Reader& s) {
    auto& c = f.conntrack;
    ORCH_RETURN_IF_ERROR(s("maxPerCore", c.max_per_core));
    ORCH_RETURN_IF_ERROR(s("min", c.min));
    ORCH_RETURN_IF_ERROR(s("tcpBeLiberal", c.tcp_be_liberal));
    ORCH_RETURN_IF_ERROR(readDuration(s, "tcpEstablishedTimeout", c.tcp_established_timeout));
    ORCH_RETURN_IF_ERROR(readDuration(s, "tcpCloseWaitTimeout", c.tcp_close_wait_timeout));
    ORCH_RETURN_IF_ERROR(readDuration(s, "udpTimeout", c.udp_timeout));
    ORCH_RETURN_IF_ERROR(readDuration(s, "udpStreamTimeout", c.udp_stream_timeout));
    for (auto [key, v] : {std::pair{"maxPerCore", c.max_per_core}, std::pair{"min", c.min}}) {
      if (v && *v < 0)
        return fieldError(s.path().key(key), "must not be negative, got " + std::to_string(*v));
    }
    addIgnored(s, "conntrack.", f.ignored_fields);
    return Status::ok();
  }));
  addIgnored(r, "", f.ignored_fields);

  // Values, checked where they were written.
  if (f.mode && !f.mode->empty() && *f.mode != "nftables" && *f.mode != "iptables" &&
      *f.mode != "ipvs") {
    return fieldError(root.key("mode"),
                      "expected one of nftables, iptables, ipvs, got \"" + *f.mode + "\"");
  }
  if (f.bind_address && !f.bind_address->empty()) {
    auto ip = parseIp(*f.bind_address);
    if (!ip.ok()) return fieldError(root.key("bindAddress"), ip.status().context());
  }
  for (auto [key, v] : {std::pair{"healthzBindAddress", &f.healthz_bind_address},
                        std::pair{"metricsBindAddress", &f.metrics_bind_address}}) {
    if (!*v) continue;
    auto b = parseBindAddress(**v, 0);
    if (!b.ok()) return fieldError(root.key(key), b.status().context());
  }
  if (f.cluster_cidr) {
    auto c = parseClusterCidrs(*f.cluster_cidr);
    if (!c.ok()) return fieldError(root.key("clusterCIDR"), c.status().context());
  }
  if (f.node_port_addresses) {
    auto n = parseNodePortAddresses(*f.node_port_addresses);
    if (!n.ok()) return fieldError(root.key("nodePortAddresses"), n.status().context());
  }
  for (auto [key, p] : {std::pair{"iptables", &f.iptables}, std::pair{"nftables", &f.nftables},
                        std::pair{"ipvs", &f.ipvs}, std::pair{"", &f.common}}) {
    if (p->sync_period && p->sync_period->count() == 0) {
      FieldPath section_path = root.key(key);
      return fieldError(*key ? section_path.key("syncPeriod") : root.key("syncPeriod"),
                        "must be greater than zero");
    }
  }
  resolveConfigPath(f.kubeconfig, base_dir);
  return f;
}

Result<KubeProxyConfigFile> loadKubeProxyConfig(const std::string& path) {
  return loadConfigFile<KubeProxyConfigFile>(path, parseKubeProxyConfig);
}

}  // namespace orch::proxy
