#include "runtime-shim/container/mount_util.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace orch::shim {

namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string c = path.substr(start, end - start);
    if (!c.empty() && c != ".") out.push_back(c);
    start = end + 1;
  }
  return out;
}

std::string display(const std::string& path) {
  return path.empty() || path[0] != '/' ? "/" + path : path;
}

}  // namespace

std::string fdPath(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

Result<UniqueFd> openInRoot(int root_fd, const std::string& path, int flags) {
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string rel = path;
  while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
  if (rel.empty()) rel = ".";
  long fd = syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
  if (fd < 0) return Status::fromErrno("open " + display(path) + " in the rootfs");
  return UniqueFd(static_cast<int>(fd));
}

namespace {

Result<std::string> fdTarget(int fd) {
  char buf[4096];
  ssize_t n = ::readlink(fdPath(fd).c_str(), buf, sizeof buf - 1);
  if (n < 0) return Status::fromErrno("readlink " + fdPath(fd));
  return std::string(buf, static_cast<size_t>(n));
}

// Where directory `dir_fd` (opened inside the root) is, as a path inside the root.
Result<std::string> pathInRoot(int root_fd, int dir_fd) {
  ORCH_ASSIGN_OR_RETURN(std::string root, fdTarget(root_fd));
  ORCH_ASSIGN_OR_RETURN(std::string dir, fdTarget(dir_fd));
  if (root == "/") return dir;
  if (dir == root) return std::string("/");
  if (dir.rfind(root + "/", 0) != 0) return Status::error(EXDEV, dir + " is outside " + root);
  return dir.substr(root.size());
}

Status makeInRootDepth(int root_fd, const std::string& path, bool dir, int depth) {
  if (depth > 40) return Status::error(ELOOP, "create " + display(path));
  std::vector<std::string> parts = components(path);
  std::string sofar;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool last = i + 1 == parts.size();
    const std::string next = sofar + "/" + parts[i];
    auto existing = openInRoot(root_fd, next, O_PATH);
    if (existing.ok()) {
      sofar = next;
      continue;
    }
    if (existing.status().code() != ENOENT) return existing.status();
    // Create the entry in its (contained) parent, by a plain name: no path walk outside.
    ORCH_ASSIGN_OR_RETURN(UniqueFd parent, openInRoot(root_fd, sofar, O_DIRECTORY | O_RDONLY));
    struct stat st;
    if (::fstatat(parent.get(), parts[i].c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(st.st_mode)) {
      // A dangling symlink: create its target, resolved inside the root as the kernel will.
      char buf[4096];
      ssize_t n = ::readlinkat(parent.get(), parts[i].c_str(), buf, sizeof buf - 1);
      if (n < 0) return Status::fromErrno("readlink " + display(next));
      std::string target(buf, static_cast<size_t>(n));
      if (target.empty() || target[0] != '/') {
        ORCH_ASSIGN_OR_RETURN(std::string where, pathInRoot(root_fd, parent.get()));
        target = where + "/" + target;
      }
      ORCH_RETURN_IF_ERROR(makeInRootDepth(root_fd, target, !last || dir, depth + 1));
    } else if (!last || dir) {
      if (::mkdirat(parent.get(), parts[i].c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::fromErrno("mkdir " + display(next));
      }
    } else {
      int fd = ::openat(parent.get(), parts[i].c_str(), O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                        0644);
      if (fd < 0 && errno != EEXIST) return Status::fromErrno("create " + display(next));
      if (fd >= 0) ::close(fd);
    }
    sofar = next;
  }
  return Status::ok();
}

}  // namespace

Status makeInRoot(int root_fd, const std::string& path, bool dir) {
  return makeInRootDepth(root_fd, path, dir, 0);
}

Result<UniqueFd> mountInRoot(int root_fd, const std::string& dest, const std::string& source,
                             const std::string& type, unsigned long flags, const std::string& data,
                             bool dir) {
  const std::string what = "mount " + (type.empty() ? source : type) + " on " + display(dest);
  if (Status s = makeInRoot(root_fd, dest, dir); !s.isOk()) return s.withContext(what);
  auto target = openInRoot(root_fd, dest, O_PATH);
  if (!target.ok()) return target.status().withContext(what);
  if (::mount(source.c_str(), fdPath(target->get()).c_str(), type.empty() ? nullptr : type.c_str(),
              flags, data.empty() ? nullptr : data.c_str()) != 0) {
    return Status::fromErrno(what);
  }
  // The fd opened before still points at the directory under the mount: reopen.
  auto mounted = openInRoot(root_fd, dest, O_PATH);
  if (!mounted.ok()) return mounted.status().withContext(what);
  return std::move(mounted).value();
}

Result<UniqueFd> bindInRoot(int root_fd, const std::string& dest, const std::string& source,
                            bool recursive) {
  struct stat st;
  if (::stat(source.c_str(), &st) != 0) {
    return Status::fromErrno("bind " + source + " on " + display(dest) + ": stat " + source);
  }
  auto fd = mountInRoot(root_fd, dest, source, "", MS_BIND | (recursive ? MS_REC : 0), "",
                        S_ISDIR(st.st_mode));
  if (!fd.ok())
    return Status::error(fd.status().code(),
                         "bind " + source + " on " + display(dest) + ": " + fd.status().context());
  return fd;
}

Status setMountAttributes(int mount_fd, unsigned long ms_flags, unsigned long propagation,
                          bool recursive, const std::string& what) {
  struct mount_attr attr = {};
  if (ms_flags & MS_RDONLY) attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (ms_flags & MS_NOSUID) attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (ms_flags & MS_NODEV) attr.attr_set |= MOUNT_ATTR_NODEV;
  if (ms_flags & MS_NOEXEC) attr.attr_set |= MOUNT_ATTR_NOEXEC;
  if (ms_flags & MS_NOATIME) {
    attr.attr_set |= MOUNT_ATTR_NOATIME;
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  }
  if (ms_flags & MS_NODIRATIME) attr.attr_set |= MOUNT_ATTR_NODIRATIME;
  attr.propagation = propagation & (MS_PRIVATE | MS_SLAVE | MS_SHARED | MS_UNBINDABLE);
  if (attr.attr_set == 0 && attr.propagation == 0) return Status::ok();
  unsigned flags = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (mount_setattr(mount_fd, "", flags, &attr, sizeof attr) != 0) {
    return Status::fromErrno("set mount attributes of " + what);
  }
  return Status::ok();
}

}  // namespace orch::shim
