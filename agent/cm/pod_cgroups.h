#pragma once
// PodCgroups: the kubelet's QoS and pod cgroups (its cgroupfs driver layout) below
// --cgroup-root, with the resources upstream gives them:
//
//   <root>                      node allocatable: cpu.shares of the cpu, the memory limit
//   <root>/burstable            cpu.shares = the summed cpu requests of the Burstable pods
//   <root>/besteffort           cpu.shares = 2
//   <root>/pod<uid>             a Guaranteed pod: podCgroupResources(pod)
//   <root>/burstable/pod<uid>   a Burstable pod: podCgroupResources(pod)
//   <root>/besteffort/pod<uid>  a BestEffort pod: cpu.shares = 2
//
// The runtime makes the sandbox's and the containers' cgroups below a pod's (the
// cgroup_parent of its sandbox), so the pod's limits bound all of them together.
// Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "agent/kuberuntime/linux_resources.h"
#include "common/api/pod.h"
#include "common/base/status.h"
#include "runtime-shim/container/cgroups.h"

namespace orch::agent {

// "<root>/pod<uid>", "<root>/burstable/pod<uid>" or "<root>/besteffort/pod<uid>".
std::string podCgroupPath(const std::string& root, QosClass qos, const std::string& uid);

class PodCgroups {
 public:
  // `allocatable`: the node's (cpu, memory) for the root cgroup; `cfs_quota` as --cpu-cfs-quota.
  PodCgroups(shim::CgroupLayout layout, std::string root, api::ResourceList allocatable,
             bool cfs_quota = true);

  // Creates the root and the two QoS cgroups (reusing existing ones) with their resources.
  Status ensureQosCgroups();
  // Creates the pod's cgroup with its resources the first time it is asked for in this
  // process (a pod's resources do not change), counts its cpu request into the burstable
  // share, and returns its path: the cgroup_parent of the pod's sandbox.
  Result<std::string> ensurePod(const api::Pod& pod);
  // Removes the pod's cgroup wherever it is (its children must be gone) and drops its share.
  Status removePod(const std::string& uid);

 private:
  Status updateBurstableShares();  // with mu_ held

  const shim::CgroupLayout layout_;
  const std::string root_;
  const api::ResourceList allocatable_;
  const bool cfs_quota_;
  std::mutex mu_;
  std::map<std::string, std::string> pods_;             // uid → cgroup path, made here
  std::map<std::string, int64_t> burstable_milli_cpu_;  // uid → cpu request (Burstable pods)
};

}  // namespace orch::agent
