#include "runtime-shim/image/store_fs.h"

#include <fcntl.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <utility>

namespace orch::shim {

Result<StoreLock> StoreLock::acquire(const std::string& root) {
  std::string path = root + "/lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return Status::fromErrno("open " + path);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Status::fromErrno("lock " + path);
  }
  return StoreLock(std::move(fd));
}

Result<TempTree> TempTree::create(const std::string& tmp_root, const std::string& kind) {
  std::string tmpl = tmp_root + "/" + kind + "-" + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return Status::fromErrno("create temp dir in " + tmp_root);
  return TempTree(tmpl);
}

TempTree::~TempTree() {
  if (!path_.empty()) (void)removeTree(path_);
}

namespace {

thread_local int g_walk_error = 0;

int openUp(const char* path, const struct stat* st, int type, FTW*) {
  if (type == FTW_D || type == FTW_DNR) {
    if ((st->st_mode & 0700) != 0700 && ::chmod(path, (st->st_mode & 07777) | 0700) != 0) {
      g_walk_error = errno;
    }
  }
  return 0;
}

}  // namespace

Status removeTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (!ec) return Status::ok();
  if (ec.value() != EACCES && ec.value() != EPERM) {
    return Status::error(ec.value(), "remove " + path + ": " + ec.message());
  }
  // An unprivileged owner may not delete inside read-only directories: open them up.
  g_walk_error = 0;
  ::nftw(path.c_str(), openUp, 16, FTW_PHYS | FTW_MOUNT);
  ec.clear();
  std::filesystem::remove_all(path, ec);
  if (ec) return Status::error(ec.value(), "remove " + path + ": " + ec.message());
  return Status::ok();
}

Status makeDirs(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Status::error(ec.value(), "create " + path + ": " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return Status::fromErrno("chmod " + path);
  return Status::ok();
}

namespace {

thread_local TreeUsage* g_usage = nullptr;
thread_local std::set<std::pair<dev_t, ino_t>>* g_seen = nullptr;

int account(const char*, const struct stat* st, int, FTW*) {
  if (g_seen->emplace(st->st_dev, st->st_ino).second) {
    g_usage->inodes++;
    g_usage->bytes += static_cast<uint64_t>(st->st_blocks) * 512;
  }
  return 0;
}

}  // namespace

Result<TreeUsage> treeUsage(const std::string& path) {
  TreeUsage usage;
  std::set<std::pair<dev_t, ino_t>> seen;
  g_usage = &usage;
  g_seen = &seen;
  int r = ::nftw(path.c_str(), account, 16, FTW_PHYS | FTW_MOUNT);
  g_usage = nullptr;
  g_seen = nullptr;
  if (r != 0) return Status::fromErrno("walk " + path);
  return usage;
}

pid_t tempOwner(const std::string& name) {
  size_t a = name.find('-');
  if (a == std::string::npos) return 0;
  size_t b = name.find('-', a + 1);
  std::string num = name.substr(a + 1, b == std::string::npos ? b : b - a - 1);
  if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) return 0;
  return static_cast<pid_t>(std::strtol(num.c_str(), nullptr, 10));
}

}  // namespace orch::shim
