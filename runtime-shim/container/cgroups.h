#pragma once
// Control groups for one container or sandbox: layout detection (v1, v2, hybrid), creation
// with parents, resources, entering, stats, OOM counting, kill-all and removal.
//
// Layouts:
//   kV1     — per-controller v1 hierarchies (cpu,cpuacct, memory, ...), maybe name=systemd.
//   kV2     — one unified hierarchy at /sys/fs/cgroup holding every controller.
//   kHybrid — v1 controllers plus an (empty) v2 hierarchy, usually /sys/fs/cgroup/unified.
//             Resources go to v1; the v2 hierarchy only gets the process placed in it.
//
// A Cgroup is a value (layout + relative path); it owns nothing: the directories live until
// remove() is called, also across restarts of the caller (Cgroup::open them again).
// Thread-safe: no shared state; every call touches the filesystem only.
// Errors name the file: "write /sys/fs/cgroup/memory/orch/x/memory.limit_in_bytes: EBUSY".

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

// One mounted cgroup hierarchy, as /proc/self/mountinfo shows it.
struct CgroupHierarchy {
  bool v2 = false;
  // v1: the controllers of the mount ("cpu", "cpuacct", "name=systemd", ...); v2: empty.
  std::vector<std::string> controllers;
  std::string mount_point;  // "/sys/fs/cgroup/cpu,cpuacct"
  std::string root;         // the mountinfo root field (the cgroup the mount shows), "/"
  bool operator==(const CgroupHierarchy&) const = default;
};

struct CgroupLayout {
  enum class Mode { kV1, kV2, kHybrid };
  Mode mode = Mode::kV1;
  // v1 hierarchies in mountinfo order (first mount of each controller set), then the v2 one.
  std::vector<CgroupHierarchy> hierarchies;

  // The v1 hierarchy holding `controller` ("memory", "name=systemd"); nullptr when absent.
  const CgroupHierarchy* v1(std::string_view controller) const;
  // The unified (v2) hierarchy; nullptr when none is mounted.
  const CgroupHierarchy* unified() const;
};

// Parses mountinfo text (pure, for tests). EINVAL on malformed lines; ENOENT when no cgroup
// hierarchy is mounted at all.
Result<CgroupLayout> parseCgroupLayout(std::string_view mountinfo);
// Reads /proc/self/mountinfo.
Result<CgroupLayout> detectCgroupLayout();

// cpu.shares (2..262144) → cpu.weight (1..10000), the kubelet's conversion
// (1 + (shares - 2) * 9999 / 262142); 0 stays 0 (unset).
uint64_t cpuSharesToWeight(uint64_t shares);

struct CgroupStats {
  uint64_t cpu_usage_ns = 0;  // cumulative (v1 cpuacct.usage; v2 cpu.stat usage_usec * 1000)
  uint64_t memory_usage_bytes = 0;
  uint64_t memory_working_set_bytes = 0;  // usage minus (total_)inactive_file, floored at 0
  uint64_t memory_rss_bytes = 0;          // v1 (total_)rss; v2 anon
  uint64_t page_faults = 0;               // (total_)pgfault
  uint64_t major_page_faults = 0;         // (total_)pgmajfault
  uint64_t pids = 0;                      // pids.current (0 without the pids controller)
  uint64_t oom_kills = 0;                 // see Cgroup::oomKillCount
};

class Cgroup {
 public:
  // The v1 controllers a container cgroup is made in (when mounted); "name=systemd" too.
  static const std::vector<std::string>& v1Controllers();

  // Creates `path` ("/orch/pod1/c1", relative to each hierarchy's root; parents made as
  // needed) in every relevant hierarchy: the v1 controllers above and the v2 hierarchy.
  // New cpuset cgroups (and their new parents) get cpuset.cpus/mems copied from the parent
  // when empty. Then applies `resources` (see update). Existing directories are reused.
  // On error, what this call created is removed again.
  static Result<Cgroup> create(const CgroupLayout& layout, const std::string& path,
                               const ResourceSpec& resources);
  // Refers to an existing cgroup (after a restart); creates nothing.
  static Cgroup open(const CgroupLayout& layout, const std::string& path);

  const std::string& path() const { return path_; }
  const CgroupLayout& layout() const { return layout_; }
  // The cgroup's directory in every hierarchy it is created in (whether present or not).
  std::vector<std::string> directories() const;
  // The directory in the hierarchy of a v1 `controller`, or in the v2 hierarchy when
  // controller is empty; "" when that hierarchy is absent.
  std::string directory(std::string_view controller) const;

  // Moves `pid` (a process, all its threads) into the cgroup in every hierarchy.
  Status enter(pid_t pid) const;
  // Applies the resources that are set (0 / empty = leave as is; cpu_quota -1 = unlimited).
  // v1: cpu.shares, cpu.cfs_period_us, cpu.cfs_quota_us, cpuset.cpus/mems,
  // memory.limit_in_bytes, pids.max. v2: cpu.weight, cpu.max, cpuset.*, memory.max, pids.max
  // (v2 files only when the controller is enabled there).
  Status update(const ResourceSpec& resources) const;

  // v1 devices controller (when mounted): deny everything, then allow what runc allows a
  // non-privileged container (mknod of any device; null, zero, full, random, urandom, tty,
  // console, ptmx and /dev/pts/* read-write). v2 needs an eBPF program: not done (ok).
  Status restrictDevices() const;

  Result<CgroupStats> stats() const;
  // OOM kills in this cgroup so far: v1 memory.oom_control "oom_kill"; v2 memory.events
  // "oom_kill". 0 when the memory controller is absent.
  Result<uint64_t> oomKillCount() const;
  // Pids in cgroup.procs (the memory hierarchy on v1, else the first present one).
  Result<std::vector<pid_t>> pids() const;
  // SIGKILLs every process in the cgroup: v2 cgroup.kill when available; else freeze (v1
  // freezer, when mounted), SIGKILL each pid of cgroup.procs, thaw, repeated until empty.
  Status killAll() const;
  // rmdir in every hierarchy (retrying briefly while EBUSY, e.g. right after a kill).
  // Absent directories are fine; parents are left alone.
  Status remove() const;

 private:
  Cgroup(CgroupLayout layout, std::string path)
      : layout_(std::move(layout)), path_(std::move(path)) {}
  CgroupLayout layout_;
  std::string path_;
};

}  // namespace orch::shim
