// The kubelet's resource arithmetic: shares, quota, QoS class, oom_score_adj, pod totals.

#include "agent/kuberuntime/linux_resources.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

using testing::container;
using testing::pod;
using testing::resources;
using testing::sidecar;

constexpr int64_t kGi = 1024 * 1024 * 1024;

TEST(CpuMath, Shares) {
  EXPECT_EQ(milliCpuToShares(0), 2);
  EXPECT_EQ(milliCpuToShares(1), 2);
  EXPECT_EQ(milliCpuToShares(100), 102);
  EXPECT_EQ(milliCpuToShares(250), 256);
  EXPECT_EQ(milliCpuToShares(1000), 1024);
  EXPECT_EQ(milliCpuToShares(500000), 262144);
}

TEST(CpuMath, Quota) {
  EXPECT_EQ(milliCpuToQuota(0, kCpuPeriodUs), 0);
  EXPECT_EQ(milliCpuToQuota(1, kCpuPeriodUs), 1000);  // at least 1 ms
  EXPECT_EQ(milliCpuToQuota(250, kCpuPeriodUs), 25000);
  EXPECT_EQ(milliCpuToQuota(1500, kCpuPeriodUs), 150000);
}

TEST(Qos, Classes) {
  api::Pod p = pod();
  EXPECT_EQ(computePodQosClass(p), QosClass::kBestEffort);

  resources(p.spec.containers[0], "100m", "64Mi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kBurstable);

  p = pod();
  resources(p.spec.containers[0], "500m", "1Gi", "500m", "1Gi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kGuaranteed);
  // An init container without limits breaks Guaranteed.
  p.spec.initContainers.push_back(container("init"));
  resources(p.spec.initContainers[0], "100m", "");
  EXPECT_EQ(computePodQosClass(p), QosClass::kBurstable);
  p.spec.initContainers[0] = container("init");
  resources(p.spec.initContainers[0], "100m", "64Mi", "100m", "64Mi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kGuaranteed);

  // Limits only (the apiserver did not default requests): Burstable, as upstream computes.
  p = pod();
  resources(p.spec.containers[0], "", "", "1", "1Gi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kBurstable);
  // Requests below limits.
  p = pod();
  resources(p.spec.containers[0], "500m", "1Gi", "1", "1Gi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kBurstable);
  // Other resources do not count.
  p = pod();
  p.spec.containers[0].resources.requests["ephemeral-storage"] = api::Quantity::mustParse("1Gi");
  EXPECT_EQ(computePodQosClass(p), QosClass::kBestEffort);
  // The apiserver's status.qosClass wins.
  p.status.qosClass = "Guaranteed";
  EXPECT_EQ(podQosClass(p), QosClass::kGuaranteed);
  EXPECT_EQ(qosClassName(QosClass::kBurstable), "Burstable");
}

TEST(OomScoreAdj, ByQosClass) {
  api::Pod guaranteed = pod();
  resources(guaranteed.spec.containers[0], "1", "1Gi", "1", "1Gi");
  EXPECT_EQ(containerOomScoreAdj(guaranteed, guaranteed.spec.containers[0], 16 * kGi), -997);

  api::Pod best = pod();
  EXPECT_EQ(containerOomScoreAdj(best, best.spec.containers[0], 16 * kGi), 1000);

  api::Pod burst = pod();
  resources(burst.spec.containers[0], "100m", "1Gi");
  // 1000 - 1000 * 1Gi / 10Gi = 900
  EXPECT_EQ(containerOomScoreAdj(burst, burst.spec.containers[0], 10 * kGi), 900);
  // 1000 - 1000 * 1Gi / 16Gi = 937.5 -> 938 (integer division of the product)
  EXPECT_EQ(containerOomScoreAdj(burst, burst.spec.containers[0], 16 * kGi), 938);
  // Requesting (almost) all the memory: floored at 3.
  burst.spec.containers[0].resources.requests["memory"] = api::Quantity::mustParse("16Gi");
  EXPECT_EQ(containerOomScoreAdj(burst, burst.spec.containers[0], 16 * kGi), 3);
  // No memory request in a Burstable pod: 1000 would equal BestEffort, so 999.
  burst.spec.containers[0].resources.requests.erase("memory");
  EXPECT_EQ(containerOomScoreAdj(burst, burst.spec.containers[0], 16 * kGi), 999);
  // A tiny request still counts as Burstable's ceiling.
  burst.spec.containers[0].resources.requests["memory"] = api::Quantity::mustParse("1Ki");
  EXPECT_EQ(containerOomScoreAdj(burst, burst.spec.containers[0], 16 * kGi), 999);

  api::Pod critical = best;
  critical.spec.priorityClassName = "system-node-critical";
  EXPECT_EQ(containerOomScoreAdj(critical, critical.spec.containers[0], 16 * kGi), -997);
}

TEST(LinuxResources, FromRequestsAndLimits) {
  auto r = linuxResources(api::Quantity::mustParse("250m"), api::Quantity::mustParse("500m"),
                          api::Quantity::mustParse("128Mi"));
  EXPECT_EQ(r.cpu_shares(), 256);
  EXPECT_EQ(r.cpu_period(), 100000);
  EXPECT_EQ(r.cpu_quota(), 50000);
  EXPECT_EQ(r.memory_limit_in_bytes(), 128 * 1024 * 1024);

  // No request: shares follow the limit.
  r = linuxResources(std::nullopt, api::Quantity::mustParse("2"), std::nullopt);
  EXPECT_EQ(r.cpu_shares(), 2048);
  EXPECT_EQ(r.cpu_quota(), 200000);
  EXPECT_EQ(r.memory_limit_in_bytes(), 0);

  // Nothing: minimum shares, no quota (but the period), no memory limit.
  r = linuxResources(std::nullopt, std::nullopt, std::nullopt);
  EXPECT_EQ(r.cpu_shares(), 2);
  EXPECT_EQ(r.cpu_quota(), 0);
  EXPECT_EQ(r.cpu_period(), 100000);

  // --cpu-cfs-quota=false
  r = linuxResources(std::nullopt, api::Quantity::mustParse("1"), std::nullopt, false);
  EXPECT_EQ(r.cpu_quota(), 0);
  EXPECT_EQ(r.cpu_period(), 0);
}

TEST(LinuxResources, ContainerIncludesOomScoreAdj) {
  api::Pod p = pod();
  resources(p.spec.containers[0], "100m", "1Gi", "200m", "2Gi");
  auto r = containerLinuxResources(p, p.spec.containers[0], 10 * kGi);
  EXPECT_EQ(r.cpu_shares(), 102);
  EXPECT_EQ(r.cpu_quota(), 20000);
  EXPECT_EQ(r.memory_limit_in_bytes(), 2 * kGi);
  EXPECT_EQ(r.oom_score_adj(), 900);
}

TEST(PodTotals, SidecarsInitContainersAndOverhead) {
  api::Pod p = pod();
  resources(p.spec.containers[0], "100m", "100Mi", "200m", "200Mi");
  p.spec.containers.push_back(container("second"));
  resources(p.spec.containers[1], "100m", "100Mi", "", "");
  // A sidecar runs next to everything after it.
  p.spec.initContainers.push_back(sidecar("proxy"));
  resources(p.spec.initContainers[0], "50m", "50Mi", "50m", "50Mi");
  // A big regular init container runs alone (plus the sidecar started before it).
  p.spec.initContainers.push_back(container("migrate"));
  resources(p.spec.initContainers[1], "1", "64Mi", "1", "64Mi");

  api::ResourceList req = podRequests(p);
  // cpu: max(100m+100m+50m, 1+50m) = 1050m; memory: max(250Mi, 114Mi) = 250Mi.
  EXPECT_EQ(req.at("cpu").milliValue(), 1050);
  EXPECT_EQ(req.at("memory"), api::Quantity::mustParse("250Mi"));
  api::ResourceList lim = podLimits(p);
  EXPECT_EQ(lim.at("cpu").milliValue(), 1050);
  EXPECT_EQ(lim.at("memory"), api::Quantity::mustParse("250Mi"));

  p.spec.overhead["cpu"] = api::Quantity::mustParse("10m");
  p.spec.overhead["memory"] = api::Quantity::mustParse("10Mi");
  p.spec.overhead["pods"] = api::Quantity::mustParse("1");
  EXPECT_EQ(podRequests(p).at("cpu").milliValue(), 1060);
  EXPECT_EQ(podRequests(p).at("pods").value(), 1);
  EXPECT_EQ(podLimits(p).at("memory"), api::Quantity::mustParse("260Mi"));
  EXPECT_FALSE(podLimits(p).count("pods"));  // overhead only raises existing limits
}

TEST(PodCgroup, ResourcesByQosClass) {
  // BestEffort: the minimum shares, nothing else.
  api::Pod p = pod();
  EXPECT_EQ(podCgroupResources(p), (PodCgroupResources{.cpu_shares = 2}));

  // Guaranteed: shares, quota and memory limit of the pod's totals.
  p = pod();
  resources(p.spec.containers[0], "500m", "1Gi", "500m", "1Gi");
  p.spec.containers.push_back(container("second"));
  resources(p.spec.containers[1], "250m", "1Gi", "250m", "1Gi");
  EXPECT_EQ(podCgroupResources(p), (PodCgroupResources{.cpu_shares = 768,
                                                       .cpu_quota = 75000,
                                                       .cpu_period = 100000,
                                                       .memory_limit_bytes = 2 * kGi}));
  // --cpu-cfs-quota=false: the pod's quota is unlimited.
  EXPECT_EQ(podCgroupResources(p, /*cfs_quota=*/false).cpu_quota, -1);

  // Burstable with every limit declared: as Guaranteed, shares from the requests.
  p = pod();
  resources(p.spec.containers[0], "100m", "64Mi", "200m", "128Mi");
  EXPECT_EQ(podCgroupResources(p), (PodCgroupResources{.cpu_shares = 102,
                                                       .cpu_quota = 20000,
                                                       .cpu_period = 100000,
                                                       .memory_limit_bytes = 128 * 1024 * 1024}));
  // A container without a cpu limit lifts the pod's quota; memory limits all there still count.
  p.spec.containers.push_back(container("second"));
  resources(p.spec.containers[1], "100m", "", "", "64Mi");
  EXPECT_EQ(podCgroupResources(p),
            (PodCgroupResources{.cpu_shares = 204, .memory_limit_bytes = 192 * 1024 * 1024}));
  // An init container without a memory limit lifts the pod's memory limit too.
  p.spec.initContainers.push_back(container("init"));
  resources(p.spec.initContainers[0], "100m", "", "", "");
  EXPECT_EQ(podCgroupResources(p), (PodCgroupResources{.cpu_shares = 204}));
}

}  // namespace
}  // namespace orch::agent
