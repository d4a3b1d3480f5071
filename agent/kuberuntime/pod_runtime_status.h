#pragma once
// PodRuntimeStatus: what the CRI runtime holds for one pod — its sandboxes and every
// container instance (app and init, current and earlier attempts, of every sandbox) — as the
// kubelet's kubecontainer.PodStatus. The sync loop compares it with the pod spec
// (computePodActions) and derives the API status from it.
//
// Built from ListPodSandbox + PodSandboxStatus and ListContainers + ContainerStatus, all
// selected by the io.kubernetes.pod.uid label, with the kubelet's labels parsed back
// (labels.h): that is also how pods are adopted after an agent restart.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/kuberuntime/labels.h"
#include "agent/runtime/cri_runtime.h"
#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// Times from the CRI (nanoseconds since the epoch) as wall-clock times; the epoch (a zero
// time_since_epoch) stands for "not set".
Clock::WallTime fromCriTime(int64_t nanos);
bool isSet(Clock::WallTime t);

struct SandboxRuntimeStatus {
  std::string id;
  uint32_t attempt = 0;
  runtime::v1::PodSandboxState state = runtime::v1::SANDBOX_NOTREADY;
  Clock::WallTime created_at{};
  // The network namespace mode the sandbox was made with (POD, or NODE for hostNetwork).
  runtime::v1::NamespaceMode network_mode = runtime::v1::POD;
  // Whether the runtime reported a network status at all, and the IPs in it.
  bool has_network_status = false;
  std::string ip;
  std::vector<std::string> additional_ips;

  bool ready() const { return state == runtime::v1::SANDBOX_READY; }
};

struct ContainerRuntimeStatus {
  std::string id, sandbox_id;
  std::string name;  // io.kubernetes.container.name (else the CRI metadata name)
  runtime::v1::ContainerState state = runtime::v1::CONTAINER_UNKNOWN;
  Clock::WallTime created_at{}, started_at{}, finished_at{};
  int32_t exit_code = 0;
  std::string reason, message;  // the runtime's ("OOMKilled", "Completed", "Error", ...)
  std::string image;            // the image spec the container was created with
  std::string image_ref, image_id;
  uint64_t hash = 0;                 // from the annotation; compare with hashContainer(spec)
  int32_t restart_count = 0;         // from the annotation
  ContainerLabels labels;            // everything parsed back from labels and annotations
  std::string log_path;              // absolute, as the runtime reports it
  runtime::v1::ContainerStatus raw;  // mounts (termination message), resources, user, ...

  bool running() const { return state == runtime::v1::CONTAINER_RUNNING; }
  bool exited() const { return state == runtime::v1::CONTAINER_EXITED; }
};

struct PodRuntimeStatus {
  std::string uid, name, namespace_;
  std::vector<SandboxRuntimeStatus> sandboxes;     // newest first (created_at)
  std::vector<ContainerRuntimeStatus> containers;  // newest first (created_at)
  // The IPs of the newest sandbox when it is ready (primary first), else empty.
  std::vector<std::string> ips;

  // The newest instance of the container named `name`, or nullptr.
  const ContainerRuntimeStatus* findContainer(const std::string& name) const;
  // The newest EXITED instance of `name` (the one crash back-off looks at), or nullptr.
  const ContainerRuntimeStatus* lastExited(const std::string& name) const;
  // Every instance of `name`, newest first.
  std::vector<const ContainerRuntimeStatus*> instancesOf(const std::string& name) const;
  const SandboxRuntimeStatus* latestSandbox() const {
    return sandboxes.empty() ? nullptr : &sandboxes.front();
  }
};

// ---- pure assembly ----
SandboxRuntimeStatus toSandboxRuntimeStatus(const runtime::v1::PodSandboxStatus& status);
ContainerRuntimeStatus toContainerRuntimeStatus(const runtime::v1::ContainerStatus& status,
                                                const std::string& sandbox_id);
// Sorts sandboxes and containers newest first and fills `ips`.
PodRuntimeStatus assemblePodRuntimeStatus(std::string uid, std::string name, std::string namespace_,
                                          std::vector<SandboxRuntimeStatus> sandboxes,
                                          std::vector<ContainerRuntimeStatus> containers);

// ---- from the runtime ----
// The kubelet's GetPodStatus: the pod's sandboxes and containers with their statuses. Items
// that disappear between the list and the status call (ENOENT) are left out. Errors of the
// runtime otherwise, with context.
Result<PodRuntimeStatus> getPodRuntimeStatus(CriRuntime& runtime, const std::string& uid,
                                             const std::string& name,
                                             const std::string& namespace_);

// Every pod the runtime has kubelet-labelled sandboxes or containers for, from the two list
// calls only (cheap: for the PLEG's relist and for adoption after a restart). Sorted by uid;
// sandboxes and containers newest first.
struct RuntimePod {
  std::string uid, name, namespace_;
  std::vector<runtime::v1::PodSandbox> sandboxes;
  std::vector<runtime::v1::Container> containers;
};
Result<std::vector<RuntimePod>> listRuntimePods(CriRuntime& runtime);

}  // namespace orch::agent
