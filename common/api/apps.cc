#include "common/api/apps.h"

namespace orch::api {

ORCH_API_FIELDS(WorkloadCondition) {
  ORCH_F(f.always("type", v.type));
  ORCH_F(f.always("status", v.status));
  ORCH_F(f.orNull("lastTransitionTime", v.lastTransitionTime));
  ORCH_F(f("reason", v.reason));
  return f("message", v.message);
}

ORCH_API_FIELDS(DeploymentCondition) {
  ORCH_F(f.always("type", v.type));
  ORCH_F(f.always("status", v.status));
  ORCH_F(f.orNull("lastUpdateTime", v.lastUpdateTime));
  ORCH_F(f.orNull("lastTransitionTime", v.lastTransitionTime));
  ORCH_F(f("reason", v.reason));
  return f("message", v.message);
}

ORCH_API_FIELDS(RollingUpdateDeployment) {
  ORCH_F(f("maxUnavailable", v.maxUnavailable));
  return f("maxSurge", v.maxSurge);
}

ORCH_API_FIELDS(DeploymentStrategy) {
  ORCH_F(f("type", v.type));
  return f("rollingUpdate", v.rollingUpdate);
}

ORCH_API_FIELDS(DeploymentSpec) {
  ORCH_F(f("replicas", v.replicas));
  ORCH_F(f("selector", v.selector));
  ORCH_F(f.always("template", v.template_));
  ORCH_F(f.always("strategy", v.strategy));
  ORCH_F(f.omitZero("minReadySeconds", v.minReadySeconds));
  ORCH_F(f("revisionHistoryLimit", v.revisionHistoryLimit));
  ORCH_F(f.omitZero("paused", v.paused));
  return f("progressDeadlineSeconds", v.progressDeadlineSeconds);
}

ORCH_API_FIELDS(DeploymentStatus) {
  ORCH_F(f.omitZero("observedGeneration", v.observedGeneration));
  ORCH_F(f.omitZero("replicas", v.replicas));
  ORCH_F(f.omitZero("updatedReplicas", v.updatedReplicas));
  ORCH_F(f.omitZero("readyReplicas", v.readyReplicas));
  ORCH_F(f.omitZero("availableReplicas", v.availableReplicas));
  ORCH_F(f.omitZero("unavailableReplicas", v.unavailableReplicas));
  ORCH_F(f("terminatingReplicas", v.terminatingReplicas));
  ORCH_F(f("conditions", v.conditions));
  return f("collisionCount", v.collisionCount);
}

ORCH_API_FIELDS(Deployment) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(ReplicaSetSpec) {
  ORCH_F(f("replicas", v.replicas));
  ORCH_F(f.omitZero("minReadySeconds", v.minReadySeconds));
  ORCH_F(f("selector", v.selector));
  return f.always("template", v.template_);
}

ORCH_API_FIELDS(ReplicaSetStatus) {
  ORCH_F(f.always("replicas", v.replicas));
  ORCH_F(f.omitZero("fullyLabeledReplicas", v.fullyLabeledReplicas));
  ORCH_F(f.omitZero("readyReplicas", v.readyReplicas));
  ORCH_F(f.omitZero("availableReplicas", v.availableReplicas));
  ORCH_F(f("terminatingReplicas", v.terminatingReplicas));
  ORCH_F(f.omitZero("observedGeneration", v.observedGeneration));
  return f("conditions", v.conditions);
}

ORCH_API_FIELDS(ReplicaSet) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(RollingUpdateDaemonSet) {
  ORCH_F(f("maxUnavailable", v.maxUnavailable));
  return f("maxSurge", v.maxSurge);
}

ORCH_API_FIELDS(DaemonSetUpdateStrategy) {
  ORCH_F(f("type", v.type));
  return f("rollingUpdate", v.rollingUpdate);
}

ORCH_API_FIELDS(DaemonSetSpec) {
  ORCH_F(f("selector", v.selector));
  ORCH_F(f.always("template", v.template_));
  ORCH_F(f.always("updateStrategy", v.updateStrategy));
  ORCH_F(f.omitZero("minReadySeconds", v.minReadySeconds));
  return f("revisionHistoryLimit", v.revisionHistoryLimit);
}

ORCH_API_FIELDS(DaemonSetStatus) {
  ORCH_F(f.always("currentNumberScheduled", v.currentNumberScheduled));
  ORCH_F(f.always("numberMisscheduled", v.numberMisscheduled));
  ORCH_F(f.always("desiredNumberScheduled", v.desiredNumberScheduled));
  ORCH_F(f.always("numberReady", v.numberReady));
  ORCH_F(f.omitZero("observedGeneration", v.observedGeneration));
  ORCH_F(f.omitZero("updatedNumberScheduled", v.updatedNumberScheduled));
  ORCH_F(f.omitZero("numberAvailable", v.numberAvailable));
  ORCH_F(f.omitZero("numberUnavailable", v.numberUnavailable));
  ORCH_F(f("collisionCount", v.collisionCount));
  return f("conditions", v.conditions);
}

ORCH_API_FIELDS(DaemonSet) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

}  // namespace orch::api
