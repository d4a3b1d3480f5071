#include "agent/prober/prober_manager.h"

#include <algorithm>
#include <utility>

namespace orch::agent {

const char* probeKindName(ProbeKind k) {
  switch (k) {
    case ProbeKind::kLiveness:
      return "Liveness";
    case ProbeKind::kReadiness:
      return "Readiness";
    case ProbeKind::kStartup:
      return "Startup";
  }
  return "Unknown";
}

namespace {

// The kubelet's maxProbeRetries: attempts for a probe that could not be run.
constexpr int kMaxProbeAttempts = 3;

}  // namespace

ProberManager::ProberManager(ProberManagerOptions opts)
    : opts_(std::move(opts)),
      clock_(opts_.clock != nullptr ? *opts_.clock : realClock()),
      runner_(opts_.exec, opts_.user_agent),
      pool_(std::make_unique<ProbePool>(opts_.max_threads)) {
  scheduler_ = std::thread([this] { schedulerLoop(); });
}

ProberManager::~ProberManager() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  scheduler_.join();
  pool_.reset();  // waits for the probes that run
}

void ProberManager::addPod(const api::Pod& pod, const std::string& pod_ip) {
  std::lock_guard l(mu_);
  auto [it, inserted] = pods_.try_emplace(pod.metadata.uid);
  PodEntry& p = it->second;
  p.ip = pod_ip;
  p.terminating = pod.metadata.deletionTimestamp.has_value();
  if (!inserted) return;
  auto add = [&](const api::Container& c) {
    ContainerEntry e;
    e.spec = c;
    auto worker = [&](ProbeKind kind, const std::optional<api::Probe>& probe) {
      if (!probe) return;
      Worker w;
      w.kind = kind;
      w.probe = withProbeDefaults(*probe);
      e.workers.emplace(kind, std::move(w));
    };
    worker(ProbeKind::kLiveness, c.livenessProbe);
    worker(ProbeKind::kReadiness, c.readinessProbe);
    worker(ProbeKind::kStartup, c.startupProbe);
    p.containers.emplace(c.name, std::move(e));
  };
  // Sidecars (restartable init containers) are probed like app containers.
  for (const auto& c : pod.spec.initContainers) {
    if (c.restartPolicy.value_or("") == "Always") add(c);
  }
  for (const auto& c : pod.spec.containers) add(c);
}

void ProberManager::removePod(const std::string& pod_uid) {
  std::lock_guard l(mu_);
  // Tickets of the pod's workers find nothing when they come due; probes in flight are
  // discarded when they return.
  pods_.erase(pod_uid);
}

void ProberManager::containerStarted(const std::string& pod_uid, const std::string& container_name,
                                     const std::string& container_id, WallTime started_at) {
  std::lock_guard l(mu_);
  auto pit = pods_.find(pod_uid);
  if (pit == pods_.end()) return;
  auto cit = pit->second.containers.find(container_name);
  if (cit == pit->second.containers.end()) return;
  ContainerEntry& c = cit->second;
  if (c.running && c.id == container_id) return;
  c.id = container_id;
  c.started_at = started_at;
  c.running = true;
  c.startup_ok = false;
  c.ready = false;
  for (auto& [kind, w] : c.workers) {
    w.last_result = ProbeResult::kUnknown;
    w.result_run = 0;
    w.on_hold = false;
    w.scheduled = false;
    w.gen = ++last_gen_;
  }
  scheduleFirstLocked(pod_uid, container_name, pit->second, c);
}

void ProberManager::containerStopped(const std::string& pod_uid, const std::string& container_name,
                                     const std::string& container_id) {
  std::lock_guard l(mu_);
  auto pit = pods_.find(pod_uid);
  if (pit == pods_.end()) return;
  auto cit = pit->second.containers.find(container_name);
  if (cit == pit->second.containers.end() || cit->second.id != container_id) return;
  ContainerEntry& c = cit->second;
  c.running = false;
  c.ready = false;
  for (auto& [kind, w] : c.workers) {
    w.scheduled = false;
    w.gen = ++last_gen_;
  }
}

bool ProberManager::startedLocked(const ContainerEntry& c) const {
  if (!c.running) return false;
  return c.workers.count(ProbeKind::kStartup) == 0 || c.startup_ok;
}

bool ProberManager::readyLocked(const ContainerEntry& c) const {
  if (!startedLocked(c)) return false;
  return c.workers.count(ProbeKind::kReadiness) == 0 || c.ready;
}

bool ProberManager::readiness(const std::string& pod_uid, const std::string& container_name) const {
  std::lock_guard l(mu_);
  auto pit = pods_.find(pod_uid);
  if (pit == pods_.end()) return false;
  auto cit = pit->second.containers.find(container_name);
  return cit != pit->second.containers.end() && readyLocked(cit->second);
}

bool ProberManager::started(const std::string& pod_uid, const std::string& container_name) const {
  std::lock_guard l(mu_);
  auto pit = pods_.find(pod_uid);
  if (pit == pods_.end()) return false;
  auto cit = pit->second.containers.find(container_name);
  return cit != pit->second.containers.end() && startedLocked(cit->second);
}

uint64_t ProberManager::completedProbes() const {
  std::lock_guard l(mu_);
  return completed_;
}

bool ProberManager::waitForCompletedProbes(uint64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock l(mu_);
  return completed_cv_.wait_for(l, timeout, [&] { return completed_ >= n; });
}

bool ProberManager::eligibleLocked(const PodEntry& pod, const ContainerEntry& c,
                                   const Worker& w) const {
  if (!c.running || w.on_hold) return false;
  if (w.kind == ProbeKind::kStartup) {
    if (c.startup_ok) return false;  // done for this container
  } else if (c.workers.count(ProbeKind::kStartup) != 0 && !c.startup_ok) {
    return false;  // gated by the startup probe
  }
  // A terminating pod keeps only its readiness probes.
  return !(pod.terminating && w.kind != ProbeKind::kReadiness);
}

void ProberManager::scheduleLocked(const std::string& uid, const std::string& name, Worker& w,
                                   Clock::TimePoint due) {
  w.gen = ++last_gen_;
  w.scheduled = true;
  timers_.emplace(due, Ticket{uid, name, w.kind, w.gen});
  wake_ = true;
  cv_.notify_all();
}

void ProberManager::scheduleFirstLocked(const std::string& uid, const std::string& name,
                                        PodEntry& pod, ContainerEntry& c) {
  for (auto& [kind, w] : c.workers) {
    // A worker in flight (with a run for an earlier container) is scheduled when it returns.
    if (w.scheduled || w.in_flight || !eligibleLocked(pod, c, w)) continue;
    // initialDelaySeconds counts from the container's start, in wall time as the runtime
    // reports it; the wait itself is on the monotonic clock.
    auto delay = std::chrono::duration_cast<Clock::Duration>(
        c.started_at + std::chrono::seconds(w.probe.initialDelaySeconds) - clock_.wallNow());
    scheduleLocked(uid, name, w, clock_.now() + std::max(Clock::Duration::zero(), delay));
  }
}

void ProberManager::schedulerLoop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    auto now = clock_.now();
    if (timers_.empty() || timers_.begin()->first > now) {
      auto deadline = timers_.empty() ? now + std::chrono::hours(1) : timers_.begin()->first;
      wake_ = false;
      clock_.waitUntil(cv_, l, deadline, [&] { return stopping_ || wake_; });
      continue;
    }
    Ticket t = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    dispatchLocked(t);
  }
}

void ProberManager::dispatchLocked(const Ticket& t) {
  auto pit = pods_.find(t.pod_uid);
  if (pit == pods_.end()) return;
  auto cit = pit->second.containers.find(t.container_name);
  if (cit == pit->second.containers.end()) return;
  ContainerEntry& c = cit->second;
  auto wit = c.workers.find(t.kind);
  if (wit == c.workers.end() || wit->second.gen != t.gen) return;  // a stale ticket
  Worker& w = wit->second;
  w.scheduled = false;
  if (!eligibleLocked(pit->second, c, w)) return;
  w.in_flight = true;
  w.flight_gen = t.gen;
  Task task{t, w.probe, c.spec, pit->second.ip, c.id, clock_.now()};
  pool_->submit([this, task = std::move(task)]() mutable { runTask(std::move(task)); });
}

void ProberManager::runTask(Task task) {
  ProbeOutcome outcome;
  for (int attempt = 0; attempt < kMaxProbeAttempts; ++attempt) {
    outcome = runner_.run(task.probe, task.container, task.pod_ip, task.container_id);
    if (outcome.result != ProbeResult::kUnknown) break;
  }
  Callbacks callbacks;
  bool stopping;
  {
    std::lock_guard l(mu_);
    applyLocked(task, outcome, callbacks);
    stopping = stopping_;
  }
  if (!stopping) {
    for (auto& cb : callbacks) cb();
  }
  {
    std::lock_guard l(mu_);
    ++completed_;
  }
  completed_cv_.notify_all();
}

void ProberManager::applyLocked(const Task& task, const ProbeOutcome& outcome, Callbacks& out) {
  const Ticket& t = task.ticket;
  auto pit = pods_.find(t.pod_uid);
  if (pit == pods_.end()) return;
  PodEntry& pod = pit->second;
  auto cit = pod.containers.find(t.container_name);
  if (cit == pod.containers.end()) return;
  ContainerEntry& c = cit->second;
  auto wit = c.workers.find(t.kind);
  if (wit == c.workers.end()) return;
  Worker& w = wit->second;
  // A run of an earlier incarnation of this worker (its pod was removed and added again).
  if (!w.in_flight || w.flight_gen != t.gen) return;
  w.in_flight = false;
  if (w.gen != t.gen || c.id != task.container_id) {
    // The container was replaced or stopped meanwhile: drop the result, and give the new
    // container the first run that was held back for this one.
    scheduleFirstLocked(t.pod_uid, t.container_name, pod, c);
    return;
  }

  // Warnings count as success; probes that could not be run, as failures (upstream).
  ProbeResult r = outcome.result == ProbeResult::kWarning   ? ProbeResult::kSuccess
                  : outcome.result == ProbeResult::kUnknown ? ProbeResult::kFailure
                                                            : outcome.result;
  if (outcome.result != ProbeResult::kSuccess && opts_.on_probe_failed) {
    ProbeFailure f{
        t.pod_uid,
        t.container_name,
        c.id,
        w.kind,
        outcome.result == ProbeResult::kWarning ? ProbeResult::kWarning : ProbeResult::kFailure,
        outcome.output};
    out.push_back([cb = opts_.on_probe_failed, f = std::move(f)] { cb(f); });
  }
  if (r == w.last_result) {
    ++w.result_run;
  } else {
    w.last_result = r;
    w.result_run = 1;
  }
  bool below_threshold = (r == ProbeResult::kFailure && w.result_run < w.probe.failureThreshold) ||
                         (r == ProbeResult::kSuccess && w.result_run < w.probe.successThreshold);
  if (!below_threshold) {
    bool was_ready = readyLocked(c), was_started = startedLocked(c);
    if (w.kind == ProbeKind::kReadiness) c.ready = r == ProbeResult::kSuccess;
    if (w.kind == ProbeKind::kStartup && r == ProbeResult::kSuccess) c.startup_ok = true;
    if (w.kind != ProbeKind::kReadiness && r == ProbeResult::kFailure) {
      // The container must be restarted; stop probing it until it is replaced.
      w.on_hold = true;
      w.result_run = 0;
      if (opts_.on_liveness_failure) {
        std::string message =
            std::string(probeKindName(w.kind)) + " probe failed: " + outcome.output;
        out.push_back([cb = opts_.on_liveness_failure, uid = t.pod_uid, name = t.container_name,
                       id = c.id, message = std::move(message)] { cb(uid, name, id, message); });
      }
    }
    if ((readyLocked(c) != was_ready || startedLocked(c) != was_started) &&
        opts_.on_result_changed) {
      out.push_back([cb = opts_.on_result_changed, uid = t.pod_uid] { cb(uid); });
    }
    // The startup probe succeeded: liveness and readiness begin.
    if (w.kind == ProbeKind::kStartup && c.startup_ok) {
      scheduleFirstLocked(t.pod_uid, t.container_name, pod, c);
    }
  }
  if (eligibleLocked(pod, c, w)) {
    auto due = task.started + std::chrono::seconds(w.probe.periodSeconds);
    scheduleLocked(t.pod_uid, t.container_name, w, std::max(due, clock_.now()));
  }
}

}  // namespace orch::agent
