#include "common/netlink/netns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <thread>

namespace orch::netlink {

namespace {

// Makes /run/netns a shared mount point, so namespaces mounted later propagate to
// mount namespaces cloned from ours (`ip netns exec` relies on it). Same steps as
// iproute2: try to make it shared; if it is no mount point yet (EINVAL), bind it onto
// itself first.
Status prepareRunDir() {
  if (::mkdir(NetNs::kRunDir, 0755) != 0 && errno != EEXIST) {
    return Status::fromErrno(std::string("mkdir ") + NetNs::kRunDir);
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (::mount("", NetNs::kRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return Status::ok();
    if (errno != EINVAL || attempt > 0) {
      return Status::fromErrno(std::string("make ") + NetNs::kRunDir + " shared");
    }
    if (::mount(NetNs::kRunDir, NetNs::kRunDir, "none", MS_BIND | MS_REC, nullptr) != 0) {
      return Status::fromErrno(std::string("bind mount ") + NetNs::kRunDir);
    }
  }
  return Status::ok();
}

// Runs fn on a new thread and waits for it. Thread creation failure is a Status, not an
// exception (exceptions do not leave this library). Returns ok when fn ran.
Status runThread(const std::function<void()>& fn, const std::string& ctx) {
  try {
    std::thread(fn).join();
  } catch (const std::system_error& e) {
    return Status::error(e.code().value() ? e.code().value() : EAGAIN, ctx + ": start thread");
  }
  return Status::ok();
}

}  // namespace

Result<std::string> NetNs::pathFor(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    return Status::invalid("invalid netns name \"" + name + "\"");
  }
  return std::string(kRunDir) + "/" + name;
}

Result<NetNs> NetNs::create(const std::string& name) {
  std::string ctx = "create netns " + name;
  ORCH_ASSIGN_OR_RETURN(std::string path, pathFor(name));
  Status st = prepareRunDir();
  if (!st.isOk()) return st.withContext(ctx);

  // The mount target must exist; O_EXCL makes a taken name an EEXIST.
  UniqueFd target(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
  if (!target) return Status::fromErrno(ctx);
  target.reset();

  // unshare() on a thread of its own: the new namespace becomes that thread's, never a
  // thread anybody else runs on. The bind mount keeps the namespace alive after the
  // thread exits.
  Status result;
  Status started = runThread(
      [&] {
        if (::unshare(CLONE_NEWNET) != 0) {
          result = Status::fromErrno(ctx + ": unshare");
          return;
        }
        std::string self = "/proc/self/task/" + std::to_string(::gettid()) + "/ns/net";
        if (::mount(self.c_str(), path.c_str(), "none", MS_BIND, nullptr) != 0) {
          result = Status::fromErrno(ctx + ": bind mount " + self);
        }
      },
      ctx);
  if (!started.isOk()) result = started;
  if (!result.isOk()) {
    ::unlink(path.c_str());
    return result;
  }
  auto ns = openPath(path);
  if (!ns.ok()) {
    ::umount2(path.c_str(), MNT_DETACH);
    ::unlink(path.c_str());
    return ns.status().withContext(ctx);
  }
  return ns;
}

Result<NetNs> NetNs::openName(const std::string& name) {
  ORCH_ASSIGN_OR_RETURN(std::string path, pathFor(name));
  return openPath(path);
}

Result<NetNs> NetNs::openPath(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno("open netns " + path);
  return NetNs(std::move(fd), path);
}

Result<NetNs> NetNs::current() {
  // thread-self, not self: namespaces are per thread.
  UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno("open current netns");
  return NetNs(std::move(fd), "");
}

Status NetNs::remove(const std::string& name) {
  std::string ctx = "delete netns " + name;
  ORCH_ASSIGN_OR_RETURN(std::string path, pathFor(name));
  // MNT_DETACH: a process still inside the namespace must not make the unmount fail.
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return Status::fromErrno(ctx + ": umount");
  }
  if (::unlink(path.c_str()) != 0) return Status::fromErrno(ctx);
  return Status::ok();
}

Result<ino_t> NetNs::inode() const {
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0) return Status::fromErrno("stat netns " + path_);
  return st.st_ino;
}

Status NetNs::runOnThread(const std::function<void()>& fn) const {
  std::string ctx = "enter netns " + (path_.empty() ? std::string("(fd)") : path_);
  Status result;
  Status started = runThread(
      [&] {
        if (::setns(fd_.get(), CLONE_NEWNET) != 0) {
          result = Status::fromErrno(ctx);
          return;
        }
        fn();
      },
      ctx);
  return started.isOk() ? result : started;
}

}  // namespace orch::netlink
