#pragma once
// Resource arithmetic of the kubelet on Linux: QoS class, CPU shares / CFS quota, memory
// limit and oom_score_adj of containers, and the pod's effective requests and limits.
// Formulas as upstream (pkg/kubelet/cm, pkg/kubelet/qos, kuberuntime_container_linux.go,
// component-helpers resource helpers). Pure.

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/api/pod.h"
#include "common/api/quantity.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

inline constexpr int64_t kMinCpuShares = 2;
inline constexpr int64_t kMaxCpuShares = 262144;
inline constexpr int64_t kCpuPeriodUs = 100000;  // 100 ms
inline constexpr int64_t kMinCpuQuotaUs = 1000;  // 1 ms
inline constexpr int64_t kGuaranteedOomScoreAdj = -997;
inline constexpr int64_t kBestEffortOomScoreAdj = 1000;

enum class QosClass { kGuaranteed, kBurstable, kBestEffort };
// "Guaranteed", "Burstable", "BestEffort".
std::string_view qosClassName(QosClass qos);

// The pod's QoS class computed from its containers' (app and init) cpu/memory requests and
// limits: BestEffort without any, Guaranteed when every container has cpu and memory limits
// and the summed requests equal the summed limits, Burstable otherwise.
QosClass computePodQosClass(const api::Pod& pod);
// status.qosClass when the apiserver set it, else computePodQosClass.
QosClass podQosClass(const api::Pod& pod);

// milliCPU * 1024 / 1000, at least 2 (also for 0: the kernel's minimum), at most 262144.
int64_t milliCpuToShares(int64_t milli_cpu);
// milliCPU * period / 1000, at least 1 ms; 0 (no quota) for 0 milliCPU.
int64_t milliCpuToQuota(int64_t milli_cpu, int64_t period_us);

// cpu_shares from the CPU request (or the limit when no request is given), cpu_quota /
// cpu_period from the CPU limit (when `cfs_quota`, as --cpu-cfs-quota, default true) and
// memory_limit_in_bytes from the memory limit (0: unlimited).
runtime::v1::LinuxContainerResources linuxResources(
    const std::optional<api::Quantity>& cpu_request, const std::optional<api::Quantity>& cpu_limit,
    const std::optional<api::Quantity>& memory_limit, bool cfs_quota = true);

// oom_score_adj of a container: -997 for Guaranteed pods and system-node-critical pods, 1000
// for BestEffort, else 1000 - 1000 * memoryRequest / memoryCapacity, kept within [3, 999]
// (1000 + guaranteed's -997 as the floor, one below BestEffort as the ceiling).
int64_t containerOomScoreAdj(const api::Pod& pod, const api::Container& container,
                             int64_t memory_capacity_bytes);

// A container's LinuxContainerResources: linuxResources() of its requests/limits plus
// oom_score_adj. Hugepage limits are not set.
runtime::v1::LinuxContainerResources containerLinuxResources(const api::Pod& pod,
                                                             const api::Container& container,
                                                             int64_t memory_capacity_bytes,
                                                             bool cfs_quota = true);

// The pod's effective requests / limits: app containers and sidecars (restartable init
// containers) summed, at least the largest regular init container (plus the sidecars started
// before it), plus spec.overhead.
api::ResourceList podRequests(const api::Pod& pod);
api::ResourceList podLimits(const api::Pod& pod);

// The resources of a pod's own cgroup (upstream's ResourceConfigForPod), 0 = not set:
// cpu_shares from the pod's cpu request (2 for BestEffort); for Guaranteed pods the CFS quota
// of the pod's cpu limit and its memory limit; for Burstable pods each of those only when
// every container declares that limit. Quota -1 (unlimited) when `cfs_quota` is off.
struct PodCgroupResources {
  int64_t cpu_shares = 0;
  int64_t cpu_quota = 0;
  int64_t cpu_period = 0;
  int64_t memory_limit_bytes = 0;
  bool operator==(const PodCgroupResources&) const = default;
};
PodCgroupResources podCgroupResources(const api::Pod& pod, bool cfs_quota = true);

// Whether an init container is a sidecar (restartPolicy: Always).
bool isSidecar(const api::Container& init_container);

}  // namespace orch::agent
