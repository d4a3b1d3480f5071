#pragma once
// Mounting below a root directory without leaving it: every path is resolved with
// openat2(RESOLVE_IN_ROOT), so a symlink in the image ("/etc -> /../../host") resolves inside
// the rootfs and can never make a mount land outside it. The mount itself targets
// /proc/self/fd/<n> of the resolved directory. Used in the launched child, in its own mount
// namespace. Errors name the destination as the container sees it ("mount proc on /proc").

#include <string>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

// Opens `path` (absolute or relative, as seen from `root_fd`) inside the root.
Result<UniqueFd> openInRoot(int root_fd, const std::string& path, int flags);
// Creates `path` inside the root: parents as directories, the last component as a directory
// (`dir`) or an empty file. Existing entries are kept.
Status makeInRoot(int root_fd, const std::string& path, bool dir);
// "/proc/self/fd/<fd>".
std::string fdPath(int fd);

// Creates the mountpoint (a directory or a file) and mounts there; returns an O_PATH fd of
// the new mount's root.
Result<UniqueFd> mountInRoot(int root_fd, const std::string& dest, const std::string& source,
                             const std::string& type, unsigned long flags, const std::string& data,
                             bool dir);
// Bind-mounts host path `source` (recursively with `recursive`) at `dest`, creating the
// mountpoint as the source's kind.
Result<UniqueFd> bindInRoot(int root_fd, const std::string& dest, const std::string& source,
                            bool recursive);

// Changes the mount whose root `mount_fd` is: sets the per-mount flags among `ms_flags`
// (MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_NOATIME, MS_NODIRATIME; others ignored) and
// the propagation (MS_PRIVATE / MS_SLAVE / MS_SHARED / MS_UNBINDABLE; 0 = leave), for the
// whole subtree with `recursive` (mount_setattr). Flags not given stay as they are.
Status setMountAttributes(int mount_fd, unsigned long ms_flags, unsigned long propagation,
                          bool recursive, const std::string& what);

}  // namespace orch::shim
