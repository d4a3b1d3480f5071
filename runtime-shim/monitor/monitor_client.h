#pragma once
// orch-shim's side of orch-monitor: start a monitored process from a bundle directory,
// read what the monitor recorded, signal, exec inside, resources and stats.
//
// A bundle is a directory holding `spec.json` (a LaunchSpec, written by the caller).
// orch-monitor writes `state.json` there (atomically) and keeps it current; it outlives
// orch-shim, so everything here works from the bundle alone, also after a restart.
// All functions are thread-safe (no shared state) and never fork the calling process
// except through orch::Process (exec of orch-monitor).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

struct ProcessState {
  enum class Phase { kCreated, kRunning, kExited };
  Phase phase = Phase::kCreated;
  pid_t pid = 0;               // the process (in the host pid namespace); 0 before start
  pid_t monitor_pid = 0;       // orch-monitor's pid
  int64_t started_at_ns = 0;   // unix nanoseconds
  int64_t finished_at_ns = 0;  // unix nanoseconds
  int exit_code = 0;           // 128+signal when killed by a signal
  std::string
      reason;  // on exit: "Completed" (0), "Error", "OOMKilled"; start failure: "StartError"
  std::string message;  // start failure or OOM details
};

struct ExecResult {
  std::string stdout_data;
  std::string stderr_data;
  int exit_code = 0;
};

struct ContainerStats {
  int64_t timestamp_ns = 0;
  uint64_t cpu_usage_ns = 0;              // cumulative
  uint64_t memory_working_set_bytes = 0;  // usage minus inactive file
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_rss_bytes = 0;
  uint64_t page_faults = 0;
  uint64_t major_page_faults = 0;
  uint64_t pids = 0;
};

class MonitorClient {
 public:
  // monitor_binary: path of orch-monitor (next to orch-shim by default).
  explicit MonitorClient(std::string monitor_binary) : binary_(std::move(monitor_binary)) {}

  // Starts orch-monitor for `bundle` and returns once the process has exec'd its args
  // (phase kRunning) — or failed to: then an error carrying the launcher's message
  // ("mount /proc: EPERM", "exec \"foo\": ENOENT"), and state.json says kExited with
  // reason "StartError" and exit_code 128. The monitor detaches (own session) and is not a
  // child of the caller once this returns.
  Result<ProcessState> start(const std::string& bundle) const;

  // What state.json says (ENOENT when the bundle was never started). A monitor that died
  // without recording an exit (kill -9 of the monitor) while the process is gone is
  // reported as kExited with reason "Error", exit code 255 ("unknown").
  static Result<ProcessState> state(const std::string& bundle);

  // Sends `sig` to the process when it is running; ok when it already exited.
  static Status signal(const std::string& bundle, int sig);
  // Waits until the process has exited (state kExited) or `timeout` passes (ETIMEDOUT).
  static Result<ProcessState> waitExited(const std::string& bundle,
                                         std::chrono::milliseconds timeout);
  // Asks the monitor to reopen the log file (ReopenContainerLog). ENOENT/ESRCH when the
  // process is not running.
  static Status reopenLog(const std::string& bundle);

  // Runs argv inside the running process's namespaces, cgroup and security settings (user,
  // capabilities, seccomp, no_new_privs) with the spec's env; collects output. After
  // `timeout` (0 = none) the exec'd process is killed and ETIMEDOUT returned.
  Result<ExecResult> execSync(const std::string& bundle, const std::vector<std::string>& argv,
                              std::chrono::milliseconds timeout) const;

  // Applies new resources to the cgroup of the bundle (UpdateContainerResources) and
  // records them in spec.json.
  static Status updateResources(const std::string& bundle, const ResourceSpec& resources);
  static Result<ContainerStats> stats(const std::string& bundle);

  // Kills whatever still runs in the process's cgroup (SIGKILL), waits for the monitor to
  // record the exit, removes the cgroup and anything mounted under the bundle. Idempotent;
  // leaves the bundle directory itself in place (the caller removes it).
  static Status destroy(const std::string& bundle);

 private:
  std::string binary_;
};

}  // namespace orch::shim
