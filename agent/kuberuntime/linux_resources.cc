#include "agent/kuberuntime/linux_resources.h"

#include <algorithm>
#include <set>

namespace orch::agent {

namespace {

bool isQosResource(const std::string& name) {
  return name == "cpu" || name == "memory";
}

void addList(api::ResourceList& to, const api::ResourceList& add) {
  for (const auto& [name, q] : add) to[name] += q;
}

void maxList(api::ResourceList& to, const api::ResourceList& other) {
  for (const auto& [name, q] : other) {
    auto it = to.find(name);
    if (it == to.end() || it->second < q) to[name] = q;
  }
}

// Upstream's AggregateContainerRequests / AggregateContainerLimits: sidecars run next to
// everything started after them, regular init containers one at a time.
api::ResourceList aggregate(const api::Pod& pod, bool limits) {
  auto of = [limits](const api::Container& c) -> const api::ResourceList& {
    return limits ? c.resources.limits : c.resources.requests;
  };
  api::ResourceList total;
  for (const auto& c : pod.spec.containers) addList(total, of(c));
  api::ResourceList sidecars, init_max;
  for (const auto& c : pod.spec.initContainers) {
    api::ResourceList step;
    if (isSidecar(c)) {
      addList(total, of(c));
      addList(sidecars, of(c));
      step = sidecars;
    } else {
      step = of(c);
      addList(step, sidecars);
    }
    maxList(init_max, step);
  }
  maxList(total, init_max);
  return total;
}

std::optional<api::Quantity> lookup(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second;
}

}  // namespace

bool isSidecar(const api::Container& init_container) {
  return init_container.restartPolicy && *init_container.restartPolicy == "Always";
}

std::string_view qosClassName(QosClass qos) {
  switch (qos) {
    case QosClass::kGuaranteed:
      return "Guaranteed";
    case QosClass::kBurstable:
      return "Burstable";
    case QosClass::kBestEffort:
      return "BestEffort";
  }
  return "BestEffort";
}

QosClass computePodQosClass(const api::Pod& pod) {
  api::ResourceList requests, limits;
  bool guaranteed = true;
  auto visit = [&](const api::Container& c) {
    for (const auto& [name, q] : c.resources.requests)
      if (isQosResource(name) && q.sign() > 0) requests[name] += q;
    std::set<std::string> found;
    for (const auto& [name, q] : c.resources.limits) {
      if (isQosResource(name) && q.sign() > 0) {
        found.insert(name);
        limits[name] += q;
      }
    }
    if (!found.count("cpu") || !found.count("memory")) guaranteed = false;
  };
  for (const auto& c : pod.spec.containers) visit(c);
  for (const auto& c : pod.spec.initContainers) visit(c);
  if (requests.empty() && limits.empty()) return QosClass::kBestEffort;
  if (guaranteed) {
    for (const auto& [name, req] : requests) {
      auto it = limits.find(name);
      if (it == limits.end() || it->second != req) {
        guaranteed = false;
        break;
      }
    }
  }
  if (guaranteed && requests.size() == limits.size()) return QosClass::kGuaranteed;
  return QosClass::kBurstable;
}

QosClass podQosClass(const api::Pod& pod) {
  const std::string& s = pod.status.qosClass;
  if (s == "Guaranteed") return QosClass::kGuaranteed;
  if (s == "Burstable") return QosClass::kBurstable;
  if (s == "BestEffort") return QosClass::kBestEffort;
  return computePodQosClass(pod);
}

int64_t milliCpuToShares(int64_t milli_cpu) {
  if (milli_cpu == 0) return kMinCpuShares;
  int64_t shares = milli_cpu * 1024 / 1000;
  return std::clamp(shares, kMinCpuShares, kMaxCpuShares);
}

int64_t milliCpuToQuota(int64_t milli_cpu, int64_t period_us) {
  if (milli_cpu == 0) return 0;
  return std::max(milli_cpu * period_us / 1000, kMinCpuQuotaUs);
}

runtime::v1::LinuxContainerResources linuxResources(
    const std::optional<api::Quantity>& cpu_request, const std::optional<api::Quantity>& cpu_limit,
    const std::optional<api::Quantity>& memory_limit, bool cfs_quota) {
  runtime::v1::LinuxContainerResources r;
  // A limit without a request stands for the request (the apiserver defaults it so; repeated
  // here for pods that did not go through it).
  if (!cpu_request && cpu_limit)
    r.set_cpu_shares(milliCpuToShares(cpu_limit->milliValue()));
  else
    r.set_cpu_shares(milliCpuToShares(cpu_request ? cpu_request->milliValue() : 0));
  if (memory_limit && memory_limit->value() != 0)
    r.set_memory_limit_in_bytes(memory_limit->value());
  if (cfs_quota) {
    r.set_cpu_period(kCpuPeriodUs);
    r.set_cpu_quota(milliCpuToQuota(cpu_limit ? cpu_limit->milliValue() : 0, kCpuPeriodUs));
  }
  return r;
}

int64_t containerOomScoreAdj(const api::Pod& pod, const api::Container& container,
                             int64_t memory_capacity_bytes) {
  if (pod.spec.priorityClassName == "system-node-critical") return kGuaranteedOomScoreAdj;
  switch (podQosClass(pod)) {
    case QosClass::kGuaranteed:
      return kGuaranteedOomScoreAdj;
    case QosClass::kBestEffort:
      return kBestEffortOomScoreAdj;
    case QosClass::kBurstable:
      break;
  }
  int64_t request = 0;
  if (auto q = lookup(container.resources.requests, "memory")) request = q->value();
  int64_t adj = 1000;
  if (memory_capacity_bytes > 0)
    adj = 1000 -
          static_cast<int64_t>((static_cast<__int128>(1000) * request) / memory_capacity_bytes);
  if (adj < 1000 + kGuaranteedOomScoreAdj) return 1000 + kGuaranteedOomScoreAdj;
  if (adj == kBestEffortOomScoreAdj) return adj - 1;
  return adj;
}

runtime::v1::LinuxContainerResources containerLinuxResources(const api::Pod& pod,
                                                             const api::Container& container,
                                                             int64_t memory_capacity_bytes,
                                                             bool cfs_quota) {
  const auto& res = container.resources;
  auto r = linuxResources(lookup(res.requests, "cpu"), lookup(res.limits, "cpu"),
                          lookup(res.limits, "memory"), cfs_quota);
  r.set_oom_score_adj(containerOomScoreAdj(pod, container, memory_capacity_bytes));
  return r;
}

api::ResourceList podRequests(const api::Pod& pod) {
  api::ResourceList r = aggregate(pod, /*limits=*/false);
  addList(r, pod.spec.overhead);
  return r;
}

api::ResourceList podLimits(const api::Pod& pod) {
  api::ResourceList r = aggregate(pod, /*limits=*/true);
  // Overhead only raises limits that exist (an absent limit stays unlimited).
  for (const auto& [name, q] : pod.spec.overhead) {
    auto it = r.find(name);
    if (it != r.end() && !it->second.isZero()) it->second += q;
  }
  return r;
}

PodCgroupResources podCgroupResources(const api::Pod& pod, bool cfs_quota) {
  PodCgroupResources r;
  const QosClass qos = podQosClass(pod);
  if (qos == QosClass::kBestEffort) {
    r.cpu_shares = kMinCpuShares;
    return r;
  }
  bool cpu_limits_declared = true, memory_limits_declared = true;
  for (const auto* list : {&pod.spec.initContainers, &pod.spec.containers}) {
    for (const auto& c : *list) {
      auto cpu = lookup(c.resources.limits, "cpu");
      auto memory = lookup(c.resources.limits, "memory");
      if (!cpu || cpu->isZero()) cpu_limits_declared = false;
      if (!memory || memory->isZero()) memory_limits_declared = false;
    }
  }
  const api::ResourceList requests = podRequests(pod), limits = podLimits(pod);
  auto cpu_request = lookup(requests, "cpu");
  auto cpu_limit = lookup(limits, "cpu");
  auto memory_limit = lookup(limits, "memory");
  r.cpu_shares = milliCpuToShares(cpu_request ? cpu_request->milliValue() : 0);
  if (qos == QosClass::kGuaranteed || cpu_limits_declared) {
    r.cpu_period = kCpuPeriodUs;
    r.cpu_quota =
        cfs_quota ? milliCpuToQuota(cpu_limit ? cpu_limit->milliValue() : 0, kCpuPeriodUs) : -1;
  }
  if ((qos == QosClass::kGuaranteed || memory_limits_declared) && memory_limit)
    r.memory_limit_bytes = memory_limit->value();
  return r;
}

}  // namespace orch::agent
