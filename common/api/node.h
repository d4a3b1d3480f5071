#pragma once
// core/v1 Node.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/quantity.h"
#include "common/api/references.h"
#include "common/api/scheduling.h"
#include "common/api/time.h"

namespace orch::api {

struct NodeSpec {
  std::string podCIDR;
  std::vector<std::string> podCIDRs;
  std::string providerID;
  bool unschedulable = false;
  std::vector<Taint> taints;
  std::string externalID;  // deprecated
  Json unknown_fields;     // configSource, ...
};

struct NodeCondition {
  std::string type;    // Ready, MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable
  std::string status;  // True, False, Unknown
  std::optional<Time> lastHeartbeatTime, lastTransitionTime;  // null when unset, as upstream
  std::string reason, message;
  Json unknown_fields;
};

struct NodeAddress {
  std::string type;  // Hostname, InternalIP, ExternalIP, InternalDNS, ExternalDNS
  std::string address;
  Json unknown_fields;
};

struct DaemonEndpoint {
  int32_t Port = 0;  // JSON "Port" (sic, upstream)
  Json unknown_fields;
};

struct NodeDaemonEndpoints {
  DaemonEndpoint kubeletEndpoint;
  Json unknown_fields;
};

struct NodeSystemInfo {
  std::string machineID, systemUUID, bootID, kernelVersion, osImage, containerRuntimeVersion,
      kubeletVersion, kubeProxyVersion, operatingSystem, architecture;
  Json unknown_fields;  // swap, ...
};

struct ContainerImage {
  std::vector<std::string> names;
  int64_t sizeBytes = 0;
  Json unknown_fields;
};

struct NodeStatus {
  ResourceList capacity, allocatable;
  std::string phase;  // deprecated
  std::vector<NodeCondition> conditions;
  std::vector<NodeAddress> addresses;
  NodeDaemonEndpoints daemonEndpoints;
  NodeSystemInfo nodeInfo;
  std::vector<ContainerImage> images;
  std::vector<std::string> volumesInUse;
  Json unknown_fields;  // volumesAttached, config, runtimeHandlers, features, ...
};

struct Node {
  ORCH_API_KIND("", "v1", "Node", "nodes", false);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  NodeSpec spec;
  NodeStatus status;
  Json unknown_fields;
};

ORCH_API_CODEC(NodeSpec);
ORCH_API_CODEC(NodeCondition);
ORCH_API_CODEC(NodeAddress);
ORCH_API_CODEC(DaemonEndpoint);
ORCH_API_CODEC(NodeDaemonEndpoints);
ORCH_API_CODEC(NodeSystemInfo);
ORCH_API_CODEC(ContainerImage);
ORCH_API_CODEC(NodeStatus);
ORCH_API_CODEC(Node);

}  // namespace orch::api
