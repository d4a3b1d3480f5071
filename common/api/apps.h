#pragma once
// apps/v1 Deployment, ReplicaSet and DaemonSet.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/int_or_string.h"
#include "common/api/json_io.h"
#include "common/api/label_selector.h"
#include "common/api/meta.h"
#include "common/api/pod.h"
#include "common/api/references.h"
#include "common/api/time.h"

namespace orch::api {

// The condition shape of ReplicaSet and DaemonSet.
struct WorkloadCondition {
  std::string type, status;
  std::optional<Time> lastTransitionTime;  // null when unset, as upstream
  std::string reason, message;
  Json unknown_fields;
};

struct DeploymentCondition {
  std::string type;  // Available, Progressing, ReplicaFailure
  std::string status;
  std::optional<Time> lastUpdateTime, lastTransitionTime;  // null when unset, as upstream
  std::string reason, message;
  Json unknown_fields;
};

struct RollingUpdateDeployment {
  std::optional<IntOrString> maxUnavailable, maxSurge;  // count or "25%"
  Json unknown_fields;
};

struct DeploymentStrategy {
  std::string type;  // RollingUpdate, Recreate
  std::optional<RollingUpdateDeployment> rollingUpdate;
  Json unknown_fields;
};

struct DeploymentSpec {
  std::optional<int32_t> replicas;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;  // JSON "template"
  DeploymentStrategy strategy;
  int32_t minReadySeconds = 0;
  std::optional<int32_t> revisionHistoryLimit;
  bool paused = false;
  std::optional<int32_t> progressDeadlineSeconds;
  Json unknown_fields;
};

struct DeploymentStatus {
  int64_t observedGeneration = 0;
  int32_t replicas = 0, updatedReplicas = 0, readyReplicas = 0, availableReplicas = 0,
          unavailableReplicas = 0;  // each omitted when 0
  std::optional<int32_t> terminatingReplicas;
  std::vector<DeploymentCondition> conditions;
  std::optional<int32_t> collisionCount;
  Json unknown_fields;
};

struct Deployment {
  ORCH_API_KIND("apps", "v1", "Deployment", "deployments", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  DeploymentSpec spec;
  DeploymentStatus status;
  Json unknown_fields;
};

struct ReplicaSetSpec {
  std::optional<int32_t> replicas;
  int32_t minReadySeconds = 0;
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;  // JSON "template"
  Json unknown_fields;
};

struct ReplicaSetStatus {
  int32_t replicas = 0;  // always written
  int32_t fullyLabeledReplicas = 0, readyReplicas = 0, availableReplicas = 0;
  std::optional<int32_t> terminatingReplicas;
  int64_t observedGeneration = 0;
  std::vector<WorkloadCondition> conditions;
  Json unknown_fields;
};

struct ReplicaSet {
  ORCH_API_KIND("apps", "v1", "ReplicaSet", "replicasets", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ReplicaSetSpec spec;
  ReplicaSetStatus status;
  Json unknown_fields;
};

struct RollingUpdateDaemonSet {
  std::optional<IntOrString> maxUnavailable, maxSurge;
  Json unknown_fields;
};

struct DaemonSetUpdateStrategy {
  std::string type;  // RollingUpdate, OnDelete
  std::optional<RollingUpdateDaemonSet> rollingUpdate;
  Json unknown_fields;
};

struct DaemonSetSpec {
  std::optional<LabelSelector> selector;
  PodTemplateSpec template_;  // JSON "template"
  DaemonSetUpdateStrategy updateStrategy;
  int32_t minReadySeconds = 0;
  std::optional<int32_t> revisionHistoryLimit;
  Json unknown_fields;
};

struct DaemonSetStatus {
  int32_t currentNumberScheduled = 0, numberMisscheduled = 0, desiredNumberScheduled = 0,
          numberReady = 0;  // always written
  int64_t observedGeneration = 0;
  int32_t updatedNumberScheduled = 0, numberAvailable = 0, numberUnavailable = 0;
  std::optional<int32_t> collisionCount;
  std::vector<WorkloadCondition> conditions;
  Json unknown_fields;
};

struct DaemonSet {
  ORCH_API_KIND("apps", "v1", "DaemonSet", "daemonsets", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  DaemonSetSpec spec;
  DaemonSetStatus status;
  Json unknown_fields;
};

ORCH_API_CODEC(WorkloadCondition);
ORCH_API_CODEC(DeploymentCondition);
ORCH_API_CODEC(RollingUpdateDeployment);
ORCH_API_CODEC(DeploymentStrategy);
ORCH_API_CODEC(DeploymentSpec);
ORCH_API_CODEC(DeploymentStatus);
ORCH_API_CODEC(Deployment);
ORCH_API_CODEC(ReplicaSetSpec);
ORCH_API_CODEC(ReplicaSetStatus);
ORCH_API_CODEC(ReplicaSet);
ORCH_API_CODEC(RollingUpdateDaemonSet);
ORCH_API_CODEC(DaemonSetUpdateStrategy);
ORCH_API_CODEC(DaemonSetSpec);
ORCH_API_CODEC(DaemonSetStatus);
ORCH_API_CODEC(DaemonSet);

}  // namespace orch::api
