#pragma once
// Internal to the launcher: what the child does between clone and exec, prepared by the
// parent (everything that can be decided or opened on the host beforehand is), and the
// clone itself with the parent's side of the handshake.
//
// Handshake: the child sets up what does not depend on its cgroup (stdio, namespaces,
// rootfs, hostname, sysctls) while the parent puts it into the cgroup, then waits for one
// byte on a sync socket (sent once it is in) before the rest (cgroup namespace, limits,
// security, exec); any failure before exec is written to the CLOEXEC error pipe as
// {int errno; text} and the child exits 127. EOF on the error pipe without data = exec'd.

#include <sys/capability.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/base/unique_fd.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/container/launcher.h"
#include "runtime-shim/container/rootfs.h"
#include "runtime-shim/container/seccomp_profile.h"

namespace orch::shim {

struct ChildPlan {
  const LaunchSpec* spec = nullptr;
  std::vector<std::string> argv;  // what to exec (args[0] looked up on the spec's PATH)
  StdioFds stdio;                 // -1 entries already replaced by devnull
  UniqueFd devnull;
  bool controlling_tty = false;  // make stdio.in the controlling terminal (TIOCSCTTY)

  unsigned long clone_flags = 0;               // CLONE_NEW* made by clone itself
  UniqueFd join_pid;                           // joined by the parent around clone
  std::vector<std::pair<int, UniqueFd>> join;  // {CLONE_NEW*, fd}, setns in the child
  bool unshare_mnt_after_join = false;         // joined a mnt ns but needs a rootfs
  bool new_cgroup_ns = false;                  // unshared once in the cgroup
  bool own_mount_ns = false;                   // prepare/finishRootfs run
  RootfsOptions rootfs;
  bool set_hostname = false;
  bool apply_sysctls = false;
  bool apply_oom_score_adj = false;

  std::vector<cap_value_t> caps;
  std::optional<SeccompFilter> seccomp;
  std::optional<Cgroup> cgroup;  // entered by the parent while the child sets up
};

// Clones the child, runs the plan in it, and returns its pid once it exec'd — or the error
// it reported (then the child is reaped).
Result<pid_t> launchChild(ChildPlan& plan);

}  // namespace orch::shim
