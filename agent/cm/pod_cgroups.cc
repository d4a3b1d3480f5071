#include "agent/cm/pod_cgroups.h"

#include <utility>

namespace orch::agent {

namespace {

constexpr const char* kBurstable = "/burstable";
constexpr const char* kBestEffort = "/besteffort";

shim::ResourceSpec toSpec(const PodCgroupResources& r) {
  return shim::ResourceSpec{.cpu_shares = r.cpu_shares,
                            .cpu_quota = r.cpu_quota,
                            .cpu_period = r.cpu_period,
                            .memory_limit_bytes = r.memory_limit_bytes};
}

}  // namespace

std::string podCgroupPath(const std::string& root, QosClass qos, const std::string& uid) {
  switch (qos) {
    case QosClass::kGuaranteed:
      break;
    case QosClass::kBurstable:
      return root + kBurstable + "/pod" + uid;
    case QosClass::kBestEffort:
      return root + kBestEffort + "/pod" + uid;
  }
  return root + "/pod" + uid;
}

PodCgroups::PodCgroups(shim::CgroupLayout layout, std::string root, api::ResourceList allocatable,
                       bool cfs_quota)
    : layout_(std::move(layout)),
      root_(std::move(root)),
      allocatable_(std::move(allocatable)),
      cfs_quota_(cfs_quota) {}

Status PodCgroups::ensureQosCgroups() {
  shim::ResourceSpec node;
  if (auto cpu = allocatable_.find("cpu"); cpu != allocatable_.end())
    node.cpu_shares = milliCpuToShares(cpu->second.milliValue());
  if (auto memory = allocatable_.find("memory"); memory != allocatable_.end())
    node.memory_limit_bytes = memory->second.value();
  ORCH_RETURN_IF_ERROR(shim::Cgroup::create(layout_, root_, node).status());
  ORCH_RETURN_IF_ERROR(
      shim::Cgroup::create(layout_, root_ + kBestEffort, {.cpu_shares = kMinCpuShares}).status());
  ORCH_RETURN_IF_ERROR(shim::Cgroup::create(layout_, root_ + kBurstable, {}).status());
  std::lock_guard lock(mu_);
  return updateBurstableShares();
}

Result<std::string> PodCgroups::ensurePod(const api::Pod& pod) {
  const std::string& uid = pod.metadata.uid;
  std::lock_guard lock(mu_);
  if (auto it = pods_.find(uid); it != pods_.end()) return it->second;
  const QosClass qos = podQosClass(pod);
  std::string path = podCgroupPath(root_, qos, uid);
  ORCH_RETURN_IF_ERROR(
      shim::Cgroup::create(layout_, path, toSpec(podCgroupResources(pod, cfs_quota_))).status());
  pods_[uid] = path;
  if (qos == QosClass::kBurstable) {
    const api::ResourceList requests = podRequests(pod);
    auto cpu = requests.find("cpu");
    burstable_milli_cpu_[uid] = cpu == requests.end() ? 0 : cpu->second.milliValue();
    ORCH_RETURN_IF_ERROR(updateBurstableShares());
  }
  return path;
}

Status PodCgroups::removePod(const std::string& uid) {
  std::lock_guard lock(mu_);
  // Unknown to this process (made before a restart): any of the three places.
  for (QosClass qos : {QosClass::kGuaranteed, QosClass::kBurstable, QosClass::kBestEffort}) {
    ORCH_RETURN_IF_ERROR(shim::Cgroup::open(layout_, podCgroupPath(root_, qos, uid)).remove());
  }
  pods_.erase(uid);
  if (burstable_milli_cpu_.erase(uid) > 0) return updateBurstableShares();
  return Status::ok();
}

Status PodCgroups::updateBurstableShares() {
  int64_t milli_cpu = 0;
  for (const auto& [uid, m] : burstable_milli_cpu_) milli_cpu += m;
  return shim::Cgroup::open(layout_, root_ + kBurstable)
      .update({.cpu_shares = milliCpuToShares(milli_cpu)});
}

}  // namespace orch::agent
