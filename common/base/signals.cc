#include "common/base/signals.h"

#include <poll.h>
#include <pthread.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace orch {

Result<SignalWatcher> SignalWatcher::create(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  if (int err = pthread_sigmask(SIG_BLOCK, &set, nullptr); err != 0) {
    return Status::error(err, "block signals");
  }
  int fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) return Status::fromErrno("signalfd");
  return SignalWatcher(UniqueFd(fd));
}

Result<int> SignalWatcher::waitFor(int timeout_ms) {
  pollfd p{fd_.get(), POLLIN, 0};
  for (;;) {
    int n = ::poll(&p, 1, timeout_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::fromErrno("poll signalfd");
    if (n == 0) return 0;
    signalfd_siginfo info{};
    ssize_t r = ::read(fd_.get(), &info, sizeof info);
    if (r < 0 && errno == EINTR) continue;
    if (r != static_cast<ssize_t>(sizeof info)) return Status::fromErrno("read signalfd");
    return static_cast<int>(info.ssi_signo);
  }
}

Result<int> SignalWatcher::wait() {
  return waitFor(-1);
}

}  // namespace orch
