#pragma once
// The filesystem and mount operations of the volume code: safe recursive removal, tmpfs
// mounts and the mount table. Thread-safe (no shared state). Mounting and unmounting need
// CAP_SYS_ADMIN; the rest does not.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/mountinfo.h"  // parseMountPoints, mountPointsUnder
#include "common/base/status.h"

namespace orch::agent {

// Removes `path` and everything below it without following symlinks. Refuses (EBUSY, naming
// the path) to descend into another filesystem, so a mount left under `path` is never
// emptied. A missing `path` is success.
Status removeAllOneFilesystem(const std::string& path);

// Whether `dir` is the root of a mount (its device differs from its parent's).
Result<bool> isMountPoint(const std::string& dir);

// Mounts a tmpfs on `dir` with size=`size_bytes` when given (and noswap where the kernel
// supports it).
Status mountTmpfs(const std::string& dir, std::optional<int64_t> size_bytes);

// Unmounts `dir`; a path that is no longer mounted is success.
Status unmountPath(const std::string& dir);

// mkdir -p with `mode` applied (independent of the umask) to each directory created.
Status makeDirs(const std::string& path, unsigned mode);

}  // namespace orch::agent
