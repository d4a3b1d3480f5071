#include "agent/config/agent_config.h"

#include <unistd.h>

#include <climits>
#include <tuple>

#include "agent/config/kubelet_config_file.h"
#include "agent/config/value_parsers.h"

namespace orch::agent {
namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

Status flagError(std::string_view flag, const Status& st) {
  return st.withContext("--" + std::string(flag));
}

Status flagError(std::string_view flag, const std::string& what) {
  return Status::invalid("--" + std::string(flag) + ": " + what);
}

template <class T>
void setIf(const std::optional<T>& v, T& out) {
  if (v) out = *v;
}

void applyFile(const KubeletConfigFile& f, AgentConfig& c) {
  setIf(f.containerRuntimeEndpoint, c.containerRuntimeEndpoint);
  setIf(f.staticPodPath, c.podManifestPath);
  setIf(f.podLogsDir, c.podLogsDir);
  setIf(f.maxPods, c.maxPods);
  setIf(f.clusterDNS, c.clusterDNS);
  setIf(f.clusterDomain, c.clusterDomain);
  setIf(f.registerWithTaints, c.registerWithTaints);
  setIf(f.resolvConf, c.resolvConf);
  setIf(f.port, c.port);
  setIf(f.address, c.address);
  setIf(f.healthzPort, c.healthzPort);
  setIf(f.healthzBindAddress, c.healthzBindAddress);
  setIf(f.tlsCertFile, c.tlsCertFile);
  setIf(f.tlsPrivateKeyFile, c.tlsPrivateKeyFile);
  setIf(f.cgroupRoot, c.cgroupRoot);
  setIf(f.cgroupDriver, c.cgroupDriver);
  setIf(f.serializeImagePulls, c.serializeImagePulls);
  setIf(f.nodeStatusUpdateFrequency, c.nodeStatusUpdateFrequency);
  setIf(f.nodeStatusReportFrequency, c.nodeStatusReportFrequency);
  setIf(f.nodeLeaseDurationSeconds, c.nodeLeaseDurationSeconds);
  setIf(f.syncFrequency, c.syncFrequency);
  setIf(f.runtimeRequestTimeout, c.runtimeRequestTimeout);
  setIf(f.evictionHard, c.evictionHard);
  setIf(f.kubeReserved, c.kubeReserved);
  setIf(f.systemReserved, c.systemReserved);
  c.ignoredConfigFields = f.ignoredFields;
}

Status checkPort(std::string_view flag, int32_t v, bool zero_ok) {
  if (v < (zero_ok ? 0 : 1) || v > 65535) {
    return flagError(flag, "must be between " + std::string(zero_ok ? "0" : "1") +
                               " and 65535, got " + std::to_string(v));
  }
  return Status::ok();
}

Result<std::chrono::milliseconds> positiveDuration(std::string_view flag, const std::string& text) {
  auto d = parseGoDuration(text);
  if (!d.ok()) return flagError(flag, d.status());
  if (d->count() <= 0) return flagError(flag, "must be greater than zero");
  return std::chrono::round<std::chrono::milliseconds>(*d);
}

// Flags that also are config file fields: applied only when given on the command line.
Status applyGivenFlags(const AgentFlags& f, const std::set<std::string>& given, AgentConfig& c) {
  auto has = [&](const char* name) { return given.contains(name); };
  if (has("container-runtime-endpoint")) {
    auto ep = parseRuntimeEndpoint(f.containerRuntimeEndpoint);
    if (!ep.ok()) return flagError("container-runtime-endpoint", ep.status());
    c.containerRuntimeEndpoint = *ep;
  }
  if (has("register-with-taints")) {
    auto taints = parseTaints(join(f.registerWithTaints));
    if (!taints.ok()) return flagError("register-with-taints", taints.status());
    c.registerWithTaints = *taints;
  }
  if (has("pod-manifest-path")) c.podManifestPath = f.podManifestPath;
  if (has("pod-logs-dir")) c.podLogsDir = f.podLogsDir;
  if (has("max-pods")) {
    if (f.maxPods < 0) return flagError("max-pods", "must not be negative");
    c.maxPods = f.maxPods;
  }
  if (has("cluster-dns")) {
    auto ips = parseIpList(join(f.clusterDNS));
    if (!ips.ok()) return flagError("cluster-dns", ips.status());
    c.clusterDNS = *ips;
  }
  if (has("cluster-domain")) c.clusterDomain = f.clusterDomain;
  if (has("resolv-conf")) c.resolvConf = f.resolvConf;
  if (has("port")) {
    ORCH_RETURN_IF_ERROR(checkPort("port", f.port, false));
    c.port = f.port;
  }
  if (has("healthz-port")) {
    ORCH_RETURN_IF_ERROR(checkPort("healthz-port", f.healthzPort, true));
    c.healthzPort = f.healthzPort;
  }
  for (auto [name, in, out] :
       {std::tuple{"address", &f.address, &c.address},
        std::tuple{"healthz-bind-address", &f.healthzBindAddress, &c.healthzBindAddress}}) {
    if (!has(name)) continue;
    auto ip = parseIp(*in);
    if (!ip.ok()) return flagError(name, ip.status());
    *out = *ip;
  }
  if (has("tls-cert-file")) c.tlsCertFile = f.tlsCertFile;
  if (has("tls-private-key-file")) c.tlsPrivateKeyFile = f.tlsPrivateKeyFile;
  if (has("cgroup-root")) c.cgroupRoot = f.cgroupRoot;
  if (has("cgroup-driver")) {
    if (f.cgroupDriver != "cgroupfs" && f.cgroupDriver != "systemd") {
      return flagError("cgroup-driver",
                       "expected cgroupfs or systemd, got \"" + f.cgroupDriver + "\"");
    }
    c.cgroupDriver = f.cgroupDriver;
  }
  if (has("node-status-update-frequency")) {
    ORCH_ASSIGN_OR_RETURN(
        c.nodeStatusUpdateFrequency,
        positiveDuration("node-status-update-frequency", f.nodeStatusUpdateFrequency));
  }
  if (has("runtime-request-timeout")) {
    ORCH_ASSIGN_OR_RETURN(c.runtimeRequestTimeout,
                          positiveDuration("runtime-request-timeout", f.runtimeRequestTimeout));
  }
  if (has("serialize-image-pulls")) c.serializeImagePulls = f.serializeImagePulls;
  return Status::ok();
}

std::string gethostnameOrEmpty() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

Result<AgentConfig> resolveAgentConfig(const AgentFlags& flags,
                                       const std::set<std::string>& explicit_flags,
                                       const std::string& os_hostname) {
  AgentConfig c;

  // Defaults < config file < flags given on the command line.
  bool report_frequency_in_file = false;
  bool update_frequency_in_file = false;
  if (!flags.config.empty()) {
    auto file = loadKubeletConfig(flags.config);
    if (!file.ok()) return file.status().withContext("--config");
    applyFile(*file, c);
    c.configFile = flags.config;
    report_frequency_in_file = file->nodeStatusReportFrequency.has_value();
    update_frequency_in_file = file->nodeStatusUpdateFrequency.has_value();
  }
  ORCH_RETURN_IF_ERROR(applyGivenFlags(flags, explicit_flags, c));
  // As the kubelet's defaulting: an explicitly chosen update frequency without a report
  // frequency makes every update a report.
  const bool update_frequency_set =
      explicit_flags.contains("node-status-update-frequency") || update_frequency_in_file;
  if (!report_frequency_in_file && update_frequency_set) {
    c.nodeStatusReportFrequency = c.nodeStatusUpdateFrequency;
  }

  // Flag-only settings.
  c.kubeconfig = flags.kubeconfig;
  c.hostnameOverride = flags.hostnameOverride;
  c.podInfraContainerImage = flags.podInfraContainerImage;
  if (flags.rootDir.empty()) return flagError("root-dir", "must not be empty");
  c.rootDir = flags.rootDir;
  auto ips = parseNodeIPs(flags.nodeIP);
  if (!ips.ok()) return flagError("node-ip", ips.status());
  c.nodeIPs = *ips;
  auto labels = parseNodeLabels(join(flags.nodeLabels));
  if (!labels.ok()) return flagError("node-labels", labels.status());
  c.nodeLabels = *labels;

  if (!flags.hostnameOverride.empty()) {
    auto name = canonicalNodeName(flags.hostnameOverride);
    if (!name.ok()) return flagError("hostname-override", name.status());
    c.nodeName = *name;
  } else {
    const std::string host = os_hostname.empty() ? gethostnameOrEmpty() : os_hostname;
    auto name = canonicalNodeName(host);
    if (!name.ok()) {
      return name.status().withContext("host name (use --hostname-override to choose a name)");
    }
    c.nodeName = *name;
  }
  c.hostname = c.nodeName;

  if (c.tlsCertFile.empty() != c.tlsPrivateKeyFile.empty()) {
    return Status::invalid(
        "--tls-cert-file and --tls-private-key-file (tlsCertFile, tlsPrivateKeyFile) must be "
        "given together");
  }
  if (c.podLogsDir.empty())
    return Status::invalid("--pod-logs-dir (podLogsDir): must not be empty");
  return c;
}

}  // namespace orch::agent
