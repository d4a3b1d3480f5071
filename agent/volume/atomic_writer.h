#pragma once
// The kubelet's AtomicWriter (pkg/volume/util/atomic_writer.go): projects a set of files into
// a volume directory so that readers see either the whole old set or the whole new one.
//
// Layout of `target_dir` after a write:
//   ..2024_05_01_10_00_00.AbC123/   the data, in a timestamped directory (0755)
//   ..data -> ..2024_05_01_10_00_00.AbC123     swapped by renaming a temp symlink (..data_tmp)
//   <top> -> ..data/<top>           one symlink per top-level path component of the payload
// Write steps: validate paths; compare with the current data (content, mode, set of files);
// when nothing changed, only make sure the user-visible symlinks exist and return false;
// otherwise write the new timestamped dir with the file modes, call `set_perms` on it,
// publish it through the ..data swap, add new user-visible symlinks, remove those no longer
// in the payload, and remove the previous timestamped dir (and any left by an interrupted
// write). Differences from upstream: a mode change alone also counts as a change.
//
// Paths must be relative, must not contain a ".." component, must not start with "..", and
// are limited to 4096 bytes (255 per component). Not thread-safe for one target dir: callers
// serialise writes to the same volume; readers may read at any time.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/base/status.h"

namespace orch::agent {

struct FileProjection {
  std::string data;
  uint32_t mode = 0644;
  bool operator==(const FileProjection&) const = default;
};

// Relative path (as given in the API: "a", "dir/b") → content and mode.
using Payload = std::map<std::string, FileProjection>;

class AtomicWriter {
 public:
  // Called with the new timestamped directory's full path before it is published.
  using SetPerms = std::function<Status(const std::string& ts_dir)>;

  explicit AtomicWriter(std::string target_dir) : target_(std::move(target_dir)) {}

  // Returns whether new data was published. `target_dir` must exist.
  Result<bool> write(const Payload& payload, const SetPerms& set_perms = nullptr);

  // EINVAL naming the path when it breaks the rules above.
  static Status validatePath(const std::string& path);

  static constexpr const char* kDataDirName = "..data";
  static constexpr const char* kNewDataDirName = "..data_tmp";

 private:
  std::string target_;
};

}  // namespace orch::agent
