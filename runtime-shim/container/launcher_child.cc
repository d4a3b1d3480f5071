#include "runtime-shim/container/launcher_child.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "runtime-shim/container/capabilities.h"
#include "runtime-shim/container/process_setup.h"

namespace orch::shim {

namespace {

constexpr size_t kMaxMessage = 3000;

[[noreturn]] void failChild(int err_fd, const Status& s) {
  char buf[sizeof(int) + kMaxMessage];
  int code = s.code();
  std::memcpy(buf, &code, sizeof code);
  size_t n = std::min(s.context().size(), kMaxMessage);
  std::memcpy(buf + sizeof code, s.context().data(), n);
  // One write below PIPE_BUF: the parent sees all of it or nothing.
  ssize_t ignored = ::write(err_fd, buf, sizeof code + n);
  (void)ignored;
  _exit(127);
}

// Moves the three stdio fds onto 0, 1, 2 (dup'ing them above 2 first so they can't clobber
// each other) and clears CLOEXEC on them.
Status setupStdio(const StdioFds& stdio) {
  int fds[3] = {stdio.in, stdio.out, stdio.err};
  int high[3];
  for (int i = 0; i < 3; ++i) {
    high[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (high[i] < 0) return Status::fromErrno("dup stdio");
  }
  for (int i = 0; i < 3; ++i) {
    if (dup2(high[i], i) < 0) return Status::fromErrno("dup2 stdio");
    ::close(high[i]);
  }
  return Status::ok();
}

const char* nsName(int type) {
  switch (type) {
    case CLONE_NEWIPC:
      return "ipc";
    case CLONE_NEWUTS:
      return "uts";
    case CLONE_NEWNET:
      return "net";
    case CLONE_NEWCGROUP:
      return "cgroup";
    case CLONE_NEWNS:
      return "mnt";
    default:
      return "?";
  }
}

// The child's first part, while the parent moves it into its cgroup (on cgroup v1 that
// waits for an RCU grace period): what does not depend on the cgroup.
Status setUpBeforeCgroup(ChildPlan& plan) {
  const LaunchSpec& spec = *plan.spec;
  ORCH_RETURN_IF_ERROR(setupStdio(plan.stdio));
  if (::setsid() < 0) return Status::fromErrno("setsid");
  if (plan.controlling_tty && ::ioctl(0, TIOCSCTTY, 0) != 0)
    return Status::fromErrno("set the controlling tty");

  for (auto& [type, fd] : plan.join) {
    if (::setns(fd.get(), type) != 0) {
      return Status::fromErrno(std::string("join ") + nsName(type) + " namespace");
    }
  }
  if (plan.unshare_mnt_after_join && ::unshare(CLONE_NEWNS) != 0) {
    return Status::fromErrno("unshare mnt namespace");
  }
  if (plan.own_mount_ns) ORCH_RETURN_IF_ERROR(prepareRootfs(spec, plan.rootfs));
  if (plan.set_hostname) ORCH_RETURN_IF_ERROR(setHostname(spec.hostname));
  if (plan.apply_sysctls) ORCH_RETURN_IF_ERROR(writeSysctls(spec.sysctls));
  if (plan.own_mount_ns) ORCH_RETURN_IF_ERROR(finishRootfs(spec));
  return Status::ok();
}

// The rest, once in the cgroup: limits, security, exec. Returns only on failure.
Status execAfterCgroup(ChildPlan& plan) {
  const LaunchSpec& spec = *plan.spec;
  // In the cgroup by now, so that it becomes the namespace's root.
  if (plan.new_cgroup_ns && ::unshare(CLONE_NEWCGROUP) != 0) {
    return Status::fromErrno("unshare cgroup namespace");
  }
  ORCH_RETURN_IF_ERROR(applyRlimits(spec.rlimits));
  if (plan.apply_oom_score_adj) ORCH_RETURN_IF_ERROR(applyOomScoreAdj(spec.oom_score_adj));

  // Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still there (runc's
  // order); with it, last, so that it does not have to allow our own setup calls.
  if (plan.seccomp && !spec.no_new_privs) ORCH_RETURN_IF_ERROR(plan.seccomp->load());
  ORCH_RETURN_IF_ERROR(dropBoundingSet(plan.caps));
  ORCH_RETURN_IF_ERROR(switchUser(spec.uid, spec.gid, spec.additional_gids));
  ORCH_RETURN_IF_ERROR(setCapabilities(plan.caps));
  if (::chdir(spec.cwd.c_str()) != 0) return Status::fromErrno("chdir " + spec.cwd);
  ORCH_ASSIGN_OR_RETURN(std::string exe, lookPath(plan.argv[0], pathFromEnv(spec.env)));
  if (spec.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return Status::fromErrno("prctl PR_SET_NO_NEW_PRIVS");
  }

  std::vector<char*> argv;
  for (std::string& a : plan.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = spec.env;
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Nothing but stdio survives exec (the error pipe is CLOEXEC already).
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (plan.seccomp && spec.no_new_privs) ORCH_RETURN_IF_ERROR(plan.seccomp->load());
  ::execve(exe.c_str(), argv.data(), envp.data());
  return Status::fromErrno("exec \"" + plan.argv[0] + "\"");
}

// Reads the child's report: ok on EOF without data (exec'd).
Status readReport(int fd) {
  std::string data;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::fromErrno("read the launcher's error pipe");
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  if (data.empty()) return Status::ok();
  if (data.size() < sizeof(int)) return Status::error(EIO, "launch: truncated error report");
  int code;
  std::memcpy(&code, data.data(), sizeof code);
  return Status::error(code == 0 ? EIO : code, data.substr(sizeof code));
}

void reap(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

Result<std::pair<UniqueFd, UniqueFd>> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::fromErrno("pipe");
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

// A socket pair for the go byte: send(MSG_NOSIGNAL) never raises SIGPIPE in the caller.
Result<std::pair<UniqueFd, UniqueFd>> makeSyncPair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Status::fromErrno("socketpair");
  }
  return std::make_pair(UniqueFd(fds[0]), UniqueFd(fds[1]));
}

// The caller's handlers, ignored signals (SIGPIPE, say) and blocked mask (a signalfd) must
// not leak into the container: handlers reset at exec anyway, ignores and masks do not.
// The raw system call, because glibc refuses its reserved real-time signals (32, 33), and an
// ignored one of those (inherited from whoever started us) would leak too.
void resetSignals() {
  struct KernelSigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)();
    uint64_t mask;
  } dfl = {SIG_DFL, 0, nullptr, 0};
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP)
      ::syscall(SYS_rt_sigaction, sig, &dfl, nullptr, sizeof dfl.mask);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace

Result<pid_t> launchChild(ChildPlan& plan) {
  ORCH_ASSIGN_OR_RETURN(auto err_pipe, makePipe());
  ORCH_ASSIGN_OR_RETURN(auto sync_pipe, makeSyncPair());

  UniqueFd own_pid_ns;
  if (plan.join_pid) {
    own_pid_ns.reset(::open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC));
    if (!own_pid_ns) return Status::fromErrno("open /proc/self/ns/pid");
    if (::setns(plan.join_pid.get(), CLONE_NEWPID) != 0) {
      return Status::fromErrno("join pid namespace");
    }
  }
  // A fork-like clone (no new stack): the child continues right here on a copy of ours.
  long rc = ::syscall(SYS_clone, plan.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
  if (rc == 0) {
    resetSignals();
    err_pipe.first.reset();
    sync_pipe.second.reset();
    Status s = setUpBeforeCgroup(plan);
    if (!s.isOk()) failChild(err_pipe.second.get(), s);
    char go;
    ssize_t n;
    while ((n = ::read(sync_pipe.first.get(), &go, 1)) < 0 && errno == EINTR) {
    }
    if (n != 1) _exit(127);  // the parent gave up
    sync_pipe.first.reset();
    s = execAfterCgroup(plan);
    failChild(err_pipe.second.get(), s.isOk() ? Status::error(EIO, "launch: no exec") : s);
  }
  int clone_errno = errno;
  Status restore;
  // Back to our own pid namespace for children to come ("the caller's own" is allowed).
  if (own_pid_ns && ::setns(own_pid_ns.get(), CLONE_NEWPID) != 0) {
    restore = Status::fromErrno("return to our own pid namespace");
  }
  if (rc < 0) return Status::error(clone_errno, "clone");
  const pid_t pid = static_cast<pid_t>(rc);
  err_pipe.second.reset();
  sync_pipe.first.reset();
  Status placed = restore;
  if (placed.isOk() && plan.cgroup) placed = plan.cgroup->enter(pid);
  if (placed.isOk()) {
    char go = 1;
    if (::send(sync_pipe.second.get(), &go, 1, MSG_NOSIGNAL) != 1)
      placed = Status::fromErrno("start the child");
  }
  // Without the go byte the child sees EOF and exits. Either way its report tells: an
  // error of its own (it may have failed before the go, in its first part) comes first.
  sync_pipe.second.reset();
  Status report = readReport(err_pipe.first.get());
  if (report.isOk() && !placed.isOk()) report = placed;
  if (!report.isOk()) {
    ::kill(pid, SIGKILL);
    reap(pid);
    return report;
  }
  return pid;
}

}  // namespace orch::shim
