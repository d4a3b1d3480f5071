#include "common/api/node.h"

namespace orch::api {

ORCH_API_FIELDS(NodeSpec) {
  ORCH_F(f("podCIDR", v.podCIDR));
  ORCH_F(f("podCIDRs", v.podCIDRs));
  ORCH_F(f("providerID", v.providerID));
  ORCH_F(f.omitZero("unschedulable", v.unschedulable));
  ORCH_F(f("taints", v.taints));
  return f("externalID", v.externalID);
}

ORCH_API_FIELDS(NodeCondition) {
  ORCH_F(f.always("type", v.type));
  ORCH_F(f.always("status", v.status));
  ORCH_F(f.orNull("lastHeartbeatTime", v.lastHeartbeatTime));
  ORCH_F(f.orNull("lastTransitionTime", v.lastTransitionTime));
  ORCH_F(f("reason", v.reason));
  return f("message", v.message);
}

ORCH_API_FIELDS(NodeAddress) {
  ORCH_F(f.always("type", v.type));
  return f.always("address", v.address);
}

ORCH_API_FIELDS(DaemonEndpoint) {
  return f.always("Port", v.Port);
}

ORCH_API_FIELDS(NodeDaemonEndpoints) {
  return f.always("kubeletEndpoint", v.kubeletEndpoint);
}

ORCH_API_FIELDS(NodeSystemInfo) {
  ORCH_F(f.always("machineID", v.machineID));
  ORCH_F(f.always("systemUUID", v.systemUUID));
  ORCH_F(f.always("bootID", v.bootID));
  ORCH_F(f.always("kernelVersion", v.kernelVersion));
  ORCH_F(f.always("osImage", v.osImage));
  ORCH_F(f.always("containerRuntimeVersion", v.containerRuntimeVersion));
  ORCH_F(f.always("kubeletVersion", v.kubeletVersion));
  ORCH_F(f.always("kubeProxyVersion", v.kubeProxyVersion));
  ORCH_F(f.always("operatingSystem", v.operatingSystem));
  return f.always("architecture", v.architecture);
}

ORCH_API_FIELDS(ContainerImage) {
  ORCH_F(f("names", v.names));
  return f.omitZero("sizeBytes", v.sizeBytes);
}

ORCH_API_FIELDS(NodeStatus) {
  ORCH_F(f("capacity", v.capacity));
  ORCH_F(f("allocatable", v.allocatable));
  ORCH_F(f("phase", v.phase));
  ORCH_F(f("conditions", v.conditions));
  ORCH_F(f("addresses", v.addresses));
  ORCH_F(f.always("daemonEndpoints", v.daemonEndpoints));
  ORCH_F(f.always("nodeInfo", v.nodeInfo));
  ORCH_F(f("images", v.images));
  return f("volumesInUse", v.volumesInUse);
}

ORCH_API_FIELDS(Node) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

}  // namespace orch::api
