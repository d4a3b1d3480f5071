#include "agent/status/pod_status_builder.h"

namespace orch::agent {

namespace {

api::Time apiTime(Clock::WallTime t) {
  return api::Time(t);
}

bool isSidecar(const api::Container& c) {
  return c.restartPolicy && *c.restartPolicy == "Always";
}

api::ContainerStateTerminated terminatedOf(const ContainerRuntimeStatus& c, const std::string& id) {
  api::ContainerStateTerminated t;
  t.exitCode = c.exit_code;
  t.reason = c.reason.empty() ? (c.exit_code == 0 ? "Completed" : "Error") : c.reason;
  t.message = c.message;
  if (isSet(c.started_at)) t.startedAt = apiTime(c.started_at);
  if (isSet(c.finished_at)) t.finishedAt = apiTime(c.finished_at);
  t.containerID = id;
  return t;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

// One container's status: the newest instance decides the state, the one before (or the
// newest, when it exited and waits for a restart) is lastState.
api::ContainerStatus containerStatusOf(const api::Container& spec, const PodStatusInputs& in,
                                       bool init, bool before_init_done) {
  api::ContainerStatus s;
  s.name = spec.name;
  s.image = spec.image;
  auto instances = in.runtime->instancesOf(spec.name);
  auto waitingWith = [&](std::string reason, std::string message) {
    if (auto it = in.waiting.find(spec.name); it != in.waiting.end()) {
      reason = it->second.reason;
      message = it->second.message;
    }
    s.state.waiting =
        api::ContainerStateWaiting{.reason = std::move(reason), .message = std::move(message)};
  };
  auto idOf = [&](const ContainerRuntimeStatus& c) { return in.runtime_name + "://" + c.id; };
  if (instances.empty()) {
    waitingWith(!init && before_init_done ? "PodInitializing" : "ContainerCreating", "");
    s.started = false;
    return s;
  }
  const ContainerRuntimeStatus& newest = *instances.front();
  s.restartCount = newest.restart_count;
  s.imageID = newest.image_ref;
  s.containerID = idOf(newest);
  if (!newest.image.empty() && newest.image.rfind("sha256:", 0) != 0) s.image = newest.image;
  if (newest.running()) {
    s.state.running = api::ContainerStateRunning{.startedAt = apiTime(newest.started_at)};
    s.ready = in.ready ? in.ready(spec.name) : true;
    s.started = in.started ? in.started(spec.name) : true;
    if (instances.size() > 1 && instances[1]->exited())
      s.lastState.terminated = terminatedOf(*instances[1], idOf(*instances[1]));
    return s;
  }
  s.started = false;
  if (newest.exited()) {
    // Exited and about to be restarted (back-off or next sync): waiting, the exit as lastState.
    const ContainerToStart* restart = nullptr;
    if (in.actions)
      for (const auto* list :
           {&in.actions->init_containers_to_start, &in.actions->containers_to_start})
        for (const auto& t : *list)
          if (t.name == spec.name) restart = &t;
    if (restart) {
      if (restart->backoff_until)
        waitingWith("CrashLoopBackOff", restart->backoff_message);
      else
        waitingWith("ContainerCreating", "");
      s.lastState.terminated = terminatedOf(newest, idOf(newest));
      return s;
    }
    s.state.terminated = terminatedOf(newest, idOf(newest));
    if (instances.size() > 1 && instances[1]->exited())
      s.lastState.terminated = terminatedOf(*instances[1], idOf(*instances[1]));
    return s;
  }
  waitingWith("ContainerCreating", "");
  return s;
}

api::PodCondition condition(const std::string& type, bool ok, std::string reason = "",
                            std::string message = "") {
  api::PodCondition c;
  c.type = type;
  c.status = ok ? "True" : "False";
  if (!ok) {
    c.reason = std::move(reason);
    c.message = std::move(message);
  }
  return c;
}

bool exitedOk(const api::ContainerStatus& s) {
  const auto* t = s.state.terminated                          ? &*s.state.terminated
                  : s.lastState.terminated && s.state.waiting ? &*s.lastState.terminated
                                                              : nullptr;
  return t && t->exitCode == 0;
}

}  // namespace

std::string podPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& init,
                     const std::vector<api::ContainerStatus>& app) {
  const std::string policy = spec.restartPolicy.empty() ? "Always" : spec.restartPolicy;
  for (size_t i = 0; i < spec.initContainers.size() && i < init.size(); ++i) {
    if (isSidecar(spec.initContainers[i])) continue;
    const auto& s = init[i];
    if (s.state.terminated && s.state.terminated->exitCode == 0) continue;
    bool failed = (s.state.terminated && s.state.terminated->exitCode != 0) ||
                  (s.lastState.terminated && s.lastState.terminated->exitCode != 0);
    if (failed && policy == "Never") return "Failed";
    return "Pending";
  }
  int running = 0, stopped = 0, succeeded = 0, waiting = 0;
  for (const auto& s : app) {
    if (s.state.running)
      ++running;
    else if (s.state.terminated) {
      ++stopped;
      if (s.state.terminated->exitCode == 0) ++succeeded;
    } else if (s.lastState.terminated) {
      ++stopped;  // waiting for a restart after an exit
      if (exitedOk(s)) ++succeeded;
    } else {
      ++waiting;
    }
  }
  if (waiting > 0 && running == 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy == "Always") return "Running";
    if (succeeded == stopped) return "Succeeded";
    if (policy == "OnFailure") return "Running";
    return "Failed";
  }
  return "Pending";
}

api::PodStatus buildPodStatus(const PodStatusInputs& in) {
  const api::Pod& pod = *in.pod;
  const api::PodStatus& prev = pod.status;
  api::PodStatus s;
  s.qosClass = prev.qosClass;
  s.startTime = prev.startTime ? prev.startTime : std::optional<api::Time>(apiTime(in.now));

  bool init_done = in.actions ? in.actions->initialized : pod.spec.initContainers.empty();
  for (const auto& c : pod.spec.initContainers)
    s.initContainerStatuses.push_back(containerStatusOf(c, in, true, !init_done));
  for (const auto& c : pod.spec.containers)
    s.containerStatuses.push_back(containerStatusOf(c, in, false, !init_done));
  s.phase = podPhase(pod.spec, s.initContainerStatuses, s.containerStatuses);

  for (const auto& ip : in.runtime->ips) s.podIPs.push_back(api::PodIP{.ip = ip});
  if (!s.podIPs.empty()) s.podIP = s.podIPs.front().ip;
  for (const auto& ip : in.host_ips) s.hostIPs.push_back(api::PodIP{.ip = ip});
  if (!s.hostIPs.empty()) s.hostIP = s.hostIPs.front().ip;

  // Conditions.
  std::vector<std::string> not_initialized, not_ready;
  for (const auto& st : s.initContainerStatuses)
    if (!(st.state.terminated && st.state.terminated->exitCode == 0) && !st.state.running)
      not_initialized.push_back(st.name);
  for (const auto& st : s.containerStatuses)
    if (!st.ready) not_ready.push_back(st.name);
  bool terminal = s.phase == "Succeeded" || s.phase == "Failed";
  const auto* sandbox = in.runtime->latestSandbox();
  std::vector<api::PodCondition> conds;
  for (const auto& c : prev.conditions)
    if (c.type == "PodScheduled") conds.push_back(c);
  conds.push_back(condition("PodReadyToStartContainers", sandbox && sandbox->ready()));
  conds.push_back(init_done ? condition("Initialized", true)
                            : condition("Initialized", false, "ContainersNotInitialized",
                                        "containers with incomplete status: [" +
                                            joined(not_initialized) + "]"));
  bool containers_ready = not_ready.empty() && !terminal;
  std::string unready = "containers with unready status: [" + joined(not_ready) + "]";
  conds.push_back(containers_ready ? condition("ContainersReady", true)
                                   : condition("ContainersReady", false,
                                               terminal ? "PodCompleted" : "ContainersNotReady",
                                               terminal ? "" : unready));
  bool gates_ok = true;
  // spec.readinessGates is not modelled by the types: read it from the kept JSON.
  const api::Json& extra = pod.spec.unknown_fields;
  if (extra.is_object() && extra.contains("readinessGates") && extra["readinessGates"].is_array()) {
    for (const auto& gate : extra["readinessGates"]) {
      bool found = false;
      for (const auto& c : prev.conditions)
        if (c.type == gate.value("conditionType", "") && c.status == "True") found = true;
      gates_ok = gates_ok && found;
    }
  }
  conds.push_back(containers_ready && gates_ok
                      ? condition("Ready", true)
                      : condition("Ready", false, terminal ? "PodCompleted" : "ContainersNotReady",
                                  terminal ? "" : unready));
  // Readiness-gate conditions belong to others: keep them.
  for (const auto& c : prev.conditions) {
    bool ours = false;
    for (const auto& mine : conds) ours = ours || mine.type == c.type;
    if (!ours) conds.push_back(c);
  }
  for (auto& c : conds) {
    api::Time stamp = apiTime(in.now);
    for (const auto& p : prev.conditions)
      if (p.type == c.type && p.status == c.status && p.lastTransitionTime)
        stamp = *p.lastTransitionTime;
    if (!c.lastTransitionTime) c.lastTransitionTime = stamp;
  }
  s.conditions = std::move(conds);
  return s;
}

}  // namespace orch::agent
