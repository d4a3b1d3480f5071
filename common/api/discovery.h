#pragma once
// discovery.k8s.io/v1 EndpointSlice.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/references.h"

namespace orch::api {

struct EndpointConditions {
  std::optional<bool> ready, serving, terminating;
  Json unknown_fields;
};

struct ForZone {
  std::string name;
  Json unknown_fields;
};

struct ForNode {
  std::string name;
  Json unknown_fields;
};

struct EndpointHints {
  std::vector<ForZone> forZones;
  std::vector<ForNode> forNodes;
  Json unknown_fields;
};

// discovery/v1 Endpoint (one backend of a slice).
struct SliceEndpoint {
  std::vector<std::string> addresses;
  EndpointConditions conditions;
  std::optional<std::string> hostname;
  std::optional<ObjectReference> targetRef;
  std::map<std::string, std::string> deprecatedTopology;
  std::optional<std::string> nodeName, zone;
  std::optional<EndpointHints> hints;
  Json unknown_fields;
};

// discovery/v1 EndpointPort (every field optional, unlike core/v1 EndpointPort).
struct SlicePort {
  std::optional<std::string> name, protocol;
  std::optional<int32_t> port;
  std::optional<std::string> appProtocol;
  Json unknown_fields;
};

struct EndpointSlice {
  ORCH_API_KIND("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::string addressType;  // IPv4, IPv6, FQDN
  std::vector<SliceEndpoint> endpoints;
  std::vector<SlicePort> ports;
  Json unknown_fields;
};

ORCH_API_CODEC(EndpointConditions);
ORCH_API_CODEC(ForZone);
ORCH_API_CODEC(ForNode);
ORCH_API_CODEC(EndpointHints);
ORCH_API_CODEC(SliceEndpoint);
ORCH_API_CODEC(SlicePort);
ORCH_API_CODEC(EndpointSlice);

}  // namespace orch::api
