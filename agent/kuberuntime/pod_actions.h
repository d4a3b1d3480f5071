#pragma once
// computePodActions: what to do to bring a pod's runtime state to its spec, as the kubelet's
// kubeGenericRuntimeManager.computePodActions (with sidecar containers). A pure plan; the sync
// loop applies it in this order:
//
//  1. kill_pod: stop every container in containers_to_kill (then it lists every instance of
//     the pod that is not EXITED) and every sandbox of the pod. Otherwise stop the containers
//     in containers_to_kill (grace period, preStop hooks).
//  2. create_sandbox: run a new sandbox with metadata.attempt = `attempt` (the old ones stay
//     for garbage collection) and use its id from now on; otherwise use `sandbox_id`.
//  3. init_containers_to_start, in order: a sidecar that fails to start is skipped, a regular
//     init container that fails to start ends the sync.
//  4. containers_to_start.
// A container to start whose `backoff_until` is set is in crash-loop back-off: do not start
// it, report waiting/CrashLoopBackOff with `backoff_message`. When starting one that has
// `last_finished_at`, call backoff.recordRestart(backoff_key, *last_finished_at).
//
// Rules (upstream):
//  - sandbox: (re)created when there is none, the newest is not ready, more than one is
//    ready, its network mode differs from spec.hostNetwork, or it has no IP (pod network);
//    the attempt is the newest sandbox's + 1. After a sandbox died, a pod with restartPolicy
//    Never that already ran containers is not given a new one (kill_pod only); nor is a pod
//    whose app containers have all run and need no restart.
//  - init containers run one at a time in order; a failed one (exit != 0, OOMKilled, unknown)
//    is restarted unless restartPolicy is Never, which makes the pod terminal (kill_pod).
//    Sidecars (restartPolicy: Always) start in order, each after the previous one is running
//    (and has passed its startup probe), and are restarted whenever they exit; a sidecar that
//    fails its liveness/startup probe or whose spec changed is killed and restarted.
//  - app containers start once all init containers are done; an exited one is restarted per
//    restartPolicy (Always; OnFailure when exit != 0; Never not); a running one is killed
//    when its spec hash changed (and restarted whatever the policy) or it failed its liveness
//    or startup probe (restarted unless Never); an UNKNOWN one is killed before restart.
//  - nothing left running and nothing to start: kill_pod (sidecars are not restarted then).
//  - a pod with a deletionTimestamp gets no (re)starts of exited containers.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/kuberuntime/crash_backoff.h"
#include "agent/kuberuntime/pod_runtime_status.h"
#include "common/api/pod.h"

namespace orch::agent {

// A probe's last result for one container instance; kUnknown: not run yet (absent).
enum class ProbeState { kUnknown, kSuccess, kFailure };

// The prober's results, by container id.
struct ProbeResults {
  std::map<std::string, ProbeState> liveness, startup;
  ProbeState livenessOf(const std::string& id) const;
  ProbeState startupOf(const std::string& id) const;
};

enum class KillReason {
  kSandboxChanged,  // the sandbox is (re)created: every container of the pod goes
  kPodDone,         // nothing left to run, or an init container failed under Never
  kSpecChanged,     // spec hash differs from the running container's
  kLivenessProbe,
  kStartupProbe,
  kUnknownState,  // the runtime reports CONTAINER_UNKNOWN: kill before restarting
};
std::string_view killReasonName(KillReason reason);

struct ContainerToKill {
  std::string id, name;
  bool init = false;  // an init container (sidecar or regular)
  int index = -1;     // into spec.initContainers / spec.containers; -1 when not in the spec
  KillReason reason = KillReason::kPodDone;
  std::string message;  // "Container web failed liveness probe, will be restarted"
};

struct ContainerToStart {
  bool init = false;  // index into spec.initContainers (true) or spec.containers
  int index = 0;
  std::string name;
  // The restart count of the new instance: the newest known instance's + 1, or 0 when the
  // runtime knows none (known_to_runtime false: resume from restartCountFromLogDir then).
  int32_t restart_count = 0;
  bool known_to_runtime = false;
  // Crash-loop back-off (crash_backoff.h).
  std::string backoff_key;
  std::optional<Clock::WallTime> last_finished_at;  // of the newest EXITED instance
  std::optional<Clock::WallTime> backoff_until;     // set: hold the start until then
  std::string backoff_message;  // "back-off 20s restarting failed container=web pod=..."
};

struct PodActions {
  bool kill_pod = false;
  bool create_sandbox = false;
  std::string sandbox_id;  // the newest sandbox (to start containers in when not recreated)
  uint32_t attempt = 0;    // of the sandbox to create
  // Whether all init containers have completed (the Initialized condition).
  bool initialized = false;
  std::vector<ContainerToKill> containers_to_kill;
  std::vector<ContainerToStart> init_containers_to_start;  // in spec order
  std::vector<ContainerToStart> containers_to_start;       // in spec order

  bool nothingToDo() const {
    return !kill_pod && !create_sandbox && containers_to_kill.empty() &&
           init_containers_to_start.empty() && containers_to_start.empty();
  }
};

// `backoff` may be null (no crash-loop back-off).
PodActions computePodActions(const api::Pod& pod, const PodRuntimeStatus& current,
                             const ProbeResults& probes = {},
                             const BackoffPolicy* backoff = nullptr);

// Whether the sandbox must be (re)created, the attempt for the new one and the newest
// sandbox's id (upstream PodSandboxChanged).
struct SandboxChange {
  bool create = false;
  uint32_t attempt = 0;
  std::string sandbox_id;
};
SandboxChange podSandboxChanged(const api::Pod& pod, const PodRuntimeStatus& current);

// Upstream ShouldContainerBeRestarted for an app container.
bool shouldContainerBeRestarted(const api::Container& container, const api::Pod& pod,
                                const PodRuntimeStatus& current);

}  // namespace orch::agent
