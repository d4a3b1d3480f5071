#pragma once
// orch-agent's command line, with the kubelet's flag names and defaults. addAgentFlags()
// declares the flags on a CLI11 app and binds them to an AgentFlags; resolveAgentConfig()
// (agent_config.h) turns the parsed values, the --config file and the set of flags that were
// given explicitly (explicitFlags()) into an AgentConfig.
//
// Repeatable flags (--node-labels, --register-with-taints, --cluster-dns) accumulate, each
// occurrence a comma-separated list, as the kubelet's; any other flag given twice keeps the
// last value (pflag semantics).

#include <CLI/CLI.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace orch::agent {

struct AgentFlags {
  std::string kubeconfig;                                               // --kubeconfig
  std::string containerRuntimeEndpoint = "unix:///run/orch/shim.sock";  // *
  std::string hostnameOverride;                                         // --hostname-override
  std::string nodeIP;                             // --node-ip "10.0.0.5[,fd00::5]"
  std::vector<std::string> nodeLabels;            // --node-labels k=v,k2=v2
  std::vector<std::string> registerWithTaints;    // * key=value:Effect,...
  std::string podManifestPath;                    // * (config: staticPodPath)
  std::string rootDir = "/var/lib/orch/agent";    // --root-dir
  std::string podLogsDir = "/var/log/pods";       // *
  int32_t maxPods = 110;                          // *
  std::vector<std::string> clusterDNS;            // * comma list of IPs
  std::string clusterDomain;                      // *
  std::string podInfraContainerImage;             // recorded; orch-shim has its own pause
  std::string config;                             // --config KubeletConfiguration file
  int32_t port = 10250;                           // *
  std::string address = "0.0.0.0";                // *
  int32_t healthzPort = 10248;                    // * (0 disables)
  std::string healthzBindAddress = "127.0.0.1";   // *
  std::string tlsCertFile, tlsPrivateKeyFile;     // *
  std::string cgroupRoot;                         // *
  std::string cgroupDriver = "cgroupfs";          // *
  std::string resolvConf = "/etc/resolv.conf";    // *
  std::string nodeStatusUpdateFrequency = "10s";  // *
  std::string runtimeRequestTimeout = "2m";       // *
  bool serializeImagePulls = true;                // *
};
// (*: also a KubeletConfiguration field; the flag wins when given.)

// Declares the flags above on `app`, bound to `flags`.
void addAgentFlags(CLI::App& app, AgentFlags& flags);

// The long names (without "--") of the options of `app` given on the command line.
std::set<std::string> explicitFlags(const CLI::App& app);

}  // namespace orch::agent
