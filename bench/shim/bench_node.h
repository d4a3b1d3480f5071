#pragma once
// One runtime's private "node" for the benchmark: a temp dir (state, sockets, logs, IPAM), a
// network namespace with a dead-end uplink (DESIGN.md "Network safety") holding the CNI bridge,
// the CNI conflist both runtimes get, and the cgroups the run uses, all named after this
// process's pid:
//   /orch-bench-<pid>/<label>/pod<N>   the pods' cgroup parents (every hierarchy)
//   /orch-bench-<pid>/<label>/daemon   the runtime daemon and every helper it forks (pids
//                                      hierarchy only: it tracks processes, limits nothing)
// The destructor removes everything: processes still left in those cgroups (only what the
// runtime started here can be there) are SIGKILLed, the cgroups removed, mounts left under the
// temp dir detached, the temp dir and the namespace deleted. Call it after the runtime's pods
// were removed through CRI and the daemon stopped.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/cgroups.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::bench {

class BenchNode {
 public:
  // `label` ("orch", "containerd") names the cgroups and the temp dir.
  static Result<std::unique_ptr<BenchNode>> create(const std::string& label);
  ~BenchNode();
  BenchNode(const BenchNode&) = delete;
  BenchNode& operator=(const BenchNode&) = delete;

  const std::string& dir() const { return dir_; }
  // "/run/netns/<name>", for `nsenter --net=`.
  std::string netnsPath() const;
  // The directory with the single conflist (bridge orchbench0 + host-local, 10.245.0.0/16).
  std::string confDir() const { return dir_ + "/net.d"; }
  std::string logDir() const { return dir_ + "/logs"; }
  // "/orch-bench-<pid>/<label>/pod<i>".
  std::string podCgroupParent(int i) const;
  // "/orch-bench-<pid>/<label>": also orch-shim's --cgroup-parent.
  const std::string& cgroupBase() const { return cgroup_base_; }
  // The cgroup.procs file of the daemon's tracking cgroup: the daemon writes its own pid there
  // before it execs (see RuntimeProcess), so every process it forks starts inside.
  std::string trackingProcsFile() const;
  // Pids now in the tracking cgroup.
  std::vector<pid_t> trackedPids() const;

 private:
  BenchNode() = default;
  void cleanup();

  std::string label_, dir_, cgroup_base_, tracking_dir_;
  shim::CgroupLayout layout_;
  std::unique_ptr<testing::TestNetns> netns_;
};

// The conflist both runtimes get (only dataDir differs): bridge "orchbench0" as gateway,
// host-local on 10.245.0.0/16 with its data under `ipam_dir`.
std::string benchConflist(const std::string& ipam_dir);

}  // namespace orch::bench
