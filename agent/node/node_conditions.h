#pragma once
// The Node's conditions, with the kubelet's types, reasons, messages and timestamp rules
// (pkg/kubelet/nodestatus/setters.go):
//  - every condition gets lastHeartbeatTime = now each time it is computed;
//  - lastTransitionTime changes only when the condition's status changes (or when the
//    condition is new);
//  - Ready: True / KubeletReady / "kubelet is posting ready status", or False / KubeletNotReady
//    with the runtime's message;
//  - MemoryPressure, DiskPressure, PIDPressure: False with KubeletHasSufficientMemory,
//    KubeletHasNoDiskPressure, KubeletHasSufficientPID, or True with
//    KubeletHasInsufficientMemory, KubeletHasDiskPressure, KubeletHasInsufficientPID.
// Conditions are updated in place; missing ones are appended in the kubelet's order
// (MemoryPressure, DiskPressure, PIDPressure, Ready). Conditions of other types already on the
// Node (e.g. NetworkUnavailable, set by others) are kept as they are.
// Pure functions; safe from any thread.

#include <cstdint>
#include <vector>

#include "agent/node/host_probe.h"
#include "agent/node/node_info.h"
#include "common/api/node.h"
#include "common/api/time.h"

namespace orch::agent {

// Pressure thresholds. The first three are the kubelet's default evictionHard
// (memory.available<100Mi, nodefs.available<10%, nodefs.inodesFree<5%); the kubelet has no
// default pid.available threshold, so PID pressure here means more than 90% of the PID limit
// in use (pid.available<10%).
struct PressureThresholds {
  int64_t memoryAvailableBytes = 100 * 1024 * 1024;
  double nodefsAvailableFraction = 0.10;
  double nodefsInodesFreeFraction = 0.05;
  double pidAvailableFraction = 0.10;
};

struct Pressure {
  bool memory = false;
  bool disk = false;
  bool pid = false;
};

// A stat that could not be read counts as no pressure (the kubelet's eviction manager also
// reports none without stats).
Pressure computePressure(const Result<MemoryStats>& mem, const Result<FsStats>& fs,
                         const Result<PidStats>& pids, const PressureThresholds& t = {});

// Sets the four conditions in `conditions` (see the top of the file) at time `now`.
void setNodeConditions(std::vector<api::NodeCondition>& conditions, const Readiness& readiness,
                       const Pressure& pressure, const api::Time& now);

// Whether a status differs in anything but the conditions' lastHeartbeatTime (the kubelet's
// nodeStatusHasChanged): a change is posted at once, otherwise only every report interval.
bool nodeStatusChanged(const api::NodeStatus& before, const api::NodeStatus& after);

}  // namespace orch::agent
