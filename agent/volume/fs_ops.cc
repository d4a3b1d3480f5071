#include "agent/volume/fs_ops.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::agent {

namespace {

std::string parentOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string baseOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status removeAt(int parent_fd, const std::string& name, const std::string& full, dev_t dev) {
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::fromErrno("stat " + full);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
      return Status::fromErrno("unlink " + full);
    }
    return Status::ok();
  }
  if (st.st_dev != dev) {
    return Status::error(EBUSY, "refusing to remove " + full + ": it is another filesystem");
  }
  UniqueFd fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) return Status::fromErrno("open " + full);
  std::vector<std::string> children;
  {
    int dup_fd = ::dup(fd.get());
    if (dup_fd < 0) return Status::fromErrno("dup " + full);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup_fd), ::closedir);
    if (!dir) {
      ::close(dup_fd);
      return Status::fromErrno("opendir " + full);
    }
    while (struct dirent* e = ::readdir(dir.get())) {
      std::string n = e->d_name;
      if (n != "." && n != "..") children.push_back(std::move(n));
    }
  }
  for (const auto& c : children) {
    ORCH_RETURN_IF_ERROR(removeAt(fd.get(), c, full + "/" + c, dev));
  }
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
    return Status::fromErrno("rmdir " + full);
  }
  return Status::ok();
}

}  // namespace

Status removeAllOneFilesystem(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::ok();
    return Status::fromErrno("stat " + path);
  }
  UniqueFd parent(::open(parentOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!parent) return Status::fromErrno("open " + parentOf(path));
  return removeAt(parent.get(), baseOf(path), path, st.st_dev);
}

Result<bool> isMountPoint(const std::string& dir) {
  struct stat st {
  }, parent{};
  if (::stat(dir.c_str(), &st) != 0) return Status::fromErrno("stat " + dir);
  std::string up = dir + "/..";
  if (::stat(up.c_str(), &parent) != 0) return Status::fromErrno("stat " + up);
  return st.st_dev != parent.st_dev || st.st_ino == parent.st_ino;
}

Status mountTmpfs(const std::string& dir, std::optional<int64_t> size_bytes) {
  std::string opts;
  if (size_bytes && *size_bytes > 0) opts = "size=" + std::to_string(*size_bytes);
  // noswap (Linux 6.4+) keeps secrets off swap; older kernels reject it with EINVAL.
  std::string with_noswap = opts.empty() ? "noswap" : opts + ",noswap";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, with_noswap.c_str()) == 0) return Status::ok();
  if (errno == EINVAL &&
      ::mount("tmpfs", dir.c_str(), "tmpfs", 0, opts.empty() ? nullptr : opts.c_str()) == 0) {
    return Status::ok();
  }
  return Status::fromErrno("mount tmpfs on " + dir + (opts.empty() ? "" : " (" + opts + ")"));
}

Status unmountPath(const std::string& dir) {
  if (::umount2(dir.c_str(), UMOUNT_NOFOLLOW) == 0) return Status::ok();
  if (errno == EINVAL || errno == ENOENT) return Status::ok();  // not (or no longer) mounted
  return Status::fromErrno("unmount " + dir);
}

Status makeDirs(const std::string& path, unsigned mode) {
  if (path.empty()) return Status::invalid("mkdir: empty path");
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (part.empty()) continue;
    if (::mkdir(part.c_str(), mode) == 0) {
      if (::chmod(part.c_str(), mode) != 0) return Status::fromErrno("chmod " + part);
      continue;
    }
    if (errno != EEXIST) return Status::fromErrno("mkdir " + part);
    struct stat st {};
    if (::stat(part.c_str(), &st) != 0) return Status::fromErrno("stat " + part);
    if (!S_ISDIR(st.st_mode)) return Status::error(ENOTDIR, "mkdir " + part);
  }
  return Status::ok();
}

}  // namespace orch::agent
