#include "runtime-shim/monitor/sys_util.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace orch::shim {

void closeFrom(int first) {
  if (::close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  // Older kernels: close what /proc/self/fd would list, bounded by the fd limit.
  long max = ::sysconf(_SC_OPEN_MAX);
  for (int fd = first; fd < max; ++fd) ::close(fd);
}

Status stdioToDevNull() {
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (fd < 0) return Status::fromErrno("open /dev/null");
  for (int target = 0; target < 3; ++target) {
    if (::dup2(fd, target) < 0) {
      Status s = Status::fromErrno("dup2 /dev/null");
      ::close(fd);
      return s;
    }
  }
  if (fd > 2) ::close(fd);
  return Status::ok();
}

Result<PipePair> makeOutputPipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return Status::fromErrno("pipe");
  PipePair p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  if (::fcntl(p.read.get(), F_SETFL, O_NONBLOCK) != 0) return Status::fromErrno("fcntl pipe");
  return p;
}

Result<UniqueFd> blockIntoSignalFd(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return Status::fromErrno("sigprocmask");
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return Status::fromErrno("signalfd");
  return UniqueFd(fd);
}

int exitCodeFromWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

ssize_t readSome(int fd, char* buf, size_t max) {
  for (;;) {
    ssize_t n = ::read(fd, buf, max);
    if (n > 0) return n;
    if (n == 0) return 0;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return -1;
    if (errno == EIO) return 0;
    return -2;
  }
}

}  // namespace orch::shim
