#include "runtime-shim/monitor/monitor_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <random>

#include "common/base/file_util.h"
#include "common/base/mountinfo.h"
#include "common/base/process.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/monitor/bundle_state.h"
#include "runtime-shim/monitor/liveness.h"
#include "runtime-shim/monitor/monitor_protocol.h"

namespace orch::shim {

namespace {

using std::chrono::milliseconds;

// How long start() and execSync() (on top of its own timeout) wait for orch-monitor before
// giving up on it; only a wedged kernel call (mount, cgroup) takes this long.
constexpr milliseconds kMonitorGrace{120000};
// destroy(): how long the monitor gets to record the exit after the kill.
constexpr milliseconds kDestroyWait{10000};
// reopenLog(): how long the monitor gets to acknowledge.
constexpr milliseconds kReopenWait{10000};

std::string absolute(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[4096];
  if (::getcwd(buf, sizeof buf) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

// state.json as it is now, with a dead monitor taken into account. A synthesized exit is
// written back, so that later calls report the same time.
Result<MonitorRecord> currentRecord(const std::string& bundle) {
  ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, readMonitorRecord(bundle));
  bool synthesized = false;
  ProcProbe probe;
  MonitorRecord now = resolveRecord(rec, probe, unixNowNs(), &synthesized);
  if (!synthesized) return now;
  // The monitor writes its last record before it exits: read again now that it is known to
  // be gone, so its own record wins over our guess.
  ORCH_ASSIGN_OR_RETURN(MonitorRecord again, readMonitorRecord(bundle));
  if (again.state.phase == ProcessState::Phase::kExited) return again;
  (void)writeMonitorRecord(bundle, now);
  return now;
}

// Calls `done` whenever state.json may have changed (inotify on the bundle directory, and a
// periodic re-check for what no event tells: a monitor that died) until it returns true or
// `timeout` passes (ETIMEDOUT).
Result<MonitorRecord> waitRecord(const std::string& bundle, milliseconds timeout,
                                 const std::function<bool(const MonitorRecord&)>& done,
                                 const std::string& what) {
  UniqueFd ino(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (ino) {
    (void)::inotify_add_watch(ino.get(), bundle.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, currentRecord(bundle));
    if (done(rec)) return rec;
    auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Status::timeout(what + " " + bundle);
    int wait_ms = static_cast<int>(std::min<int64_t>(left.count(), 100));
    if (ino) {
      pollfd p{ino.get(), POLLIN, 0};
      if (::poll(&p, 1, wait_ms) > 0) {
        char buf[4096];
        while (::read(ino.get(), buf, sizeof buf) > 0) {
        }
      }
    } else {
      ::usleep(static_cast<useconds_t>(wait_ms) * 1000);
    }
  }
}

bool monitorAlive(const MonitorRecord& rec) {
  return isSameProcess(ProcProbe(), rec.state.monitor_pid, rec.monitor_start_time);
}

std::string uniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rng() & 0xffffffff);
}

Status unmountUnder(const std::string& bundle) {
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> targets,
                        mountPointsUnder(bundle, /*include_dir=*/true));
  for (const auto& t : targets) {
    if (::umount2(t.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
      return Status::fromErrno("unmount " + t);
    }
  }
  return Status::ok();
}

}  // namespace

Result<ProcessState> MonitorClient::start(const std::string& bundle_arg) const {
  std::string bundle = absolute(bundle_arg);
  ProcessOptions opts;
  opts.argv = {binary_, "run", bundle};
  Result<RunResult> run = runProcess(opts, "", kMonitorGrace);
  if (!run.ok()) return run.status().withContext("start orch-monitor for " + bundle);
  if (run->timed_out) return Status::timeout("orch-monitor run " + bundle + ": no start report");
  nlohmann::json j = nlohmann::json::parse(run->out, nullptr, /*allow_exceptions=*/false);
  Result<StartReport> report =
      j.is_discarded() ? Result<StartReport>(Status::invalid("no report")) : startReportFromJson(j);
  if (!report.ok()) {
    std::string err = run->err.empty() ? "exit code " + std::to_string(run->exit_code) : run->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    return Status::error(EPROTO, "orch-monitor run " + bundle + ": " + err);
  }
  if (!report->ok) {
    return Status::error(report->error_code != 0 ? report->error_code : EIO, report->message);
  }
  return state(bundle);
}

Result<ProcessState> MonitorClient::state(const std::string& bundle) {
  ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, currentRecord(absolute(bundle)));
  return rec.state;
}

Status MonitorClient::signal(const std::string& bundle, int sig) {
  ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, currentRecord(absolute(bundle)));
  if (rec.state.phase != ProcessState::Phase::kRunning) return Status::ok();
  if (!isSameProcess(ProcProbe(), rec.state.pid, rec.pid_start_time)) return Status::ok();
  if (::kill(rec.state.pid, sig) != 0 && errno != ESRCH) {
    return Status::fromErrno("kill " + std::to_string(rec.state.pid));
  }
  return Status::ok();
}

Result<ProcessState> MonitorClient::waitExited(const std::string& bundle, milliseconds timeout) {
  ORCH_ASSIGN_OR_RETURN(
      MonitorRecord rec,
      waitRecord(
          absolute(bundle), timeout,
          [](const MonitorRecord& r) { return r.state.phase == ProcessState::Phase::kExited; },
          "wait for the exit of"));
  return rec.state;
}

Status MonitorClient::reopenLog(const std::string& bundle_arg) {
  std::string bundle = absolute(bundle_arg);
  ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, currentRecord(bundle));
  if (rec.state.phase != ProcessState::Phase::kRunning || !monitorAlive(rec)) {
    return Status::error(ESRCH, "reopen log of " + bundle + ": the container is not running");
  }
  uint64_t before = rec.log_reopens;
  if (::kill(rec.state.monitor_pid, SIGUSR1) != 0) {
    return Status::fromErrno("signal orch-monitor " + std::to_string(rec.state.monitor_pid));
  }
  // Synchronous, as the kubelet expects: the monitor acknowledges in state.json.
  ORCH_ASSIGN_OR_RETURN(MonitorRecord after, waitRecord(
                                                 bundle, kReopenWait,
                                                 [before](const MonitorRecord& r) {
                                                   return r.log_reopens > before ||
                                                          r.state.phase ==
                                                              ProcessState::Phase::kExited;
                                                 },
                                                 "reopen the log of"));
  if (after.log_reopens <= before) {
    return Status::error(ESRCH, "reopen log of " + bundle + ": the container exited");
  }
  return Status::ok();
}

Result<ExecResult> MonitorClient::execSync(const std::string& bundle_arg,
                                           const std::vector<std::string>& argv,
                                           milliseconds timeout) const {
  std::string bundle = absolute(bundle_arg);
  if (argv.empty()) return Status::invalid("exec: empty command");
  std::string status_file = bundle + "/exec-" + uniqueSuffix() + ".status";
  ProcessOptions opts;
  opts.argv = {
      binary_,         "exec",      bundle, "--timeout-ms", std::to_string(timeout.count()),
      "--status-file", status_file, "--"};
  opts.argv.insert(opts.argv.end(), argv.begin(), argv.end());
  // orch-monitor enforces `timeout` itself (and kills the command); ours is a safety net.
  milliseconds limit = timeout.count() > 0 ? timeout + kMonitorGrace : milliseconds(INT32_MAX);
  Result<RunResult> run = runProcess(opts, "", limit);
  Result<ExecStatus> st = readExecStatus(status_file);
  ::unlink(status_file.c_str());
  if (!run.ok()) return run.status().withContext("exec in " + bundle);
  if (!st.ok()) {
    std::string err = run->err;
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (run->timed_out) return Status::timeout("exec in " + bundle + ": orch-monitor hung");
    return Status::error(EPROTO, "exec in " + bundle + ": orch-monitor exec failed" +
                                     (err.empty() ? "" : ": " + err));
  }
  if (!st->started) {
    return Status::error(st->error_code != 0 ? st->error_code : EIO, st->error);
  }
  if (st->timed_out) {
    return Status::timeout("exec in " + bundle + ": command timed out after " +
                           std::to_string(timeout.count()) + "ms");
  }
  return ExecResult{std::move(run->out), std::move(run->err), st->exit_code};
}

Status MonitorClient::updateResources(const std::string& bundle_arg,
                                      const ResourceSpec& resources) {
  std::string bundle = absolute(bundle_arg);
  ORCH_ASSIGN_OR_RETURN(LaunchSpec spec, readLaunchSpec(bundle));
  if (!spec.cgroup_path.empty()) {
    ORCH_ASSIGN_OR_RETURN(CgroupLayout layout, detectCgroupLayout());
    ORCH_RETURN_IF_ERROR(Cgroup::open(layout, spec.cgroup_path).update(resources));
  }
  // update() applies what is set; record the same.
  ResourceSpec& r = spec.resources;
  if (resources.cpu_shares != 0) r.cpu_shares = resources.cpu_shares;
  if (resources.cpu_quota != 0) r.cpu_quota = resources.cpu_quota;
  if (resources.cpu_period != 0) r.cpu_period = resources.cpu_period;
  if (resources.memory_limit_bytes != 0) r.memory_limit_bytes = resources.memory_limit_bytes;
  if (resources.pids_limit != 0) r.pids_limit = resources.pids_limit;
  if (!resources.cpuset_cpus.empty()) r.cpuset_cpus = resources.cpuset_cpus;
  if (!resources.cpuset_mems.empty()) r.cpuset_mems = resources.cpuset_mems;
  return writeLaunchSpec(bundle, spec).withContext("record resources");
}

Result<ContainerStats> MonitorClient::stats(const std::string& bundle_arg) {
  std::string bundle = absolute(bundle_arg);
  ORCH_ASSIGN_OR_RETURN(LaunchSpec spec, readLaunchSpec(bundle));
  ContainerStats out;
  out.timestamp_ns = unixNowNs();
  if (spec.cgroup_path.empty()) return out;
  ORCH_ASSIGN_OR_RETURN(CgroupLayout layout, detectCgroupLayout());
  ORCH_ASSIGN_OR_RETURN(CgroupStats cs, Cgroup::open(layout, spec.cgroup_path).stats());
  out.cpu_usage_ns = cs.cpu_usage_ns;
  out.memory_working_set_bytes = cs.memory_working_set_bytes;
  out.memory_usage_bytes = cs.memory_usage_bytes;
  out.memory_rss_bytes = cs.memory_rss_bytes;
  out.page_faults = cs.page_faults;
  out.major_page_faults = cs.major_page_faults;
  out.pids = cs.pids;
  return out;
}

Status MonitorClient::destroy(const std::string& bundle_arg) {
  std::string bundle = absolute(bundle_arg);
  Result<LaunchSpec> spec = readLaunchSpec(bundle);
  if (!spec.ok() && spec.status().code() != ENOENT) return spec.status();
  std::optional<Cgroup> cgroup;
  if (spec.ok() && !spec->cgroup_path.empty()) {
    ORCH_ASSIGN_OR_RETURN(CgroupLayout layout, detectCgroupLayout());
    cgroup = Cgroup::open(layout, spec->cgroup_path);
  }
  Result<MonitorRecord> rec = currentRecord(bundle);
  if (!rec.ok() && rec.status().code() != ENOENT) return rec.status();
  if (rec.ok() && rec->state.phase != ProcessState::Phase::kExited) {
    if (cgroup) {
      Status k = cgroup->killAll();
      if (!k.isOk() && k.code() != ENOENT) return k.withContext("destroy " + bundle);
    }
    // Also without a cgroup (or if the process left it).
    if (rec->state.phase == ProcessState::Phase::kRunning &&
        isSameProcess(ProcProbe(), rec->state.pid, rec->pid_start_time)) {
      ::kill(rec->state.pid, SIGKILL);
    }
    // The monitor records the exit; a dead one's is recorded by currentRecord().
    ORCH_RETURN_IF_ERROR(waitExited(bundle, kDestroyWait).status());
  }
  if (cgroup) {
    // Whatever is left (children in a shared pid namespace, exec'd processes).
    Status k = cgroup->killAll();
    if (!k.isOk() && k.code() != ENOENT) return k.withContext("destroy " + bundle);
    ORCH_RETURN_IF_ERROR(cgroup->remove().withContext("destroy " + bundle));
  }
  return unmountUnder(bundle).withContext("destroy " + bundle);
}

}  // namespace orch::shim
