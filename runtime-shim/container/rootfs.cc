#include "runtime-shim/container/rootfs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

#include "common/base/unique_fd.h"
#include "runtime-shim/container/mount_options.h"
#include "runtime-shim/container/mount_util.h"

namespace orch::shim {

namespace {

constexpr unsigned long kNoSuidDevExec = MS_NOSUID | MS_NODEV | MS_NOEXEC;
constexpr const char* kDevNodes[] = {"null", "zero", "full", "random", "urandom", "tty"};

Status mkdirAll(const std::string& path) {
  std::string sofar;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    sofar = path.substr(0, pos);
    if (sofar.empty()) continue;
    if (::mkdir(sofar.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::fromErrno("mkdir " + sofar);
    }
  }
  return Status::ok();
}

Status mountRootfs(const LaunchSpec& spec) {
  ORCH_RETURN_IF_ERROR(mkdirAll(spec.rootfs_dir));
  if (spec.upper_dir.empty() && spec.lower_dirs.size() == 1) {
    // overlayfs wants two layers without an upper dir: one read-only layer is a bind.
    const std::string what = "bind " + spec.lower_dirs[0] + " on " + spec.rootfs_dir;
    if (::mount(spec.lower_dirs[0].c_str(), spec.rootfs_dir.c_str(), nullptr, MS_BIND | MS_REC,
                nullptr) != 0) {
      return Status::fromErrno(what);
    }
    if (::mount(nullptr, spec.rootfs_dir.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY,
                nullptr) != 0) {
      return Status::fromErrno(what + " read-only");
    }
    return Status::ok();
  }
  const std::string data = overlayMountData(spec);
  if (data.size() >= 4096) {
    return Status::error(E2BIG, "mount overlay on " + spec.rootfs_dir + ": " +
                                    std::to_string(spec.lower_dirs.size()) +
                                    " layers exceed the mount data page");
  }
  if (::mount("overlay", spec.rootfs_dir.c_str(), "overlay", 0, data.c_str()) != 0) {
    return Status::fromErrno("mount overlay on " + spec.rootfs_dir);
  }
  return Status::ok();
}

Status symlinkIn(int dir_fd, const char* target, const char* name, const std::string& where) {
  if (::symlinkat(target, dir_fd, name) != 0 && errno != EEXIST) {
    return Status::fromErrno("symlink " + where + "/" + name + " -> " + target);
  }
  return Status::ok();
}

bool hasMountAt(const LaunchSpec& spec, const std::string& dest) {
  return std::any_of(spec.mounts.begin(), spec.mounts.end(),
                     [&](const MountSpec& m) { return m.destination == dest; });
}

Status setupDev(int root, const LaunchSpec& spec) {
  if (spec.privileged) {
    ORCH_ASSIGN_OR_RETURN(UniqueFd dev, bindInRoot(root, "/dev", "/dev", true));
    return setMountAttributes(dev.get(), 0, MS_SLAVE, true, "/dev");
  }
  ORCH_ASSIGN_OR_RETURN(UniqueFd dev,
                        mountInRoot(root, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                                    "mode=755,size=65536k", true));
  for (const char* node : kDevNodes) {
    const std::string host = std::string("/dev/") + node;
    struct stat st;
    if (::stat(host.c_str(), &st) != 0 || !S_ISCHR(st.st_mode)) continue;  // not on this host
    ORCH_ASSIGN_OR_RETURN(UniqueFd fd, bindInRoot(root, host, host, false));
  }
  ORCH_ASSIGN_OR_RETURN(UniqueFd pts,
                        mountInRoot(root, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                                    "newinstance,ptmxmode=0666,mode=0620,gid=5", true));
  ORCH_ASSIGN_OR_RETURN(UniqueFd devdir, openInRoot(root, "/dev", O_DIRECTORY | O_RDONLY));
  ORCH_RETURN_IF_ERROR(symlinkIn(devdir.get(), "pts/ptmx", "ptmx", "/dev"));
  ORCH_RETURN_IF_ERROR(symlinkIn(devdir.get(), "/proc/self/fd", "fd", "/dev"));
  ORCH_RETURN_IF_ERROR(symlinkIn(devdir.get(), "/proc/self/fd/0", "stdin", "/dev"));
  ORCH_RETURN_IF_ERROR(symlinkIn(devdir.get(), "/proc/self/fd/1", "stdout", "/dev"));
  ORCH_RETURN_IF_ERROR(symlinkIn(devdir.get(), "/proc/self/fd/2", "stderr", "/dev"));
  if (!hasMountAt(spec, "/dev/shm")) {
    ORCH_ASSIGN_OR_RETURN(UniqueFd shm, mountInRoot(root, "/dev/shm", "shm", "tmpfs",
                                                    kNoSuidDevExec, "mode=1777,size=65536k", true));
  }
  if (!hasMountAt(spec, "/dev/mqueue")) {
    ORCH_ASSIGN_OR_RETURN(UniqueFd mq, mountInRoot(root, "/dev/mqueue", "mqueue", "mqueue",
                                                   kNoSuidDevExec, "", true));
  }
  return Status::ok();
}

Status setupSys(int root, const LaunchSpec& spec, const RootfsOptions& options) {
  const unsigned long ro = spec.privileged ? 0 : MS_RDONLY;
  bool mounted = false;
  if (options.own_net_ns) {
    auto sys = mountInRoot(root, "/sys", "sysfs", "sysfs", kNoSuidDevExec | ro, "", true);
    if (sys.ok()) {
      mounted = true;
    } else if (sys.status().code() != EPERM) {
      return sys.status();
    }
  }
  if (!mounted) {  // sysfs shows the mounter's network namespace: share the host's instead
    ORCH_ASSIGN_OR_RETURN(UniqueFd sys, bindInRoot(root, "/sys", "/sys", true));
    ORCH_RETURN_IF_ERROR(
        setMountAttributes(sys.get(), kNoSuidDevExec | ro, MS_SLAVE, true, "/sys"));
  }
  if (options.cgroup_dirs.empty()) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(UniqueFd cg, mountInRoot(root, "/sys/fs/cgroup", "tmpfs", "tmpfs",
                                                 kNoSuidDevExec, "mode=755", true));
  for (const auto& [name, host_dir] : options.cgroup_dirs) {
    const std::string dest = "/sys/fs/cgroup/" + name;
    ORCH_ASSIGN_OR_RETURN(UniqueFd fd, bindInRoot(root, dest, host_dir, false));
    ORCH_RETURN_IF_ERROR(
        setMountAttributes(fd.get(), kNoSuidDevExec | ro, MS_PRIVATE, false, dest));
  }
  return setMountAttributes(cg.get(), ro, 0, false, "/sys/fs/cgroup");
}

Status specMounts(int root, const LaunchSpec& spec) {
  for (const MountSpec& m : spec.mounts) {
    ORCH_ASSIGN_OR_RETURN(MountOptions opts, parseMountOptions(m.options));
    unsigned long propagation = opts.propagation;
    if (!m.propagation.empty()) {
      ORCH_ASSIGN_OR_RETURN(propagation, propagationFlags(m.propagation));
    }
    const bool bind = m.type == "bind" || opts.bind();
    if (bind) {
      const bool recursive = (opts.flags & MS_REC) != 0;
      // Private unless asked otherwise: a bind of a shared host mount would otherwise be a
      // peer of it, and mounts made inside would appear on the host.
      if (propagation == 0) propagation = MS_PRIVATE | (recursive ? MS_REC : 0);
      ORCH_ASSIGN_OR_RETURN(UniqueFd fd, bindInRoot(root, m.destination, m.source, recursive));
      ORCH_RETURN_IF_ERROR(setMountAttributes(fd.get(), opts.flags, propagation,
                                              recursive || (propagation & MS_REC) != 0,
                                              m.destination));
      continue;
    }
    const std::string source = m.source.empty() ? m.type : m.source;
    ORCH_ASSIGN_OR_RETURN(UniqueFd fd,
                          mountInRoot(root, m.destination, source, m.type,
                                      opts.flags & ~(MS_BIND | MS_REC), opts.data, true));
    ORCH_RETURN_IF_ERROR(
        setMountAttributes(fd.get(), 0, propagation, (propagation & MS_REC) != 0, m.destination));
  }
  return Status::ok();
}

Status pivotInto(const std::string& rootfs_dir) {
  UniqueFd old_root(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!old_root) return Status::fromErrno("open /");
  UniqueFd new_root(::open(rootfs_dir.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!new_root) return Status::fromErrno("open " + rootfs_dir);
  if (::fchdir(new_root.get()) != 0) return Status::fromErrno("chdir " + rootfs_dir);
  // pivot_root(".", "."): the old root ends up stacked on the new one, detached right after.
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    return Status::fromErrno("pivot_root " + rootfs_dir);
  if (::fchdir(old_root.get()) != 0) return Status::fromErrno("chdir to the old root");
  if (::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) != 0) {
    return Status::fromErrno("make the old root rslave");
  }
  if (::umount2(".", MNT_DETACH) != 0) return Status::fromErrno("detach the old root");
  if (::chdir("/") != 0) return Status::fromErrno("chdir /");
  return Status::ok();
}

}  // namespace

std::string overlayMountData(const LaunchSpec& spec) {
  std::string lower;
  for (auto it = spec.lower_dirs.rbegin(); it != spec.lower_dirs.rend(); ++it) {
    if (!lower.empty()) lower += ':';
    lower += *it;
  }
  std::string data = "lowerdir=" + lower;
  if (!spec.upper_dir.empty()) {
    data += ",upperdir=" + spec.upper_dir + ",workdir=" + spec.work_dir;
  }
  return data;
}

Status prepareRootfs(const LaunchSpec& spec, const RootfsOptions& options) {
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) {
    return Status::fromErrno("make / rslave");
  }
  if (spec.lower_dirs.empty()) {
    UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) return Status::fromErrno("open /");
    return specMounts(root.get(), spec);
  }
  ORCH_RETURN_IF_ERROR(mountRootfs(spec));
  UniqueFd root(::open(spec.rootfs_dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Status::fromErrno("open " + spec.rootfs_dir);
  ORCH_ASSIGN_OR_RETURN(UniqueFd proc,
                        mountInRoot(root.get(), "/proc", "proc", "proc", kNoSuidDevExec, "", true));
  ORCH_RETURN_IF_ERROR(setupDev(root.get(), spec));
  ORCH_RETURN_IF_ERROR(setupSys(root.get(), spec, options));
  ORCH_RETURN_IF_ERROR(specMounts(root.get(), spec));
  // As runc does: a working directory missing from the image is created.
  ORCH_RETURN_IF_ERROR(
      makeInRoot(root.get(), spec.cwd, true).withContext("create cwd " + spec.cwd));
  return pivotInto(spec.rootfs_dir);
}

Status finishRootfs(const LaunchSpec& spec) {
  UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return Status::fromErrno("open /");
  for (const std::string& path : spec.masked_paths) {
    auto fd = openInRoot(root.get(), path, O_PATH);
    if (!fd.ok()) {
      if (fd.status().code() == ENOENT) continue;
      return fd.status().withContext("mask " + path);
    }
    struct stat st;
    if (::fstat(fd->get(), &st) != 0) return Status::fromErrno("mask " + path + ": stat");
    int rc = S_ISDIR(st.st_mode)
                 ? ::mount("tmpfs", fdPath(fd->get()).c_str(), "tmpfs", MS_RDONLY, nullptr)
                 : ::mount("/dev/null", fdPath(fd->get()).c_str(), nullptr, MS_BIND, nullptr);
    if (rc != 0) return Status::fromErrno("mask " + path);
  }
  for (const std::string& path : spec.readonly_paths) {
    auto fd = openInRoot(root.get(), path, O_PATH);
    if (!fd.ok()) {
      if (fd.status().code() == ENOENT) continue;
      return fd.status().withContext("make " + path + " read-only");
    }
    const std::string target = fdPath(fd->get());
    if (::mount(target.c_str(), target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
      return Status::fromErrno("bind " + path + " on itself");
    }
    ORCH_ASSIGN_OR_RETURN(UniqueFd mounted, openInRoot(root.get(), path, O_PATH));
    ORCH_RETURN_IF_ERROR(setMountAttributes(mounted.get(), MS_RDONLY, 0, true, path));
  }
  if (spec.readonly_rootfs) {
    ORCH_RETURN_IF_ERROR(setMountAttributes(root.get(), MS_RDONLY, 0, false, "/"));
  }
  return Status::ok();
}

}  // namespace orch::shim
