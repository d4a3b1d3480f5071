#pragma once
// The launcher: turns a LaunchSpec into a running process (spawnProcess) and runs more
// processes inside a running one (execInside). Used by orch-monitor.
//
// Threads: both functions fork (clone) the caller and run non-trivial code (allocations,
// libcap, libseccomp) in the child before exec, so the caller MUST be single-threaded.
// They do not change the caller's namespaces, root, cwd or cgroup for good (joining a pid
// namespace is undone after the clone).
//
// The started process is a DIRECT child of the caller (wait for it with waitpid). It runs in
// its own session (setsid); with spec.tty, stdio.in is made its controlling terminal.
// File descriptors other than stdio are closed (CLOEXEC) in it; every signal disposition is
// reset to default and the signal mask cleared (the caller's ignored SIGPIPE or a signalfd's
// blocked signals do not leak into it).
//
// Errors before exec (in the child) come back as the Status of the call, with errno and
// the step: "mount proc on /proc: EPERM", "exec \"nosuch\": ENOENT"; the child is reaped
// then and, for spawnProcess, the cgroup it created is removed again.

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

// The child's stdin/stdout/stderr. -1: /dev/null (opened on the host before any rootfs
// change). The caller keeps ownership; the same fd may be given for several (a pty slave).
struct StdioFds {
  int in = -1;
  int out = -1;
  int err = -1;
};

// Starts spec's process and returns its pid (in the caller's pid namespace) once it has
// exec'd args[0] successfully.
//
// Steps: detect the cgroup layout and Cgroup::create(spec.cgroup_path, spec.resources)
// (skipped when cgroup_path is empty; unless privileged also Cgroup::restrictDevices()); clone with
// CLONE_NEW* for every namespace in spec.namespaces without a path (mnt is also made new when
// lower_dirs is non-empty); the child is placed in the cgroup by the parent before it continues;
// the child then setns()es into the namespaces given by path (pid: joined by the parent before
// clone), sets up the rootfs when lower_dirs is non-empty (overlay, /proc, /dev, /dev/pts,
// /dev/shm, /dev/mqueue, /sys, /sys/fs/cgroup, spec.mounts, pivot_root, masked/readonly paths,
// readonly rootfs — see rootfs.h; without lower_dirs but with a new "mnt": spec.mounts and the
// paths on the host's tree, inside the new namespace only), hostname (new uts ns only), sysctls,
// rlimits, oom_score_adj (clamped to be no lower than the caller's own), user
// (setgroups/setgid/setuid), capabilities (bounding set, then permitted/effective =
// spec.capabilities, inheritable and ambient empty, as containerd does; privileged: every
// capability; in any case only those the caller has itself — root here lacks CAP_SYS_RESOURCE),
// no_new_privs, seccomp (last when no_new_privs, else before dropping capabilities; none when
// privileged), cwd (created inside the rootfs when missing, as runc does), then execve of args[0]
// looked up on the spec's PATH (a default PATH when env has none) inside the new root. The
// environment is exactly spec.env.
//
// Refused with EINVAL before anything starts: mounts, masked/readonly paths or
// readonly_rootfs without a mount namespace of the process's own (lower_dirs or a new
// "mnt"), and sysctls outside the namespaces it has its own of (net.* needs "net";
// kernel.shm*/msg*/sem*, fs.mqueue.* need "ipc"; kernel.hostname/domainname need "uts"),
// so that the host's are never changed.
//
// The cgroup stays after the process exits; remove it with
// Cgroup::open(detectCgroupLayout(), spec.cgroup_path).remove(). Mounts made for the
// container live in its own mount namespace and vanish with it.
Result<pid_t> spawnProcess(const LaunchSpec& spec, const StdioFds& stdio);

// Runs `argv` inside running process `target_pid` (the one spawnProcess started from
// `spec`): joins every namespace of /proc/<target_pid>/ns/{ipc,uts,net,pid,mnt,cgroup} that
// differs from the caller's, enters the cgroup of spec.cgroup_path (when set), and applies
// spec's user, additional groups, rlimits, capabilities, no_new_privs, seccomp, env and cwd
// (privileged as in spawnProcess). argv[0] is looked up on the spec's PATH. It runs in its own
// session; when stdio.in is a terminal, that becomes its controlling terminal (spec.tty is
// not consulted).
//
// Returns the pid of the exec'd process, a direct child of the caller, once exec succeeded:
// the caller waits for it with waitpid and may kill(pid, SIGKILL) it on a timeout. ESRCH when
// target_pid is gone.
Result<pid_t> execInside(const LaunchSpec& spec, pid_t target_pid,
                         const std::vector<std::string>& argv, const StdioFds& stdio);

}  // namespace orch::shim
