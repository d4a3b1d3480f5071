#pragma once
// The KubeletConfiguration file (--config), kubelet.config.k8s.io/v1beta1: the subset of
// fields orch-agent uses, each optional (unset = not in the file). The document is YAML (or
// JSON), read with common/api's yamlToJson and the api field readers.
//
// Known fields: containerRuntimeEndpoint, staticPodPath, podLogsDir, maxPods, clusterDNS,
// clusterDomain, registerWithTaints, resolvConf, port, address, healthzPort,
// healthzBindAddress, tlsCertFile, tlsPrivateKeyFile, cgroupRoot, cgroupDriver,
// serializeImagePulls, nodeStatusUpdateFrequency, nodeStatusReportFrequency,
// nodeLeaseDurationSeconds, syncFrequency, runtimeRequestTimeout, evictionHard (parsed and
// checked, not acted on), kubeReserved, systemReserved.
// Other fields of the upstream type (authentication, featureGates, ...) are accepted and
// listed in `ignoredFields`, as the kubelet's lenient decoding accepts fields it can't use.
// Relative paths (staticPodPath, podLogsDir, resolvConf, tlsCertFile, tlsPrivateKeyFile) are
// resolved against the file's directory, as the kubelet does.
//
// Errors: EINVAL naming the YAML field ("maxPods: expected integer, got string",
// "registerWithTaints[1].effect: ...", "kind: expected KubeletConfiguration, got Pod").

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/quantity.h"
#include "common/api/scheduling.h"
#include "common/base/status.h"

namespace orch::agent {

inline constexpr const char* kKubeletConfigApiVersion = "kubelet.config.k8s.io/v1beta1";

struct KubeletConfigFile {
  std::optional<std::string> containerRuntimeEndpoint;
  std::optional<std::string> staticPodPath;
  std::optional<std::string> podLogsDir;
  std::optional<int32_t> maxPods;
  std::optional<std::vector<std::string>> clusterDNS;
  std::optional<std::string> clusterDomain;
  std::optional<std::vector<api::Taint>> registerWithTaints;
  std::optional<std::string> resolvConf;
  std::optional<int32_t> port;
  std::optional<std::string> address;
  std::optional<int32_t> healthzPort;
  std::optional<std::string> healthzBindAddress;
  std::optional<std::string> tlsCertFile;
  std::optional<std::string> tlsPrivateKeyFile;
  std::optional<std::string> cgroupRoot;
  std::optional<std::string> cgroupDriver;
  std::optional<bool> serializeImagePulls;
  std::optional<std::chrono::milliseconds> nodeStatusUpdateFrequency;
  std::optional<std::chrono::milliseconds> nodeStatusReportFrequency;
  std::optional<int32_t> nodeLeaseDurationSeconds;
  std::optional<std::chrono::milliseconds> syncFrequency;
  std::optional<std::chrono::milliseconds> runtimeRequestTimeout;
  std::optional<std::map<std::string, std::string>> evictionHard;
  std::optional<api::ResourceList> kubeReserved;
  std::optional<api::ResourceList> systemReserved;

  std::vector<std::string> ignoredFields;  // top-level keys not in the list above
};

// Parses the text of a config file; `base_dir` resolves relative paths.
Result<KubeletConfigFile> parseKubeletConfig(std::string_view text, const std::string& base_dir);
// Reads and parses `path`; errors are prefixed with the path.
Result<KubeletConfigFile> loadKubeletConfig(const std::string& path);

}  // namespace orch::agent
