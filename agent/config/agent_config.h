#pragma once
// AgentConfig: orch-agent's settings after flags and the --config file are combined, with the
// kubelet's precedence: a flag given on the command line beats the config file, which beats
// the built-in default. Flags without a config field (--kubeconfig, --hostname-override,
// --node-ip, --node-labels, --root-dir, --pod-infra-container-image) always take effect.
//
// Usage:
//   CLI::App app; AgentFlags flags; addAgentFlags(app, flags);
//   ... parse argv ...
//   ORCH_ASSIGN_OR_RETURN(AgentConfig cfg, resolveAgentConfig(flags, explicitFlags(app)));
//
// Errors: EINVAL naming the flag ("--node-labels: invalid label key ...") or, for a value from
// the file, the file and YAML field ("--config /etc/orch/agent.yaml: maxPods: ..."); ENOENT
// when the config file is missing.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "agent/config/agent_flags.h"
#include "common/api/quantity.h"
#include "common/api/scheduling.h"
#include "common/base/status.h"

namespace orch::agent {

struct AgentConfig {
  std::string kubeconfig;  // "" = standalone (no apiserver)
  std::string containerRuntimeEndpoint = "unix:///run/orch/shim.sock";
  std::string hostnameOverride;
  std::string nodeName;              // resolved: the override or the host name, lower case
  std::string hostname;              // what kubernetes.io/hostname and the Hostname address say
  std::vector<std::string> nodeIPs;  // canonical; empty = detect
  std::map<std::string, std::string> nodeLabels;
  std::vector<api::Taint> registerWithTaints;
  std::string podManifestPath;  // "" = no static pods
  std::string rootDir = "/var/lib/orch/agent";
  std::string podLogsDir = "/var/log/pods";
  int32_t maxPods = 110;
  std::vector<std::string> clusterDNS;
  std::string clusterDomain;
  std::string podInfraContainerImage;
  std::string resolvConf = "/etc/resolv.conf";
  std::string configFile;  // --config, "" when none

  int32_t port = 10250;
  std::string address = "0.0.0.0";
  int32_t healthzPort = 10248;  // 0 = disabled
  std::string healthzBindAddress = "127.0.0.1";
  std::string tlsCertFile, tlsPrivateKeyFile;  // both or neither

  std::string cgroupRoot;
  std::string cgroupDriver = "cgroupfs";
  bool serializeImagePulls = true;

  std::chrono::milliseconds nodeStatusUpdateFrequency{10000};
  // The kubelet's default is 5 min; orch reports at least every minute.
  std::chrono::milliseconds nodeStatusReportFrequency{60000};
  int32_t nodeLeaseDurationSeconds = 40;
  std::chrono::milliseconds syncFrequency{60000};
  std::chrono::milliseconds runtimeRequestTimeout{120000};

  std::map<std::string, std::string> evictionHard;  // parsed and checked, not enforced
  api::ResourceList kubeReserved, systemReserved;

  // Config file fields that were accepted but are not used.
  std::vector<std::string> ignoredConfigFields;
};

// `explicit_flags`: long flag names (no dashes) given on the command line (explicitFlags()).
// `os_hostname`: the host name to use without --hostname-override ("" = gethostname()).
Result<AgentConfig> resolveAgentConfig(const AgentFlags& flags,
                                       const std::set<std::string>& explicit_flags,
                                       const std::string& os_hostname = "");

}  // namespace orch::agent
