#include "agent/config/kubelet_config_file.h"

#include <charconv>
#include <set>

#include "agent/config/value_parsers.h"
#include "common/api/component_config.h"
#include "common/api/json_io.h"
#include "common/base/config_file.h"

namespace orch::agent {
namespace {

using api::fieldError;
using api::FieldPath;

// A Status from a value parser, re-anchored at a YAML field.
Status at(const FieldPath& root, std::string_view key, const Status& st) {
  return fieldError(root.key(key), st.context());
}

Status readDuration(api::Reader& r, const FieldPath& root, std::string_view key,
                    std::optional<std::chrono::milliseconds>& out) {
  std::optional<std::string> text;
  ORCH_RETURN_IF_ERROR(r(key, text));
  if (!text) return Status::ok();
  auto d = parseGoDuration(*text);
  if (!d.ok()) return at(root, key, d.status());
  if (d->count() <= 0) return fieldError(root.key(key), "must be greater than zero");
  out = std::chrono::round<std::chrono::milliseconds>(*d);
  return Status::ok();
}

Status checkPort(const FieldPath& root, std::string_view key, const std::optional<int32_t>& v,
                 bool zero_ok) {
  if (v && (*v < (zero_ok ? 0 : 1) || *v > 65535)) {
    return fieldError(root.key(key), "must be between " + std::string(zero_ok ? "0" : "1") +
                                         " and 65535, got " + std::to_string(*v));
  }
  return Status::ok();
}

Status checkIp(const FieldPath& root, std::string_view key, std::optional<std::string>& v) {
  if (!v) return Status::ok();
  auto ip = parseIp(*v);
  if (!ip.ok()) return at(root, key, ip.status());
  *v = *ip;
  return Status::ok();
}

// evictionHard: signal → "<quantity>" or "<percent>%" (validated like the kubelet does).
Status checkEvictionHard(const FieldPath& root, const std::map<std::string, std::string>& m) {
  static const std::set<std::string> kSignals = {
      "memory.available",   "nodefs.available", "nodefs.inodesFree",     "imagefs.available",
      "imagefs.inodesFree", "pid.available",    "containerfs.available", "containerfs.inodesFree"};
  FieldPath eh = root.key("evictionHard");
  for (const auto& [signal, value] : m) {
    if (!kSignals.contains(signal)) return fieldError(eh.key(signal), "unknown eviction signal");
    if (value.ends_with("%")) {
      double pct = -1;
      const char* end = value.data() + value.size() - 1;
      auto [p, ec] = std::from_chars(value.data(), end, pct);
      if (ec != std::errc() || p != end || pct < 0 || pct > 100) {
        return fieldError(eh.key(signal), "invalid percentage \"" + value + "\"");
      }
    } else if (auto q = api::Quantity::parse(value); !q.ok()) {
      return fieldError(eh.key(signal), q.status().context());
    }
  }
  return Status::ok();
}

}  // namespace

Result<KubeletConfigFile> parseKubeletConfig(std::string_view text, const std::string& base_dir) {
  ORCH_ASSIGN_OR_RETURN(api::Json j, api::parseComponentConfig(text, "KubeletConfiguration",
                                                               {kKubeletConfigApiVersion}));
  const FieldPath root;
  api::Reader r(j, root);
  (void)r.take("apiVersion");  // both checked by parseComponentConfig
  (void)r.take("kind");

  KubeletConfigFile f;
  ORCH_RETURN_IF_ERROR(r("containerRuntimeEndpoint", f.containerRuntimeEndpoint));
  ORCH_RETURN_IF_ERROR(r("staticPodPath", f.staticPodPath));
  ORCH_RETURN_IF_ERROR(r("podLogsDir", f.podLogsDir));
  ORCH_RETURN_IF_ERROR(r("maxPods", f.maxPods));
  ORCH_RETURN_IF_ERROR(r("clusterDNS", f.clusterDNS));
  ORCH_RETURN_IF_ERROR(r("clusterDomain", f.clusterDomain));
  ORCH_RETURN_IF_ERROR(r("registerWithTaints", f.registerWithTaints));
  ORCH_RETURN_IF_ERROR(r("resolvConf", f.resolvConf));
  ORCH_RETURN_IF_ERROR(r("port", f.port));
  ORCH_RETURN_IF_ERROR(r("address", f.address));
  ORCH_RETURN_IF_ERROR(r("healthzPort", f.healthzPort));
  ORCH_RETURN_IF_ERROR(r("healthzBindAddress", f.healthzBindAddress));
  ORCH_RETURN_IF_ERROR(r("tlsCertFile", f.tlsCertFile));
  ORCH_RETURN_IF_ERROR(r("tlsPrivateKeyFile", f.tlsPrivateKeyFile));
  ORCH_RETURN_IF_ERROR(r("cgroupRoot", f.cgroupRoot));
  ORCH_RETURN_IF_ERROR(r("cgroupDriver", f.cgroupDriver));
  ORCH_RETURN_IF_ERROR(r("serializeImagePulls", f.serializeImagePulls));
  ORCH_RETURN_IF_ERROR(
      readDuration(r, root, "nodeStatusUpdateFrequency", f.nodeStatusUpdateFrequency));
  ORCH_RETURN_IF_ERROR(
      readDuration(r, root, "nodeStatusReportFrequency", f.nodeStatusReportFrequency));
  ORCH_RETURN_IF_ERROR(r("nodeLeaseDurationSeconds", f.nodeLeaseDurationSeconds));
  ORCH_RETURN_IF_ERROR(readDuration(r, root, "syncFrequency", f.syncFrequency));
  ORCH_RETURN_IF_ERROR(readDuration(r, root, "runtimeRequestTimeout", f.runtimeRequestTimeout));
  ORCH_RETURN_IF_ERROR(r("evictionHard", f.evictionHard));
  ORCH_RETURN_IF_ERROR(r("kubeReserved", f.kubeReserved));
  ORCH_RETURN_IF_ERROR(r("systemReserved", f.systemReserved));

  api::Json unknown = r.unknown();
  if (unknown.is_object()) {
    for (auto it = unknown.begin(); it != unknown.end(); ++it) f.ignoredFields.push_back(it.key());
  }

  // Values, checked where they were written.
  if (f.containerRuntimeEndpoint) {
    auto ep = parseRuntimeEndpoint(*f.containerRuntimeEndpoint);
    if (!ep.ok()) return at(root, "containerRuntimeEndpoint", ep.status());
    f.containerRuntimeEndpoint = *ep;
  }
  if (f.maxPods && *f.maxPods < 0) {
    return fieldError(root.key("maxPods"),
                      "must not be negative, got " + std::to_string(*f.maxPods));
  }
  if (f.clusterDNS) {
    for (size_t i = 0; i < f.clusterDNS->size(); ++i) {
      auto ip = parseIp((*f.clusterDNS)[i]);
      if (!ip.ok()) return fieldError(root.key("clusterDNS").index(i), ip.status().context());
      (*f.clusterDNS)[i] = *ip;
    }
  }
  if (f.registerWithTaints) {
    for (size_t i = 0; i < f.registerWithTaints->size(); ++i) {
      Status st = validateTaint((*f.registerWithTaints)[i]);
      if (!st.isOk()) return fieldError(root.key("registerWithTaints").index(i), st.context());
    }
  }
  ORCH_RETURN_IF_ERROR(checkPort(root, "port", f.port, false));
  ORCH_RETURN_IF_ERROR(checkPort(root, "healthzPort", f.healthzPort, true));
  ORCH_RETURN_IF_ERROR(checkIp(root, "address", f.address));
  ORCH_RETURN_IF_ERROR(checkIp(root, "healthzBindAddress", f.healthzBindAddress));
  if (f.cgroupDriver && *f.cgroupDriver != "cgroupfs" && *f.cgroupDriver != "systemd") {
    return fieldError(root.key("cgroupDriver"),
                      "expected cgroupfs or systemd, got \"" + *f.cgroupDriver + "\"");
  }
  if (f.nodeLeaseDurationSeconds && *f.nodeLeaseDurationSeconds <= 0) {
    return fieldError(root.key("nodeLeaseDurationSeconds"), "must be greater than zero");
  }
  if (f.evictionHard) ORCH_RETURN_IF_ERROR(checkEvictionHard(root, *f.evictionHard));

  for (auto* p :
       {&f.staticPodPath, &f.podLogsDir, &f.resolvConf, &f.tlsCertFile, &f.tlsPrivateKeyFile}) {
    resolveConfigPath(*p, base_dir);
  }
  return f;
}

Result<KubeletConfigFile> loadKubeletConfig(const std::string& path) {
  return loadConfigFile<KubeletConfigFile>(path, parseKubeletConfig);
}

}  // namespace orch::agent
