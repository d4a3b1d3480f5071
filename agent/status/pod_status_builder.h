#pragma once
// The API status of a pod from what the runtime holds for it (PodRuntimeStatus), the probes'
// results and the last sync's waiting reasons — the kubelet's generateAPIPodStatus: phase,
// conditions (PodScheduled kept, PodReadyToStartContainers, Initialized, ContainersReady,
// Ready with readiness gates), init/app container statuses with lastState, restartCount,
// image/imageID/containerID, pod and host IPs, startTime and qosClass kept from before.
// Transition times only move when a condition's status changes. Pure.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agent/kuberuntime/pod_actions.h"
#include "agent/kuberuntime/pod_runtime_status.h"
#include "common/api/pod.h"

namespace orch::agent {

struct WaitingReason {
  std::string reason;  // ErrImagePull, ImagePullBackOff, CreateContainerConfigError, ...
  std::string message;
};

struct PodStatusInputs {
  const api::Pod* pod = nullptr;
  const PodRuntimeStatus* runtime = nullptr;
  const PodActions* actions = nullptr;  // the last plan (back-off reasons); may be null
  // Probe results by container name (true without a readiness / startup probe once running).
  std::function<bool(const std::string& name)> ready;
  std::function<bool(const std::string& name)> started;
  std::map<std::string, WaitingReason> waiting;  // by container name, from the last sync
  std::string runtime_name;                      // "containerd", "orch-shim": containerID prefix
  std::vector<std::string> host_ips;
  Clock::WallTime now{};
};

api::PodStatus buildPodStatus(const PodStatusInputs& in);

// The phase alone (upstream getPhase), from the container statuses just built.
std::string podPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& init,
                     const std::vector<api::ContainerStatus>& app);

}  // namespace orch::agent
