#pragma once
// ProberManager: the kubelet's prober manager. For every container of a pod (and every
// sidecar: an init container with restartPolicy Always) and each of its probes (liveness,
// readiness, startup) it keeps a worker that runs the probe on schedule and turns results
// into state, as upstream's prober workers:
//
// - A worker probes only while its container runs: the first probe is due initialDelaySeconds
//   after the container's start time (at once when that is past), the next ones
//   periodSeconds after the start of the previous one.
// - A result counts only after successThreshold successes / failureThreshold failures in a
//   row; until then the previous result stands. Probes that cannot be run at all (an exec the
//   runtime refuses) are retried up to 3 times, then count as failures.
// - Startup gates the others: liveness and readiness are not probed until the startup probe
//   succeeded; the startup probe stops once it succeeded.
// - Liveness (or startup) crossing failureThreshold calls on_liveness_failure once and puts
//   the worker on hold until the container is replaced (a new container id).
// - A pod with a deletionTimestamp (given through addPod) stops its liveness and startup
//   probes; readiness keeps being probed, as upstream.
// - A new container id (containerStarted) resets the container's workers and results.
//
// Results: readiness() is false until the readiness probe succeeded (true once started when
// there is no readiness probe); started() is true once the container runs and, with a startup
// probe, once that succeeded. Both are false for containers that do not run or are unknown.
//
// Threads: one scheduler thread waits on the injected Clock (a FakeClock drives it in tests)
// and hands due probes to a ProbePool, so a slow probe delays no other. Every public method is
// thread-safe. Callbacks run on pool threads with no internal lock held (they may call back
// into the manager); they fire only for changes that probes make, not for the immediate
// effects of addPod/removePod/containerStarted/containerStopped, which the caller sees at
// once through readiness()/started().

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "agent/prober/exec_probe.h"
#include "agent/prober/probe_pool.h"
#include "agent/prober/probe_result.h"
#include "agent/prober/probe_runner.h"
#include "common/api/pod.h"
#include "common/base/clock.h"

namespace orch::agent {

enum class ProbeKind { kLiveness, kReadiness, kStartup };
// "Liveness", "Readiness", "Startup" (as in upstream's event messages).
const char* probeKindName(ProbeKind k);

// A probe run that did not succeed (for "Unhealthy" events: "<Kind> probe failed: <output>").
// Also reported for failures below failureThreshold, as the kubelet records an event for each.
struct ProbeFailure {
  std::string pod_uid, container_name, container_id;
  ProbeKind kind = ProbeKind::kLiveness;
  ProbeResult result = ProbeResult::kFailure;  // kFailure or kWarning
  std::string output;
};

struct ProberManagerOptions {
  Clock* clock = nullptr;  // realClock() when null
  ExecRunner exec;         // bound to CriRuntime::execSync by the agent
  std::string user_agent = kDefaultProbeUserAgent;
  size_t max_threads = 16;  // probes running at once; more wait in FIFO order
  // A liveness or startup probe crossed its failureThreshold: the container must be restarted.
  // `message`: "Liveness probe failed: <output>" / "Startup probe failed: <output>".
  std::function<void(const std::string& pod_uid, const std::string& container_name,
                     const std::string& container_id, const std::string& message)>
      on_liveness_failure;
  // readiness() or started() of some container of `pod_uid` changed because of a probe.
  std::function<void(const std::string& pod_uid)> on_result_changed;
  // Optional: every probe run that failed or warned.
  std::function<void(const ProbeFailure&)> on_probe_failed;
};

class ProberManager {
 public:
  using WallTime = Clock::WallTime;

  explicit ProberManager(ProberManagerOptions opts);
  // Stops the scheduler; waits for probes that are running (bounded by their timeouts).
  ~ProberManager();
  ProberManager(const ProberManager&) = delete;
  ProberManager& operator=(const ProberManager&) = delete;

  // Adds the pod's workers, or updates a known pod (its IP, its deletionTimestamp); workers of
  // a known pod are not reset. Probes are read from the first call for a pod (they are
  // immutable in the API).
  void addPod(const api::Pod& pod, const std::string& pod_ip);
  // Drops the pod's workers and results; probes in flight are discarded when they return.
  void removePod(const std::string& pod_uid);
  // The container `container_name` of a known pod runs as `container_id` since `started_at`
  // (the runtime's start time). A new id resets the container's workers; the same id again is
  // a no-op. Ignored for unknown pods or containers.
  void containerStarted(const std::string& pod_uid, const std::string& container_name,
                        const std::string& container_id, WallTime started_at);
  // The container stopped: its probes stop and it is neither ready nor started. Ignored when
  // `container_id` is not the container's current id.
  void containerStopped(const std::string& pod_uid, const std::string& container_name,
                        const std::string& container_id);

  bool readiness(const std::string& pod_uid, const std::string& container_name) const;
  bool started(const std::string& pod_uid, const std::string& container_name) const;

  // Probe runs finished so far (results applied or discarded); for tests.
  uint64_t completedProbes() const;
  // Waits (real time, at most `timeout`) until completedProbes() >= n; for tests.
  bool waitForCompletedProbes(uint64_t n, std::chrono::milliseconds timeout) const;

 private:
  struct Worker {
    ProbeKind kind;
    api::Probe probe;  // with defaults
    ProbeResult last_result = ProbeResult::kUnknown;
    int result_run = 0;
    bool on_hold = false;
    bool in_flight = false;
    uint64_t flight_gen = 0;  // the generation of the run in flight
    bool scheduled = false;
    uint64_t gen = 0;  // renewed (from last_gen_) on every schedule and invalidation
  };
  struct ContainerEntry {
    api::Container spec;
    std::string id;
    WallTime started_at{};
    bool running = false;
    bool startup_ok = false;  // the startup probe succeeded (for this id)
    bool ready = false;       // the readiness probe's current result is success
    std::map<ProbeKind, Worker> workers;
  };
  struct PodEntry {
    std::string ip;
    bool terminating = false;
    std::map<std::string, ContainerEntry> containers;
  };
  struct Ticket {
    std::string pod_uid, container_name;
    ProbeKind kind;
    uint64_t gen;
  };
  struct Task {
    Ticket ticket;
    api::Probe probe;
    api::Container container;
    std::string pod_ip, container_id;
    Clock::TimePoint started;
  };
  using Callbacks = std::vector<std::function<void()>>;

  void schedulerLoop();
  bool eligibleLocked(const PodEntry& pod, const ContainerEntry& c, const Worker& w) const;
  void scheduleLocked(const std::string& uid, const std::string& name, Worker& w,
                      Clock::TimePoint due);
  // Schedules every eligible, idle worker of `c` at its first due time.
  void scheduleFirstLocked(const std::string& uid, const std::string& name, PodEntry& pod,
                           ContainerEntry& c);
  void dispatchLocked(const Ticket& t);
  void runTask(Task task);
  void applyLocked(const Task& task, const ProbeOutcome& outcome, Callbacks& out);
  bool startedLocked(const ContainerEntry& c) const;
  bool readyLocked(const ContainerEntry& c) const;

  ProberManagerOptions opts_;
  Clock& clock_;
  ProbeRunner runner_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  mutable std::condition_variable completed_cv_;
  std::map<std::string, PodEntry> pods_;
  std::multimap<Clock::TimePoint, Ticket> timers_;
  bool wake_ = false;
  bool stopping_ = false;
  uint64_t completed_ = 0;
  // Generations are unique across workers, so that a pod removed and added again never
  // takes a result of its earlier workers for its own.
  uint64_t last_gen_ = 0;
  std::unique_ptr<ProbePool> pool_;
  std::thread scheduler_;
};

}  // namespace orch::agent
