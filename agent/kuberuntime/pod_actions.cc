#include "agent/kuberuntime/pod_actions.h"

#include <algorithm>

#include "agent/kuberuntime/labels.h"
#include "agent/kuberuntime/linux_resources.h"

namespace orch::agent {

namespace v1 = runtime::v1;

ProbeState ProbeResults::livenessOf(const std::string& id) const {
  auto it = liveness.find(id);
  return it == liveness.end() ? ProbeState::kUnknown : it->second;
}

ProbeState ProbeResults::startupOf(const std::string& id) const {
  auto it = startup.find(id);
  return it == startup.end() ? ProbeState::kUnknown : it->second;
}

std::string_view killReasonName(KillReason reason) {
  switch (reason) {
    case KillReason::kSandboxChanged:
      return "SandboxChanged";
    case KillReason::kPodDone:
      return "PodDone";
    case KillReason::kSpecChanged:
      return "SpecChanged";
    case KillReason::kLivenessProbe:
      return "LivenessProbe";
    case KillReason::kStartupProbe:
      return "StartupProbe";
    case KillReason::kUnknownState:
      return "Unknown";
  }
  return "Unknown";
}

namespace {

bool restartOnFailure(const api::Pod& pod) {
  return pod.spec.restartPolicy != "Never";
}

std::string podDesc(const api::Pod& pod) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "(" + pod.metadata.uid + ")";
}

bool specChanged(const api::Container& c, const ContainerRuntimeStatus& s) {
  return hashContainer(c) != s.hash;
}

bool initContainerFailed(const ContainerRuntimeStatus& s) {
  if (s.reason == "OOMKilled") return true;
  if (s.exited() && s.exit_code != 0) return true;
  return s.state == v1::CONTAINER_UNKNOWN;
}

bool containerSucceeded(const api::Container& c, const PodRuntimeStatus& current) {
  const auto* s = current.findContainer(c.name);
  return s && s->exited() && s->exit_code == 0;
}

bool hasAnyRegularContainerCreated(const api::Pod& pod, const PodRuntimeStatus& current) {
  for (const auto& c : pod.spec.containers) {
    const auto* s = current.findContainer(c.name);
    if (s && (s->state == v1::CONTAINER_CREATED || s->running() || s->exited())) return true;
  }
  return false;
}

// Go's time.Duration.String() for whole seconds: "10s", "2m40s", "5m0s".
std::string goDuration(Clock::Duration d) {
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  if (secs < 60) return std::to_string(secs) + "s";
  auto mins = secs / 60;
  if (mins < 60) return std::to_string(mins) + "m" + std::to_string(secs % 60) + "s";
  return std::to_string(mins / 60) + "h" + std::to_string(mins % 60) + "m" +
         std::to_string(secs % 60) + "s";
}

class Planner {
 public:
  Planner(const api::Pod& pod, const PodRuntimeStatus& current, const ProbeResults& probes,
          const BackoffPolicy* backoff)
      : pod_(pod), current_(current), probes_(probes), backoff_(backoff) {}

  PodActions plan();

 private:
  bool computeInitContainerActions();
  void kill(const ContainerRuntimeStatus& s, bool init, int index, KillReason reason,
            std::string message);
  // Kills every container instance that is not EXITED (kill_pod).
  void killAllLive(KillReason reason, const std::string& message);
  ContainerToStart toStart(bool init, int index) const;

  const api::Pod& pod_;
  const PodRuntimeStatus& current_;
  const ProbeResults& probes_;
  const BackoffPolicy* backoff_;
  PodActions a_;
  std::vector<int> init_to_start_;
};

void Planner::kill(const ContainerRuntimeStatus& s, bool init, int index, KillReason reason,
                   std::string message) {
  for (const auto& k : a_.containers_to_kill)
    if (k.id == s.id) return;
  a_.containers_to_kill.push_back({s.id, s.name, init, index, reason, std::move(message)});
}

void Planner::killAllLive(KillReason reason, const std::string& message) {
  for (const auto& s : current_.containers) {
    if (s.exited()) continue;
    bool init = false;
    int index = -1;
    for (size_t i = 0; i < pod_.spec.initContainers.size(); ++i)
      if (pod_.spec.initContainers[i].name == s.name) init = true, index = static_cast<int>(i);
    for (size_t i = 0; i < pod_.spec.containers.size(); ++i)
      if (pod_.spec.containers[i].name == s.name) index = static_cast<int>(i);
    kill(s, init, index, reason, message);
  }
}

ContainerToStart Planner::toStart(bool init, int index) const {
  const api::Container& c = init ? pod_.spec.initContainers[index] : pod_.spec.containers[index];
  ContainerToStart s;
  s.init = init;
  s.index = index;
  s.name = c.name;
  if (const auto* latest = current_.findContainer(c.name)) {
    s.restart_count = latest->restart_count + 1;
    s.known_to_runtime = true;
  }
  s.backoff_key = crashBackoffKey(pod_, c);
  if (const auto* exited = current_.lastExited(c.name)) {
    s.last_finished_at = exited->finished_at;
    if (backoff_) {
      if (auto until = backoff_->backoffUntil(s.backoff_key, exited->finished_at)) {
        s.backoff_until = until;
        s.backoff_message = "back-off " + goDuration(backoff_->delay(s.backoff_key)) +
                            " restarting failed container=" + c.name + " pod=" + podDesc(pod_);
      }
    }
  }
  return s;
}

// Upstream computeInitContainerActions (SidecarContainers): fills init_to_start_ and kills;
// returns whether the pod has been initialized.
bool Planner::computeInitContainerActions() {
  const auto& inits = pod_.spec.initContainers;
  if (inits.empty()) return true;

  // A created or running app container means every init container ran at some point, even
  // if the runtime removed them since (exited app containers prove nothing: after a reboot
  // they belong to the previous sandbox).
  bool initialized = false;
  for (const auto& c : pod_.spec.containers) {
    const auto* s = current_.findContainer(c.name);
    if (s && (s->state == v1::CONTAINER_CREATED || s->running())) {
      initialized = true;
      break;
    }
  }
  bool previously_initialized = initialized;
  const bool restart = restartOnFailure(pod_);
  const int n = static_cast<int>(inits.size());

  // Backwards: completed init containers may have been removed, the last one known counts.
  for (int i = n - 1; i >= 0; --i) {
    const api::Container& c = inits[i];
    const bool sidecar = isSidecar(c);
    const auto* s = current_.findContainer(c.name);
    if (!s) {
      if (previously_initialized && sidecar) init_to_start_.push_back(i);
      continue;
    }
    if (previously_initialized && !sidecar) continue;  // done long ago

    switch (s->state) {
      case v1::CONTAINER_CREATED:
        // Created and started are one step; stuck in created means the start failed.
        init_to_start_.push_back(i);
        break;
      case v1::CONTAINER_RUNNING: {
        if (!sidecar) break;  // a regular init container: wait for it to finish
        if (c.startupProbe) {
          ProbeState startup = probes_.startupOf(s->id);
          if (startup == ProbeState::kUnknown) break;  // wait for the probe
          if (startup == ProbeState::kFailure) {
            kill(*s, true, i, KillReason::kStartupProbe,
                 "Init container " + c.name + " failed startup probe");
            init_to_start_.push_back(i);
            break;
          }
        }
        if (i == n - 1)
          initialized = true;
        else if (!previously_initialized)
          init_to_start_.push_back(i + 1);  // started for the first time: next one
        if (specChanged(c, *s)) {
          kill(*s, true, i, KillReason::kSpecChanged,
               "Init container " + c.name + " definition changed");
          init_to_start_.push_back(i);
          break;
        }
        // A sidecar's liveness does not hold back the next init container.
        if (c.livenessProbe && probes_.livenessOf(s->id) == ProbeState::kFailure) {
          kill(*s, true, i, KillReason::kLivenessProbe,
               "Init container " + c.name + " failed liveness probe");
          init_to_start_.push_back(i);
        }
        break;
      }
      case v1::CONTAINER_EXITED:
        if (sidecar) {
          init_to_start_.push_back(i);
        } else if (initContainerFailed(*s)) {
          if (!restart) {
            a_.kill_pod = true;
            init_to_start_.clear();
            return false;
          }
          init_to_start_.push_back(i);
        } else if (i == n - 1) {
          initialized = true;
        } else {
          init_to_start_.push_back(i + 1);
        }
        break;
      default:  // CONTAINER_UNKNOWN
        if (!sidecar && !restart) {
          a_.kill_pod = true;
          init_to_start_.clear();
          return false;
        }
        kill(*s, true, i, KillReason::kUnknownState,
             "Init container is in \"CONTAINER_UNKNOWN\" state, try killing it before restart");
        init_to_start_.push_back(i);
        break;
    }
    previously_initialized = true;
  }
  if (!previously_initialized) init_to_start_.push_back(0);  // nothing ran yet
  std::reverse(init_to_start_.begin(), init_to_start_.end());
  return initialized;
}

PodActions Planner::plan() {
  SandboxChange sc = podSandboxChanged(pod_, current_);
  a_.kill_pod = sc.create;
  a_.create_sandbox = sc.create;
  a_.sandbox_id = sc.sandbox_id;
  a_.attempt = sc.attempt;

  if (sc.create) {
    killAllLive(KillReason::kSandboxChanged,
                "Pod sandbox changed, it will be killed and re-created");
    if (!restartOnFailure(pod_) && sc.attempt != 0 && !current_.containers.empty()) {
      // Never restart: the containers have run; only tear down what is left.
      a_.create_sandbox = false;
      for (auto& k : a_.containers_to_kill) k.reason = KillReason::kPodDone;
      return a_;
    }
    std::vector<int> app;
    for (size_t i = 0; i < pod_.spec.containers.size(); ++i) {
      const auto& c = pod_.spec.containers[i];
      if (pod_.spec.restartPolicy == "OnFailure" && containerSucceeded(c, current_)) continue;
      app.push_back(static_cast<int>(i));
    }
    if (app.empty() && hasAnyRegularContainerCreated(pod_, current_)) {
      a_.create_sandbox = false;  // initialized and nothing to run again
      for (auto& k : a_.containers_to_kill) k.reason = KillReason::kPodDone;
      return a_;
    }
    if (!pod_.spec.initContainers.empty()) {
      a_.init_containers_to_start.push_back(toStart(true, 0));
      return a_;
    }
    a_.initialized = true;
    for (int i : app) a_.containers_to_start.push_back(toStart(false, i));
    return a_;
  }

  bool initialized = computeInitContainerActions();
  a_.initialized = initialized && !a_.kill_pod;
  auto flushInits = [&] {
    std::vector<int> seen;
    for (int i : init_to_start_) {
      if (std::find(seen.begin(), seen.end(), i) != seen.end()) continue;
      seen.push_back(i);
      a_.init_containers_to_start.push_back(toStart(true, i));
    }
  };
  if (a_.kill_pod) {
    killAllLive(KillReason::kPodDone, "Init container failed and the pod's restartPolicy is Never");
    return a_;
  }
  if (!initialized) {
    flushInits();
    return a_;
  }

  int keep = 0;
  for (size_t idx = 0; idx < pod_.spec.containers.size(); ++idx) {
    const api::Container& c = pod_.spec.containers[idx];
    const int i = static_cast<int>(idx);
    const auto* s = current_.findContainer(c.name);
    if (!s || !s->running()) {
      if (shouldContainerBeRestarted(c, pod_, current_)) {
        a_.containers_to_start.push_back(toStart(false, i));
        if (s && s->state == v1::CONTAINER_UNKNOWN)
          kill(*s, false, i, KillReason::kUnknownState,
               "Container is in \"CONTAINER_UNKNOWN\" state, try killing it before restart");
      }
      continue;
    }
    bool restart = restartOnFailure(pod_);
    KillReason reason;
    std::string message;
    if (specChanged(c, *s)) {
      reason = KillReason::kSpecChanged;
      message = "Container " + c.name + " definition changed";
      restart = true;  // whatever the restart policy
    } else if (probes_.livenessOf(s->id) == ProbeState::kFailure) {
      reason = KillReason::kLivenessProbe;
      message = "Container " + c.name + " failed liveness probe";
    } else if (probes_.startupOf(s->id) == ProbeState::kFailure) {
      reason = KillReason::kStartupProbe;
      message = "Container " + c.name + " failed startup probe";
    } else {
      ++keep;
      continue;
    }
    if (restart) {
      message += ", will be restarted";
      a_.containers_to_start.push_back(toStart(false, i));
    }
    kill(*s, false, i, reason, std::move(message));
  }

  if (keep == 0 && a_.containers_to_start.empty()) {
    // Nothing runs and nothing will: the pod is done. Sidecars must not keep it alive.
    a_.kill_pod = true;
    init_to_start_.clear();
    killAllLive(KillReason::kPodDone, "All containers of the pod have completed");
  }
  flushInits();
  return a_;
}

}  // namespace

SandboxChange podSandboxChanged(const api::Pod& pod, const PodRuntimeStatus& current) {
  if (current.sandboxes.empty()) return {true, 0, ""};
  int ready = 0;
  for (const auto& s : current.sandboxes)
    if (s.ready()) ++ready;
  const SandboxRuntimeStatus& latest = current.sandboxes.front();
  if (ready > 1 || !latest.ready()) return {true, latest.attempt + 1, latest.id};
  const v1::NamespaceMode want = pod.spec.hostNetwork ? v1::NODE : v1::POD;
  if (latest.network_mode != want) return {true, latest.attempt + 1, ""};
  if (!pod.spec.hostNetwork && latest.has_network_status && latest.ip.empty())
    return {true, latest.attempt + 1, latest.id};
  return {false, latest.attempt, latest.id};
}

bool shouldContainerBeRestarted(const api::Container& container, const api::Pod& pod,
                                const PodRuntimeStatus& current) {
  if (pod.metadata.deletionTimestamp) return false;
  const auto* s = current.findContainer(container.name);
  if (!s) return true;
  if (s->running()) return false;
  if (s->state == v1::CONTAINER_UNKNOWN || s->state == v1::CONTAINER_CREATED) return true;
  if (pod.spec.restartPolicy == "Never") return false;
  if (pod.spec.restartPolicy == "OnFailure" && s->exit_code == 0) return false;
  return true;
}

PodActions computePodActions(const api::Pod& pod, const PodRuntimeStatus& current,
                             const ProbeResults& probes, const BackoffPolicy* backoff) {
  return Planner(pod, current, probes, backoff).plan();
}

}  // namespace orch::agent
