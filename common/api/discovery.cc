#include "common/api/discovery.h"

namespace orch::api {

ORCH_API_FIELDS(EndpointConditions) {
  ORCH_F(f("ready", v.ready));
  ORCH_F(f("serving", v.serving));
  return f("terminating", v.terminating);
}

ORCH_API_FIELDS(ForZone) {
  return f.always("name", v.name);
}

ORCH_API_FIELDS(ForNode) {
  return f.always("name", v.name);
}

ORCH_API_FIELDS(EndpointHints) {
  ORCH_F(f("forZones", v.forZones));
  return f("forNodes", v.forNodes);
}

ORCH_API_FIELDS(SliceEndpoint) {
  ORCH_F(f.always("addresses", v.addresses));
  ORCH_F(f.always("conditions", v.conditions));
  ORCH_F(f("hostname", v.hostname));
  ORCH_F(f("targetRef", v.targetRef));
  ORCH_F(f("deprecatedTopology", v.deprecatedTopology));
  ORCH_F(f("nodeName", v.nodeName));
  ORCH_F(f("zone", v.zone));
  return f("hints", v.hints);
}

ORCH_API_FIELDS(SlicePort) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("protocol", v.protocol));
  ORCH_F(f("port", v.port));
  return f("appProtocol", v.appProtocol);
}

ORCH_API_FIELDS(EndpointSlice) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("addressType", v.addressType));
  ORCH_F(f.always("endpoints", v.endpoints));
  return f("ports", v.ports);
}

}  // namespace orch::api
