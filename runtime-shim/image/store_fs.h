#pragma once
// Filesystem helpers of the image store: private temp dirs, tree removal, usage walks and
// the writers' lock.

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

// Holds flock(LOCK_EX) on `<root>/lock` while alive. Locks belong to the open file, so two
// threads of one process exclude each other too.
class StoreLock {
 public:
  static Result<StoreLock> acquire(const std::string& root);

 private:
  explicit StoreLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

// A fresh directory `<tmp_root>/<kind>-<pid>-XXXXXX`, removed (whole tree) on destruction
// unless released. The pid in the name lets a later garbage collection tell leftovers of
// dead processes from the work of live ones.
class TempTree {
 public:
  static Result<TempTree> create(const std::string& tmp_root, const std::string& kind);
  TempTree(TempTree&& o) noexcept : path_(std::exchange(o.path_, std::string())) {}
  TempTree& operator=(TempTree&&) = delete;
  ~TempTree();
  const std::string& path() const { return path_; }
  // Gives up ownership (after the tree was renamed into place).
  void release() { path_.clear(); }

 private:
  explicit TempTree(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

// Removes `path` and everything below it; ok when absent. Directories without write or
// search permission (0555, 0000 in an image) are opened up first when needed.
Status removeTree(const std::string& path);

// Creates `path` and missing parents (0755 / `mode` for the last one).
Status makeDirs(const std::string& path, mode_t mode = 0755);

struct TreeUsage {
  uint64_t bytes = 0;   // allocated blocks (st_blocks * 512), each inode counted once
  uint64_t inodes = 0;  // distinct inodes, directories included
};
// Walks `path` without following symlinks or crossing mount points.
Result<TreeUsage> treeUsage(const std::string& path);

// The pid embedded in a temp name "<kind>-<pid>-..." (0 when there is none).
pid_t tempOwner(const std::string& name);

}  // namespace orch::shim
