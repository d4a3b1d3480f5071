#pragma once
// What the agent reports about its Node, as the kubelet's node status setters
// (pkg/kubelet/nodestatus/setters.go) and initialNode() compute it:
//  - labels: kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch and the legacy
//    beta.kubernetes.io/os, beta.kubernetes.io/arch (the "default labels" the agent owns),
//    plus --node-labels;
//  - taints: --register-with-taints;
//  - addresses: InternalIP(s) from --node-ip, or detected (the default-route interface's
//    address, see HostProbe), then Hostname;
//  - capacity: cpu (online CPUs), memory (MemTotal), pods (--max-pods), ephemeral-storage (the
//    root dir's filesystem); allocatable = capacity − reserved (NodeOptions::reserved, the hook
//    for kubeReserved/systemReserved, empty by default; no eviction threshold is subtracted);
//  - nodeInfo: ids from the host, containerRuntimeVersion "<runtimeName>://<version>" from the
//    CRI Version call, kubeletVersion / kubeProxyVersion kAgentVersion, linux, the build's arch.
// Pure functions of their inputs; errors name what could not be found.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/node/host_probe.h"
#include "common/api/node.h"
#include "common/base/status.h"

namespace orch::agent {

// The version the agent reports as kubeletVersion: the Kubernetes release whose API it speaks,
// equal to orch-apiserver's gitVersion so that version-skew checks see a matching pair.
inline constexpr const char* kAgentVersion = "v1.30.0-orch";

// The kubelet's default label keys (the ones re-registration reconciles).
inline constexpr const char* kLabelHostname = "kubernetes.io/hostname";
inline constexpr const char* kLabelOs = "kubernetes.io/os";
inline constexpr const char* kLabelArch = "kubernetes.io/arch";
inline constexpr const char* kLabelBetaOs = "beta.kubernetes.io/os";
inline constexpr const char* kLabelBetaArch = "beta.kubernetes.io/arch";
// Set by the kubelet on every Node it registers (attach/detach is done by the controller).
inline constexpr const char* kAnnotationControllerManagedAttachDetach =
    "volumes.kubernetes.io/controller-managed-attach-detach";

// GOARCH of this build ("amd64", "arm64", ...).
const char* buildArch();

struct NodeOptions {
  std::string nodeName;  // required: metadata.name (lower case)
  std::string hostname;  // the Hostname address and kubernetes.io/hostname; "" = nodeName
  // --node-ip: up to one IPv4 and one IPv6 address. Empty: detect. "0.0.0.0" or "::": detect,
  // preferring that family.
  std::vector<std::string> nodeIPs;
  std::map<std::string, std::string> nodeLabels;  // --node-labels
  std::vector<api::Taint> registerWithTaints;     // --register-with-taints
  int32_t maxPods = 110;
  std::string rootDir = "/var/lib/orch/agent";  // ephemeral-storage is measured here
  int32_t port = 10250;                         // daemonEndpoints.kubeletEndpoint.Port
  std::string kubeletVersion = kAgentVersion;
  std::string kubeProxyVersion = kAgentVersion;  // what the kubelet of 1.30 still reports
  api::ResourceList reserved;                    // subtracted from capacity for allocatable

  // Loop timing (the kubelet's defaults; nodeStatusReportFrequency is 1 min here, not 5).
  std::chrono::milliseconds nodeStatusUpdateFrequency{10000};  // how often status is checked
  std::chrono::milliseconds nodeStatusReportFrequency{60000};  // post at least this often
  int32_t nodeLeaseDurationSeconds = 40;
  std::chrono::milliseconds leaseRenewInterval{10000};  // the kubelet: 1/4 of the duration

  std::string hostnameOrName() const { return hostname.empty() ? nodeName : hostname; }
};

// The CRI runtime's name and version as the Version call returns them.
struct RuntimeVersion {
  std::string runtimeName;     // "orch-shim", "containerd"
  std::string runtimeVersion;  // "0.1.0", "1.6.20"
};

// Whether the node can run pods: the container runtime and its network are ready.
struct Readiness {
  bool ready = false;
  std::string reason;   // e.g. "NetworkPluginNotReady" (informational)
  std::string message;  // shown as the Ready condition's message when not ready
};

// Inputs from the rest of the agent, called from the status loop (must be thread-safe).
struct NodeSources {
  std::function<Readiness()> readiness;                      // required
  std::function<Result<RuntimeVersion>()> runtimeVersion;    // optional; errors leave it empty
  std::function<std::vector<api::ContainerImage>()> images;  // optional
};

// The five default labels with the values this agent gives them.
std::map<std::string, std::string> defaultNodeLabels(const NodeOptions& opts);
// Default labels plus --node-labels; a --node-label overrides a default one, as in the kubelet.
std::map<std::string, std::string> initialNodeLabels(const NodeOptions& opts);
// The label keys the agent owns and reconciles on re-registration (the default ones).
const std::vector<std::string>& ownedLabelKeys();

// The Node the agent creates (metadata and spec; the status is filled by NodeStatusBuilder).
api::Node initialNode(const NodeOptions& opts);

// InternalIP addresses then Hostname. EINVAL for a bad --node-ip; ENOENT (naming what was
// tried) when no address is given and none can be detected.
Result<std::vector<api::NodeAddress>> nodeAddresses(const NodeOptions& opts, HostProbe& probe);

// cpu, memory, pods, ephemeral-storage.
Result<api::ResourceList> nodeCapacity(const NodeOptions& opts, HostProbe& probe);
// capacity − reserved, never below zero; resources missing from `reserved` are copied.
api::ResourceList nodeAllocatable(const api::ResourceList& capacity,
                                  const api::ResourceList& reserved);

// "<runtimeName>://<runtimeVersion>".
std::string containerRuntimeVersionString(const RuntimeVersion& v);
api::NodeSystemInfo nodeSystemInfo(const NodeOptions& opts, const SystemIds& ids,
                                   const std::string& container_runtime_version);

}  // namespace orch::agent
