#include "common/base/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

namespace orch {

namespace {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::fromErrno("pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<char*> cArray(std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn's attributes and file actions, released on every path.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

// posix_spawn rather than fork: glibc starts the child with CLONE_VM|CLONE_VFORK, so a large,
// busy, multi-threaded parent (orch-shim starting monitors and CNI plugins) neither copies its
// page tables nor takes copy-on-write faults until the child has exec'd. Exec and chdir
// failures come back as posix_spawn's result.
Result<Process> Process::spawn(const ProcessOptions& opts) {
  if (opts.argv.empty()) return Status::invalid("spawn: empty argv");
  std::vector<std::string> argv_store = opts.argv;
  std::vector<std::string> env_store = opts.env.value_or(std::vector<std::string>{});
  std::vector<char*> argv = cArray(argv_store);
  std::vector<char*> envp = cArray(env_store);

  Pipe in, out, err;
  UniqueFd devnull;
  if (opts.pipe_stdin) {
    ORCH_ASSIGN_OR_RETURN(in, makePipe());
  } else {
    devnull.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!devnull) return Status::fromErrno("open /dev/null");
  }
  if (opts.pipe_stdout) {
    ORCH_ASSIGN_OR_RETURN(out, makePipe());
  }
  if (opts.pipe_stderr) {
    ORCH_ASSIGN_OR_RETURN(err, makePipe());
  }

  SpawnSetup setup;
  // Daemons block signals and ignore SIGPIPE: neither may reach the child (an ignored signal
  // survives exec).
  sigset_t none, pipe_default;
  sigemptyset(&none);
  sigemptyset(&pipe_default);
  sigaddset(&pipe_default, SIGPIPE);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  if (opts.new_session) flags |= POSIX_SPAWN_SETSID;
  posix_spawnattr_setflags(&setup.attr, flags);
  posix_spawnattr_setsigmask(&setup.attr, &none);
  posix_spawnattr_setsigdefault(&setup.attr, &pipe_default);
  const int in_fd = opts.pipe_stdin ? in.read.get() : devnull.get();
  const int out_fd = opts.pipe_stdout ? out.write.get() : opts.stdout_to;
  const int err_fd = opts.pipe_stderr ? err.write.get() : opts.stderr_to;
  // dup2 onto 0/1/2 (clearing close-on-exec; the originals are all O_CLOEXEC).
  posix_spawn_file_actions_adddup2(&setup.actions, in_fd, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&setup.actions, out_fd, 1);
  if (err_fd >= 0) posix_spawn_file_actions_adddup2(&setup.actions, err_fd, 2);
  if (!opts.working_dir.empty())
    posix_spawn_file_actions_addchdir_np(&setup.actions, opts.working_dir.c_str());

  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv.data(),
                          opts.env ? envp.data() : environ);
  if (rc != 0) return Status::error(rc, "exec " + opts.argv[0]);
  Process p;
  p.pid_ = pid;
  p.stdin_ = std::move(in.write);
  p.stdout_ = std::move(out.read);
  p.stderr_ = std::move(err.read);
  return p;
}

Process::Process(Process&& o) noexcept
    : pid_(std::exchange(o.pid_, -1)),
      reaped_(o.reaped_),
      status_(o.status_),
      stdin_(std::move(o.stdin_)),
      stdout_(std::move(o.stdout_)),
      stderr_(std::move(o.stderr_)) {}

Process& Process::operator=(Process&& o) noexcept {
  if (this != &o) {
    this->~Process();
    new (this) Process(std::move(o));
  }
  return *this;
}

Process::~Process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    (void)wait();
  }
}

Status Process::signal(int sig) {
  if (!running()) return Status::error(ESRCH, "signal: process already reaped");
  if (::kill(pid_, sig) != 0) return Status::fromErrno("kill " + std::to_string(pid_));
  return Status::ok();
}

Result<int> Process::wait() {
  if (pid_ <= 0) return Status::error(ECHILD, "wait: no process");
  if (reaped_) return status_;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &st, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return Status::fromErrno("waitpid " + std::to_string(pid_));
  reaped_ = true;
  status_ = st;
  return st;
}

Result<std::optional<int>> Process::tryWait() {
  if (pid_ <= 0) return Status::error(ECHILD, "wait: no process");
  if (reaped_) return std::optional<int>(status_);
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r < 0) return Status::fromErrno("waitpid " + std::to_string(pid_));
  if (r == 0) return std::optional<int>();
  reaped_ = true;
  status_ = st;
  return std::optional<int>(st);
}

Result<RunResult> runProcess(ProcessOptions opts, std::string_view input,
                             std::chrono::milliseconds timeout) {
  opts.pipe_stdin = true;
  opts.pipe_stdout = true;
  opts.pipe_stderr = true;
  ORCH_ASSIGN_OR_RETURN(Process p, Process::spawn(opts));
  RunResult res;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t written = 0;
  if (input.empty()) p.stdinFd().reset();
  // Writes to a child that exited early must fail with EPIPE, not kill us.
  static const bool sigpipe_ignored = [] { return ::signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();
  (void)sigpipe_ignored;
  ::fcntl(p.stdinFd().get(), F_SETFL, O_NONBLOCK);
  char buf[16384];
  while (p.stdoutFd() || p.stderrFd() || p.stdinFd()) {
    pollfd fds[3];
    int n = 0;
    int in_idx = -1, out_idx = -1, err_idx = -1;
    if (p.stdinFd()) fds[in_idx = n++] = {p.stdinFd().get(), POLLOUT, 0};
    if (p.stdoutFd()) fds[out_idx = n++] = {p.stdoutFd().get(), POLLIN, 0};
    if (p.stderrFd()) fds[err_idx = n++] = {p.stderrFd().get(), POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      res.timed_out = true;
      break;
    }
    int r = ::poll(fds, n, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Status::fromErrno("poll child pipes");
    if (r == 0) continue;
    if (in_idx >= 0 && fds[in_idx].revents != 0) {
      ssize_t w = ::write(p.stdinFd().get(), input.data() + written, input.size() - written);
      if (w < 0 && errno != EAGAIN && errno != EINTR) {
        p.stdinFd().reset();  // the child closed its stdin: stop feeding it
      } else if (w > 0) {
        written += static_cast<size_t>(w);
        if (written == input.size()) p.stdinFd().reset();
      }
    }
    auto drain = [&](int idx, UniqueFd& fd, std::string& sink) {
      if (idx < 0 || fds[idx].revents == 0) return;
      ssize_t got = ::read(fd.get(), buf, sizeof buf);
      if (got > 0) {
        sink.append(buf, static_cast<size_t>(got));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
      }
    };
    drain(out_idx, p.stdoutFd(), res.out);
    drain(err_idx, p.stderrFd(), res.err);
  }
  if (res.timed_out) (void)p.signal(SIGKILL);
  ORCH_ASSIGN_OR_RETURN(int st, p.wait());
  if (WIFEXITED(st)) res.exit_code = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) res.term_signal = WTERMSIG(st);
  return res;
}

}  // namespace orch
