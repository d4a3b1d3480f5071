#pragma once
// LaunchSpec: everything orch-monitor needs to start one process in its own or shared
// namespaces — a container (rootfs from image layers) or a sandbox's pause process (host
// root, no rootfs). orch-shim translates CRI requests into it and writes it as
// `<bundle>/spec.json`; orch-monitor reads it. The semantics follow the OCI runtime spec;
// the format is ours (JSON, field names below in snake_case).

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

// One namespace of the new process. `path` empty: a new namespace of this type; a path
// (/proc/<pid>/ns/net, /run/netns/x): join it. A type absent from LaunchSpec::namespaces is
// shared with the host (the monitor's own).
struct NamespaceSpec {
  std::string type;  // "net", "ipc", "uts", "pid", "mnt", "cgroup"
  std::string path;
  bool operator==(const NamespaceSpec&) const = default;
};

struct MountSpec {
  std::string source;
  std::string destination;           // inside the container
  std::string type;                  // "bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", ...
  std::vector<std::string> options;  // mount(8)-style: "ro", "nosuid", "rbind", "mode=755", ...
  // "private" (default), "rprivate", "rslave", "rshared" — CRI's MountPropagation.
  std::string propagation;
  bool operator==(const MountSpec&) const = default;
};

struct RlimitSpec {
  std::string type;  // "RLIMIT_NOFILE", ...
  uint64_t soft = 0;
  uint64_t hard = 0;
  bool operator==(const RlimitSpec&) const = default;
};

// CRI's LinuxContainerResources, as far as the kernel is concerned. 0 / empty = unset.
struct ResourceSpec {
  int64_t cpu_shares = 0;
  int64_t cpu_quota = 0;   // µs per period; 0 or -1 = unlimited
  int64_t cpu_period = 0;  // µs
  int64_t memory_limit_bytes = 0;
  int64_t pids_limit = 0;
  std::string cpuset_cpus;
  std::string cpuset_mems;
  bool operator==(const ResourceSpec&) const = default;
};

struct SeccompSpec {
  enum class Kind { kUnconfined, kRuntimeDefault, kLocalhost };
  Kind kind = Kind::kUnconfined;
  std::string localhost_path;  // kLocalhost: an OCI seccomp profile JSON file
  bool operator==(const SeccompSpec&) const = default;
};

struct LaunchSpec {
  std::vector<std::string> args;  // args[0] resolved inside the rootfs against PATH from env
  std::vector<std::string> env;   // KEY=VALUE
  std::string cwd = "/";

  // Root filesystem. lower_dirs empty: the process keeps the host's root (a pause process).
  // Otherwise an overlay of lower_dirs (bottom layer first) with upper_dir/work_dir, mounted
  // at rootfs_dir inside the new mount namespace, then pivot_root into it.
  std::vector<std::string> lower_dirs;
  std::string upper_dir;
  std::string work_dir;
  std::string rootfs_dir;
  bool readonly_rootfs = false;

  std::string hostname;  // set when a new uts namespace is made; empty = leave
  std::vector<NamespaceSpec> namespaces;
  std::vector<MountSpec> mounts;  // after /proc, /dev, /sys; in order
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::map<std::string, std::string> sysctls;  // written under /proc/sys inside the namespaces

  // cgroup: `cgroup_path` relative to each hierarchy's root ("/orch/pod<uid>/<id>"),
  // created on every mounted v1 controller and in the v2 hierarchy, whichever exist.
  std::string cgroup_path;
  ResourceSpec resources;

  // Security.
  bool privileged = false;                // all capabilities, no seccomp, /sys rw, all devices
  std::vector<std::string> capabilities;  // "CAP_CHOWN", ... (bounding/effective/permitted)
  bool no_new_privs = true;
  SeccompSpec seccomp;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::vector<RlimitSpec> rlimits;
  std::optional<int> oom_score_adj;

  // stdio: the monitor writes the process's stdout/stderr in the CRI log format to log_path
  // (created with parents; empty = discard). tty: one pty, its output logged as stdout.
  std::string log_path;
  bool tty = false;

  bool operator==(const LaunchSpec&) const = default;
};

nlohmann::json toJson(const LaunchSpec& spec);
// Errors name the field ("spec.namespaces[2].type: unknown namespace \"foo\"").
Result<LaunchSpec> launchSpecFromJson(const nlohmann::json& j);

// containerd's default capability set for containers.
const std::vector<std::string>& defaultCapabilities();

}  // namespace orch::shim
