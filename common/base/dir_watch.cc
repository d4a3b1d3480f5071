#include "common/base/dir_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace orch {

Result<DirWatch> DirWatch::open(const std::string& dir) {
  UniqueFd in(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!in) return Status::fromErrno("inotify_init1");
  constexpr uint32_t kMask =
      IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB;
  if (::inotify_add_watch(in.get(), dir.c_str(), kMask | IN_ONLYDIR) < 0)
    return Status::fromErrno("watch " + dir);
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake) return Status::fromErrno("eventfd");
  return DirWatch(std::move(in), std::move(wake));
}

void DirWatch::drain() {
  alignas(inotify_event) char buf[4096];
  while (::read(inotify_.get(), buf, sizeof buf) > 0) {
  }
}

bool DirWatch::wait(std::chrono::milliseconds timeout, std::chrono::milliseconds settle) {
  pollfd fds[2] = {{inotify_.get(), POLLIN, 0}, {wake_.get(), POLLIN, 0}};
  int n = ::poll(fds, 2, static_cast<int>(timeout.count()));
  if (n <= 0 || (fds[1].revents & POLLIN) != 0) return false;
  // Let the burst of events of one write finish, then take them all as one change.
  pollfd wake = {wake_.get(), POLLIN, 0};
  if (::poll(&wake, 1, static_cast<int>(settle.count())) > 0) return false;
  drain();
  return true;
}

void DirWatch::interrupt() {
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof one);
}

}  // namespace orch
