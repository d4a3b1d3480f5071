#pragma once
// The filesystem view of a launched process, set up in the child inside its own mount
// namespace, in two steps around the sysctls:
//   prepareRootfs: / becomes rslave; with lower_dirs: overlay at rootfs_dir, /proc, /dev
//     (tmpfs + null zero full random urandom tty bound from the host, /dev/pts newinstance,
//     /dev/ptmx, /dev/shm, /dev/mqueue, fd/stdin/stdout/stderr links), /sys (read-only), the
//     cgroup directories under /sys/fs/cgroup (read-only), spec.mounts in order, the cwd
//     (created when missing, as runc does), then pivot_root with the old root detached. Without
//     lower_dirs only spec.mounts, on the host's tree (which this namespace only copies).
//   finishRootfs: masked paths, read-only paths, read-only root.
// Privileged: the host's /dev (rbind) and /sys and cgroups read-write.

#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

struct RootfsOptions {
  // The process has its own (new or joined) network namespace: sysfs is mounted fresh;
  // otherwise the host's /sys is bound.
  bool own_net_ns = false;
  // {name under /sys/fs/cgroup, host directory of the container's cgroup}.
  std::vector<std::pair<std::string, std::string>> cgroup_dirs;
};

// "lowerdir=<top>:...:<bottom>[,upperdir=..,workdir=..]" for lower_dirs listed bottom first.
std::string overlayMountData(const LaunchSpec& spec);

Status prepareRootfs(const LaunchSpec& spec, const RootfsOptions& options);
Status finishRootfs(const LaunchSpec& spec);

}  // namespace orch::shim
