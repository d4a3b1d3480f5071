#include "runtime-shim/monitor/monitor_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <cstdio>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/container/launcher.h"
#include "runtime-shim/monitor/bundle_state.h"
#include "runtime-shim/monitor/cri_log.h"
#include "runtime-shim/monitor/liveness.h"
#include "runtime-shim/monitor/monitor_protocol.h"
#include "runtime-shim/monitor/sys_util.h"

namespace orch::shim {

namespace {

// One output stream of the process: the read end and its line writer.
struct Output {
  UniqueFd fd;
  CriStreamWriter writer;
};

class Monitor {
 public:
  Monitor(std::string bundle, UniqueFd report)
      : bundle_(std::move(bundle)), report_(std::move(report)) {}

  // Never returns.
  [[noreturn]] void run();
  // The supervising half after the re-exec (superviseMonitorCommand). Never returns.
  [[noreturn]] void supervise(MonitorRecord rec, UniqueFd sigfd, const std::string& log_path,
                              const std::string& cgroup_path,
                              std::vector<std::pair<std::string, UniqueFd>> outputs);

 private:
  // Starts the process; on failure records a StartError.
  Status start();
  Status setupStdio(StdioFds* stdio, std::vector<UniqueFd>* child_ends);
  void sendReport(const Status& s);
  // Re-executes this program as `supervise`; returns only when that failed.
  void handOver();
  [[noreturn]] void superviseUntilExit();
  void loop();
  void onSignals();
  void reap();
  void pump(Output& out);
  void drainAll();
  void recordExit();
  void saveRecord();

  std::string bundle_;
  UniqueFd report_;
  LaunchSpec spec_;
  MonitorRecord rec_;
  std::optional<CriLogFile> log_;
  std::vector<Output> outputs_;
  UniqueFd sigfd_;
  std::optional<int> wait_status_;
  bool exists_ = false;  // state.json was there before us: never overwrite it
};

void Monitor::saveRecord() {
  (void)writeMonitorRecord(bundle_, rec_);
}

void Monitor::sendReport(const Status& s) {
  if (!report_) return;
  StartReport r{.ok = s.isOk(), .error_code = s.code(), .message = s.isOk() ? "" : s.message()};
  std::string text = toJson(r).dump() + "\n";
  // The reader may be gone (killed client): no SIGPIPE for that.
  (void)::send(report_.get(), text.data(), text.size(), MSG_NOSIGNAL);
  report_.reset();
}

Status Monitor::setupStdio(StdioFds* stdio, std::vector<UniqueFd>* child_ends) {
  auto now = [] { return unixNowNs(); };
  if (spec_.tty) {
    // O_NOCTTY everywhere: we are a session leader and must not acquire the terminal.
    UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!master) return Status::fromErrno("open pty master");
    if (::grantpt(master.get()) != 0 || ::unlockpt(master.get()) != 0) {
      return Status::fromErrno("unlock pty");
    }
    char name[128];
    if (::ptsname_r(master.get(), name, sizeof name) != 0) return Status::fromErrno("ptsname");
    UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!slave) return Status::fromErrno(std::string("open ") + name);
    if (::fcntl(master.get(), F_SETFL, O_NONBLOCK) != 0) return Status::fromErrno("fcntl pty");
    *stdio = StdioFds{.in = slave.get(), .out = slave.get(), .err = slave.get()};
    child_ends->push_back(std::move(slave));
    outputs_.push_back(Output{std::move(master), CriStreamWriter("stdout", &*log_, now)});
    return Status::ok();
  }
  ORCH_ASSIGN_OR_RETURN(PipePair out, makeOutputPipe());
  ORCH_ASSIGN_OR_RETURN(PipePair err, makeOutputPipe());
  *stdio = StdioFds{.in = -1, .out = out.write.get(), .err = err.write.get()};
  child_ends->push_back(std::move(out.write));
  child_ends->push_back(std::move(err.write));
  outputs_.push_back(Output{std::move(out.read), CriStreamWriter("stdout", &*log_, now)});
  outputs_.push_back(Output{std::move(err.read), CriStreamWriter("stderr", &*log_, now)});
  return Status::ok();
}

Status Monitor::start() {
  rec_.state.monitor_pid = ::getpid();
  rec_.monitor_start_time = procStartTime(::getpid()).value_or(0);
  struct stat st;
  if (::lstat(statePath(bundle_).c_str(), &st) == 0) {
    exists_ = true;
    return Status::exists("start " + bundle_ + ": already started (state.json exists)");
  }
  Result<LaunchSpec> spec = readLaunchSpec(bundle_);
  if (!spec.ok()) return spec.status();
  spec_ = std::move(spec).value();
  rec_.state.phase = ProcessState::Phase::kCreated;
  ORCH_RETURN_IF_ERROR(writeMonitorRecord(bundle_, rec_));

  log_.emplace(spec_.log_path);
  ORCH_RETURN_IF_ERROR(log_->open());
  // A cgroup that already exists (reused path) may have counted OOM kills before; a new
  // one starts at 0.
  if (!spec_.cgroup_path.empty()) {
    Result<CgroupLayout> layout = detectCgroupLayout();
    if (layout.ok()) {
      Result<uint64_t> n = Cgroup::open(*layout, spec_.cgroup_path).oomKillCount();
      if (n.ok()) rec_.oom_kills_at_start = *n;
    }
  }

  StdioFds stdio;
  std::vector<UniqueFd> child_ends;
  ORCH_RETURN_IF_ERROR(setupStdio(&stdio, &child_ends));
  // The process must not inherit our ignored SIGPIPE (dispositions other than handlers
  // survive exec); signals are blocked only after the spawn for the same reason.
  ::signal(SIGPIPE, SIG_DFL);
  Result<pid_t> pid = spawnProcess(spec_, stdio);
  child_ends.clear();
  if (!pid.ok()) return pid.status();
  rec_.state.pid = *pid;
  rec_.pid_start_time = procStartTime(*pid).value_or(0);
  rec_.state.started_at_ns = unixNowNs();
  rec_.state.phase = ProcessState::Phase::kRunning;
  return Status::ok();
}

void Monitor::run() {
  Status s = start();
  if (s.isOk()) {
    ::signal(SIGPIPE, SIG_IGN);
    ::signal(SIGHUP, SIG_IGN);
    Result<UniqueFd> sigfd = blockIntoSignalFd({SIGCHLD, SIGUSR1, SIGTERM, SIGINT});
    if (sigfd.ok()) {
      sigfd_ = std::move(sigfd).value();
      // state.json says running before the client hears about it.
      s = writeMonitorRecord(bundle_, rec_);
    } else {
      s = sigfd.status();
    }
    if (!s.isOk()) {
      // Without a signalfd we could not see the exit; without state.json nobody could find
      // us. Either way the process must not run unsupervised.
      ::kill(rec_.state.pid, SIGKILL);
      ::waitpid(rec_.state.pid, nullptr, 0);
    }
  }
  if (!s.isOk()) {
    if (!exists_) {
      rec_.state.phase = ProcessState::Phase::kExited;
      rec_.state.exit_code = 128;
      rec_.state.reason = "StartError";
      rec_.state.message = s.message();
      rec_.state.finished_at_ns = unixNowNs();
      saveRecord();
    }
    sendReport(s);
    ::_exit(1);
  }
  sendReport(s);
  handOver();
  superviseUntilExit();  // the re-exec failed: supervise from here
}

void Monitor::handOver() {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  std::vector<std::string> args = {exe,
                                   "supervise",
                                   bundle_,
                                   toJson(rec_).dump(),
                                   std::to_string(sigfd_.get()),
                                   spec_.log_path,
                                   spec_.cgroup_path};
  std::vector<int> fds = {sigfd_.get()};
  for (const Output& o : outputs_) {
    args.push_back(o.writer.stream() + "=" + std::to_string(o.fd.get()));
    fds.push_back(o.fd.get());
  }
  for (int fd : fds) (void)::fcntl(fd, F_SETFD, 0);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(exe, argv.data());
  for (int fd : fds) (void)::fcntl(fd, F_SETFD, FD_CLOEXEC);
}

void Monitor::supervise(MonitorRecord rec, UniqueFd sigfd, const std::string& log_path,
                        const std::string& cgroup_path,
                        std::vector<std::pair<std::string, UniqueFd>> outputs) {
  rec_ = std::move(rec);
  spec_.log_path = log_path;
  spec_.cgroup_path = cgroup_path;
  sigfd_ = std::move(sigfd);
  (void)::fcntl(sigfd_.get(), F_SETFD, FD_CLOEXEC);
  log_.emplace(log_path);
  (void)log_->open();  // a log that cannot be opened counts write errors; output is drained
  auto now = [] { return unixNowNs(); };
  for (auto& [stream, fd] : outputs) {
    (void)::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
    outputs_.push_back(Output{std::move(fd), CriStreamWriter(stream, &*log_, now)});
  }
  superviseUntilExit();
}

void Monitor::superviseUntilExit() {
  reap();  // an exit before the signals were blocked sent a SIGCHLD nobody saw
  loop();
  drainAll();
  recordExit();
  ::_exit(0);
}

void Monitor::loop() {
  while (!wait_status_) {
    std::vector<pollfd> fds;
    fds.push_back({sigfd_.get(), POLLIN, 0});
    for (auto& o : outputs_) fds.push_back({o.fd.get(), POLLIN, 0});
    int r = ::poll(fds.data(), fds.size(), -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      ::_exit(2);  // broken invariant: poll on our own fds
    }
    // Output first, so what the process wrote before it exited is in the log ahead of the
    // exit record.
    for (size_t i = 0; i < outputs_.size(); ++i) {
      if (fds[i + 1].revents != 0) pump(outputs_[i]);
    }
    std::erase_if(outputs_, [](const Output& o) { return !o.fd; });
    if (fds[0].revents != 0) onSignals();
  }
}

void Monitor::onSignals() {
  signalfd_siginfo si;
  bool child = false;
  while (::read(sigfd_.get(), &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
    switch (si.ssi_signo) {
      case SIGCHLD:
        child = true;
        break;
      case SIGUSR1:
        if (log_) (void)log_->reopen();
        ++rec_.log_reopens;
        saveRecord();
        break;
      case SIGTERM:
      case SIGINT:
        ::kill(rec_.state.pid, static_cast<int>(si.ssi_signo));
        break;
      default:
        break;
    }
  }
  if (child) reap();
}

void Monitor::reap() {
  for (;;) {
    int st = 0;
    pid_t r = ::waitpid(-1, &st, WNOHANG);
    if (r <= 0) return;
    if (r == rec_.state.pid) wait_status_ = st;
  }
}

void Monitor::pump(Output& out) {
  char buf[32 * 1024];
  // One read per wake-up keeps both streams interleaved as they come.
  ssize_t n = readSome(out.fd.get(), buf, sizeof buf);
  if (n > 0) {
    out.writer.write(std::string_view(buf, static_cast<size_t>(n)));
  } else if (n == 0 || n == -2) {
    out.writer.finish();
    out.fd.reset();
  }
}

void Monitor::drainAll() {
  // Whatever the process wrote is in the pipes by now. Read it, but do not wait for EOF:
  // a background child that inherited the pipe may keep it open for ever.
  char buf[32 * 1024];
  for (auto& o : outputs_) {
    for (;;) {
      ssize_t n = readSome(o.fd.get(), buf, sizeof buf);
      if (n <= 0) break;
      o.writer.write(std::string_view(buf, static_cast<size_t>(n)));
    }
    o.writer.finish();
    o.fd.reset();
  }
  outputs_.clear();
}

void Monitor::recordExit() {
  ProcessState& s = rec_.state;
  s.phase = ProcessState::Phase::kExited;
  s.finished_at_ns = unixNowNs();
  s.exit_code = exitCodeFromWaitStatus(*wait_status_);
  s.reason = s.exit_code == 0 ? "Completed" : "Error";
  s.message.clear();
  if (!spec_.cgroup_path.empty()) {
    Result<CgroupLayout> layout = detectCgroupLayout();
    if (layout.ok()) {
      Result<uint64_t> n = Cgroup::open(*layout, spec_.cgroup_path).oomKillCount();
      if (n.ok() && *n > rec_.oom_kills_at_start) {
        s.reason = "OOMKilled";
        s.message = "the OOM killer killed " + std::to_string(*n - rec_.oom_kills_at_start) +
                    " process(es) of the container";
      }
    }
  }
  saveRecord();
}

// A non-negative fd number, or -1.
int parseFd(std::string_view text) {
  int fd = -1;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), fd);
  return ec == std::errc() && p == text.data() + text.size() && fd >= 0 ? fd : -1;
}

}  // namespace

void superviseMonitorCommand(int argc, char** argv) {
  // bundle, record, signalfd, log path, cgroup path, then at least one stream=fd.
  auto broken = [](const char* what) {
    // Only a hand-over from an incompatible binary gets here; the process is left to run.
    std::fprintf(stderr, "orch-monitor supervise: %s\n", what);
    ::_exit(2);
  };
  if (argc < 6) broken("usage: supervise <bundle> <record> <signalfd> <log> <cgroup> s=fd...");
  nlohmann::json j = nlohmann::json::parse(argv[1], nullptr, /*allow_exceptions=*/false);
  Result<MonitorRecord> rec =
      j.is_discarded() ? Result<MonitorRecord>(Status::invalid("json")) : monitorRecordFromJson(j);
  if (!rec.ok()) broken("bad record");
  int sigfd = parseFd(argv[2]);
  if (sigfd < 0) broken("bad signalfd");
  std::vector<std::pair<std::string, UniqueFd>> outputs;
  for (int i = 5; i < argc; ++i) {
    std::string_view a = argv[i];
    size_t eq = a.find('=');
    int fd = eq == std::string_view::npos ? -1 : parseFd(a.substr(eq + 1));
    if (fd < 0) broken("bad stream=fd");
    outputs.emplace_back(std::string(a.substr(0, eq)), UniqueFd(fd));
  }
  Monitor m(argv[0], UniqueFd());
  m.supervise(std::move(rec).value(), UniqueFd(sigfd), argv[3], argv[4], std::move(outputs));
}

int runMonitorCommand(const std::string& bundle) {
  // This process writes the report to the client's pipe; a client gone must not kill it.
  ::signal(SIGPIPE, SIG_IGN);
  closeFrom(3);
  ::umask(022);
  int sp[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
    std::string text =
        toJson(StartReport{.ok = false, .error_code = errno, .message = "socketpair"}).dump();
    (void)!::write(STDOUT_FILENO, (text + "\n").data(), text.size() + 1);
    return 1;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::string text =
        toJson(StartReport{.ok = false, .error_code = errno, .message = "fork monitor"}).dump();
    (void)!::write(STDOUT_FILENO, (text + "\n").data(), text.size() + 1);
    return 1;
  }
  if (pid == 0) {
    ::close(sp[0]);
    ::setsid();
    // Detach from the client: its pipes must see EOF once our parent exits, and we must not
    // pin the directory it ran us in.
    (void)stdioToDevNull();
    (void)!::chdir("/");
    Monitor m(bundle, UniqueFd(sp[1]));
    m.run();
  }
  ::close(sp[1]);
  std::string report;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(sp[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  ::close(sp[0]);
  nlohmann::json j = nlohmann::json::parse(report, nullptr, /*allow_exceptions=*/false);
  Result<StartReport> r =
      j.is_discarded() ? Result<StartReport>(Status::invalid("no report")) : startReportFromJson(j);
  if (!r.ok()) {
    // The monitor died before reporting: reap it, it is still our child.
    int st = 0;
    ::waitpid(pid, &st, 0);
    StartReport dead{.ok = false,
                     .error_code = ECHILD,
                     .message = "orch-monitor exited before reporting the start (status " +
                                std::to_string(exitCodeFromWaitStatus(st)) + ")"};
    report = toJson(dead).dump() + "\n";
  }
  (void)writeAll(STDOUT_FILENO, report, "stdout");
  return r.ok() && r->ok ? 0 : 1;
}

}  // namespace orch::shim
