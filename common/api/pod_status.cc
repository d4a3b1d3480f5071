#include "common/api/pod_status.h"

namespace orch::api {

ORCH_API_FIELDS(PodCondition) {
  ORCH_F(f.always("type", v.type));
  ORCH_F(f.always("status", v.status));
  ORCH_F(f.orNull("lastProbeTime", v.lastProbeTime));
  ORCH_F(f.orNull("lastTransitionTime", v.lastTransitionTime));
  ORCH_F(f("reason", v.reason));
  return f("message", v.message);
}

ORCH_API_FIELDS(ContainerStateWaiting) {
  ORCH_F(f("reason", v.reason));
  return f("message", v.message);
}

ORCH_API_FIELDS(ContainerStateRunning) {
  return f.orNull("startedAt", v.startedAt);
}

ORCH_API_FIELDS(ContainerStateTerminated) {
  ORCH_F(f.always("exitCode", v.exitCode));
  ORCH_F(f.omitZero("signal", v.signal));
  ORCH_F(f("reason", v.reason));
  ORCH_F(f("message", v.message));
  ORCH_F(f.orNull("startedAt", v.startedAt));
  ORCH_F(f.orNull("finishedAt", v.finishedAt));
  return f("containerID", v.containerID);
}

ORCH_API_FIELDS(ContainerState) {
  ORCH_F(f("waiting", v.waiting));
  ORCH_F(f("running", v.running));
  return f("terminated", v.terminated);
}

ORCH_API_FIELDS(ContainerStatus) {
  ORCH_F(f.always("name", v.name));
  ORCH_F(f.always("state", v.state));
  ORCH_F(f.always("lastState", v.lastState));
  ORCH_F(f.always("ready", v.ready));
  ORCH_F(f.always("restartCount", v.restartCount));
  ORCH_F(f.always("image", v.image));
  ORCH_F(f.always("imageID", v.imageID));
  ORCH_F(f("containerID", v.containerID));
  return f("started", v.started);
}

ORCH_API_FIELDS(PodIP) {
  return f.always("ip", v.ip);
}

ORCH_API_FIELDS(PodStatus) {
  ORCH_F(f("phase", v.phase));
  ORCH_F(f("conditions", v.conditions));
  ORCH_F(f("message", v.message));
  ORCH_F(f("reason", v.reason));
  ORCH_F(f("nominatedNodeName", v.nominatedNodeName));
  ORCH_F(f("hostIP", v.hostIP));
  ORCH_F(f("hostIPs", v.hostIPs));
  ORCH_F(f("podIP", v.podIP));
  ORCH_F(f("podIPs", v.podIPs));
  ORCH_F(f("startTime", v.startTime));
  ORCH_F(f("initContainerStatuses", v.initContainerStatuses));
  ORCH_F(f("containerStatuses", v.containerStatuses));
  return f("qosClass", v.qosClass);
}

}  // namespace orch::api
