#include "agent/node/node_conditions.h"

#include <algorithm>

#include "common/api/codec.h"

namespace orch::agent {
namespace {

api::NodeCondition& findOrAdd(std::vector<api::NodeCondition>& conditions, const char* type,
                              bool* added) {
  for (auto& c : conditions) {
    if (c.type == type) {
      *added = false;
      return c;
    }
  }
  *added = true;
  api::NodeCondition c;
  c.type = type;
  c.status = "Unknown";
  conditions.push_back(std::move(c));
  return conditions.back();
}

struct PressureText {
  const char* type;
  const char* trueReason;
  const char* trueMessage;
  const char* falseReason;
  const char* falseMessage;
};

constexpr PressureText kMemory{
    "MemoryPressure", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
    "KubeletHasSufficientMemory", "kubelet has sufficient memory available"};
constexpr PressureText kDisk{"DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure",
                             "KubeletHasNoDiskPressure", "kubelet has no disk pressure"};
constexpr PressureText kPid{"PIDPressure", "KubeletHasInsufficientPID",
                            "kubelet has insufficient PID available", "KubeletHasSufficientPID",
                            "kubelet has sufficient PID available"};

void setPressure(std::vector<api::NodeCondition>& conditions, const PressureText& text,
                 bool pressure, const api::Time& now) {
  bool added = false;
  api::NodeCondition& c = findOrAdd(conditions, text.type, &added);
  c.lastHeartbeatTime = now;
  const char* want = pressure ? "True" : "False";
  if (c.status != want || added) {
    c.status = want;
    c.lastTransitionTime = now;
  }
  // Reasons and messages are rewritten even without a transition, so a condition edited by
  // someone else is put right.
  c.reason = pressure ? text.trueReason : text.falseReason;
  c.message = pressure ? text.trueMessage : text.falseMessage;
}

void setReady(std::vector<api::NodeCondition>& conditions, const Readiness& readiness,
              const api::Time& now) {
  bool added = false;
  api::NodeCondition& c = findOrAdd(conditions, "Ready", &added);
  const char* want = readiness.ready ? "True" : "False";
  if (c.status != want || added || !c.lastTransitionTime) c.lastTransitionTime = now;
  c.status = want;
  c.lastHeartbeatTime = now;
  if (readiness.ready) {
    c.reason = "KubeletReady";
    c.message = "kubelet is posting ready status";
  } else {
    c.reason = "KubeletNotReady";
    c.message = !readiness.message.empty()  ? readiness.message
                : !readiness.reason.empty() ? readiness.reason
                                            : "container runtime is not ready";
  }
}

}  // namespace

Pressure computePressure(const Result<MemoryStats>& mem, const Result<FsStats>& fs,
                         const Result<PidStats>& pids, const PressureThresholds& t) {
  Pressure p;
  if (mem.ok()) p.memory = mem->availableBytes < t.memoryAvailableBytes;
  if (fs.ok()) {
    if (fs->capacityBytes > 0) {
      p.disk = static_cast<double>(fs->availableBytes) <
               t.nodefsAvailableFraction * static_cast<double>(fs->capacityBytes);
    }
    if (fs->inodes > 0) {
      p.disk = p.disk || static_cast<double>(fs->inodesFree) <
                             t.nodefsInodesFreeFraction * static_cast<double>(fs->inodes);
    }
  }
  if (pids.ok() && pids->max > 0) {
    p.pid = static_cast<double>(pids->max - pids->running) <
            t.pidAvailableFraction * static_cast<double>(pids->max);
  }
  return p;
}

void setNodeConditions(std::vector<api::NodeCondition>& conditions, const Readiness& readiness,
                       const Pressure& pressure, const api::Time& now) {
  setPressure(conditions, kMemory, pressure.memory, now);
  setPressure(conditions, kDisk, pressure.disk, now);
  setPressure(conditions, kPid, pressure.pid, now);
  setReady(conditions, readiness, now);
}

bool nodeStatusChanged(const api::NodeStatus& before, const api::NodeStatus& after) {
  // Compared as the API would store them (timestamps in whole seconds), heartbeats left out.
  auto normalized = [](const api::NodeStatus& s) {
    api::Json j = api::encode(s);
    if (j.contains("conditions")) {
      for (auto& c : j["conditions"]) c.erase("lastHeartbeatTime");
      std::sort(j["conditions"].begin(), j["conditions"].end(),
                [](const api::Json& a, const api::Json& b) {
                  return a.value("type", "") < b.value("type", "");
                });
    }
    return j;
  };
  return normalized(before) != normalized(after);
}

}  // namespace orch::agent
