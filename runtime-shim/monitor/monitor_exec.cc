#include "runtime-shim/monitor/monitor_exec.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "common/base/file_util.h"
#include "runtime-shim/container/launcher.h"
#include "runtime-shim/monitor/bundle_state.h"
#include "runtime-shim/monitor/liveness.h"
#include "runtime-shim/monitor/monitor_protocol.h"
#include "runtime-shim/monitor/sys_util.h"

namespace orch::shim {

namespace {

struct Relay {
  UniqueFd from;
  int to;
};

void relayOnce(Relay& r) {
  char buf[32 * 1024];
  ssize_t n = readSome(r.from.get(), buf, sizeof buf);
  if (n > 0) {
    // A client that stopped reading must not keep us from reaping the command.
    (void)writeAll(r.to, std::string_view(buf, static_cast<size_t>(n)), "relay");
  } else if (n == 0 || n == -2) {
    r.from.reset();
  }
}

Result<pid_t> startCommand(const ExecCommand& cmd, Relay* out, Relay* err) {
  ORCH_ASSIGN_OR_RETURN(LaunchSpec spec, readLaunchSpec(cmd.bundle));
  ORCH_ASSIGN_OR_RETURN(MonitorRecord rec, readMonitorRecord(cmd.bundle));
  if (rec.state.phase != ProcessState::Phase::kRunning ||
      !isSameProcess(ProcProbe(), rec.state.pid, rec.pid_start_time)) {
    return Status::error(ESRCH, "exec in " + cmd.bundle + ": the process is not running");
  }
  ORCH_ASSIGN_OR_RETURN(PipePair o, makeOutputPipe());
  ORCH_ASSIGN_OR_RETURN(PipePair e, makeOutputPipe());
  StdioFds stdio{.in = -1, .out = o.write.get(), .err = e.write.get()};
  ORCH_ASSIGN_OR_RETURN(pid_t pid, execInside(spec, rec.state.pid, cmd.argv, stdio));
  *out = Relay{std::move(o.read), STDOUT_FILENO};
  *err = Relay{std::move(e.read), STDERR_FILENO};
  return pid;
}

}  // namespace

int runExecCommand(const ExecCommand& cmd) {
  closeFrom(3);
  ExecStatus status;
  auto finish = [&](int code) {
    if (!cmd.status_file.empty()) (void)writeExecStatus(cmd.status_file, status);
    return code;
  };
  Relay out{UniqueFd(), STDOUT_FILENO}, err{UniqueFd(), STDERR_FILENO};
  Result<pid_t> started = startCommand(cmd, &out, &err);
  if (!started.ok()) {
    status.error_code = started.status().code();
    status.error = started.status().message();
    std::string msg = "orch-monitor exec: " + status.error + "\n";
    (void)!::write(STDERR_FILENO, msg.data(), msg.size());
    return finish(kExecExitNotStarted);
  }
  status.started = true;
  pid_t pid = *started;
  // As in the monitor: block only after the spawn, so the command keeps default signals.
  ::signal(SIGPIPE, SIG_IGN);
  Result<UniqueFd> sigfd = blockIntoSignalFd({SIGCHLD, SIGTERM, SIGINT, SIGHUP});
  if (!sigfd.ok()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    status.started = false;
    status.error_code = sigfd.status().code();
    status.error = sigfd.status().message();
    return finish(kExecExitNotStarted);
  }
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> deadline;
  if (cmd.timeout_ms > 0) deadline = Clock::now() + std::chrono::milliseconds(cmd.timeout_ms);

  std::optional<int> wait_status;
  auto reap = [&] {
    int st = 0;
    while (true) {
      pid_t r = ::waitpid(-1, &st, WNOHANG);
      if (r <= 0) return;
      if (r == pid) wait_status = st;
    }
  };
  reap();
  while (!wait_status) {
    pollfd fds[3];
    nfds_t n = 0;
    fds[n++] = {sigfd->get(), POLLIN, 0};
    int out_idx = out.from ? static_cast<int>(n++) : -1;
    if (out_idx >= 0) fds[out_idx] = {out.from.get(), POLLIN, 0};
    int err_idx = err.from ? static_cast<int>(n++) : -1;
    if (err_idx >= 0) fds[err_idx] = {err.from.get(), POLLIN, 0};
    int wait_ms = -1;
    if (deadline && !status.timed_out) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      if (left <= 0) {
        ::kill(pid, SIGKILL);
        status.timed_out = true;
        continue;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(left + 1, 1 << 30));
    }
    int r = ::poll(fds, n, wait_ms);
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    if (out_idx >= 0 && fds[out_idx].revents != 0) relayOnce(out);
    if (err_idx >= 0 && fds[err_idx].revents != 0) relayOnce(err);
    if (fds[0].revents != 0) {
      signalfd_siginfo si;
      while (::read(sigfd->get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        // Whoever stops us stops the command too: it must not outlive its ExecSync.
        if (si.ssi_signo != SIGCHLD) ::kill(pid, SIGKILL);
      }
      reap();
    }
  }
  if (!wait_status) {
    ::kill(pid, SIGKILL);
    int st = 0;
    ::waitpid(pid, &st, 0);
    wait_status = st;
  }
  // The command is gone; what it wrote is in the pipes. Relay that without waiting for EOF.
  for (Relay* r : {&out, &err}) {
    while (r->from) {
      char buf[32 * 1024];
      ssize_t got = readSome(r->from.get(), buf, sizeof buf);
      if (got <= 0) break;
      (void)writeAll(r->to, std::string_view(buf, static_cast<size_t>(got)), "relay");
    }
  }
  status.exit_code = exitCodeFromWaitStatus(*wait_status);
  return finish(status.timed_out ? kExecExitTimedOut : status.exit_code);
}

}  // namespace orch::shim
