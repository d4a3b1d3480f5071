#pragma once
// core/v1 PodStatus and ContainerStatus.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/time.h"

namespace orch::api {

struct PodCondition {
  std::string type;                        // PodScheduled, Initialized, ContainersReady, Ready, ...
  std::string status;                      // True, False, Unknown
  std::optional<Time> lastProbeTime;       // written as null when unset, as upstream
  std::optional<Time> lastTransitionTime;  // written as null when unset, as upstream
  std::string reason, message;
  Json unknown_fields;
};

struct ContainerStateWaiting {
  std::string reason, message;
  Json unknown_fields;
};

struct ContainerStateRunning {
  std::optional<Time> startedAt;
  Json unknown_fields;
};

struct ContainerStateTerminated {
  int32_t exitCode = 0;
  int32_t signal = 0;  // omitted when 0
  std::string reason, message;
  std::optional<Time> startedAt, finishedAt;
  std::string containerID;
  Json unknown_fields;
};

// At most one member is set.
struct ContainerState {
  std::optional<ContainerStateWaiting> waiting;
  std::optional<ContainerStateRunning> running;
  std::optional<ContainerStateTerminated> terminated;
  Json unknown_fields;
};

struct ContainerStatus {
  std::string name;
  ContainerState state, lastState;
  bool ready = false;
  int32_t restartCount = 0;
  std::string image, imageID, containerID;
  std::optional<bool> started;
  Json unknown_fields;  // allocatedResources, resources, volumeMounts, user, ...
};

struct PodIP {
  std::string ip;
  Json unknown_fields;
};

struct PodStatus {
  std::string phase;  // Pending, Running, Succeeded, Failed, Unknown
  std::vector<PodCondition> conditions;
  std::string message, reason, nominatedNodeName;
  std::string hostIP;
  std::vector<PodIP> hostIPs;
  std::string podIP;
  std::vector<PodIP> podIPs;
  std::optional<Time> startTime;
  std::vector<ContainerStatus> initContainerStatuses, containerStatuses;
  std::string qosClass;  // Guaranteed, Burstable, BestEffort
  Json unknown_fields;   // ephemeralContainerStatuses, resize, resourceClaimStatuses, ...
};

ORCH_API_CODEC(PodCondition);
ORCH_API_CODEC(ContainerStateWaiting);
ORCH_API_CODEC(ContainerStateRunning);
ORCH_API_CODEC(ContainerStateTerminated);
ORCH_API_CODEC(ContainerState);
ORCH_API_CODEC(ContainerStatus);
ORCH_API_CODEC(PodIP);
ORCH_API_CODEC(PodStatus);

}  // namespace orch::api
