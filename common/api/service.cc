#include "common/api/service.h"

namespace orch::api {

ORCH_API_FIELDS(ServicePort) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("protocol", v.protocol));
  ORCH_F(f("appProtocol", v.appProtocol));
  ORCH_F(f.always("port", v.port));
  ORCH_F(f.always("targetPort", v.targetPort));
  return f.omitZero("nodePort", v.nodePort);
}

ORCH_API_FIELDS(ClientIPConfig) {
  return f("timeoutSeconds", v.timeoutSeconds);
}

ORCH_API_FIELDS(SessionAffinityConfig) {
  return f("clientIP", v.clientIP);
}

ORCH_API_FIELDS(ServiceSpec) {
  ORCH_F(f("ports", v.ports));
  ORCH_F(f("selector", v.selector));
  ORCH_F(f("clusterIP", v.clusterIP));
  ORCH_F(f("clusterIPs", v.clusterIPs));
  ORCH_F(f("type", v.type));
  ORCH_F(f("externalIPs", v.externalIPs));
  ORCH_F(f("sessionAffinity", v.sessionAffinity));
  ORCH_F(f("loadBalancerIP", v.loadBalancerIP));
  ORCH_F(f("loadBalancerSourceRanges", v.loadBalancerSourceRanges));
  ORCH_F(f("externalName", v.externalName));
  ORCH_F(f("externalTrafficPolicy", v.externalTrafficPolicy));
  ORCH_F(f.omitZero("healthCheckNodePort", v.healthCheckNodePort));
  ORCH_F(f.omitZero("publishNotReadyAddresses", v.publishNotReadyAddresses));
  ORCH_F(f("sessionAffinityConfig", v.sessionAffinityConfig));
  ORCH_F(f("ipFamilies", v.ipFamilies));
  ORCH_F(f("ipFamilyPolicy", v.ipFamilyPolicy));
  ORCH_F(f("allocateLoadBalancerNodePorts", v.allocateLoadBalancerNodePorts));
  ORCH_F(f("loadBalancerClass", v.loadBalancerClass));
  ORCH_F(f("internalTrafficPolicy", v.internalTrafficPolicy));
  return f("trafficDistribution", v.trafficDistribution);
}

ORCH_API_FIELDS(LoadBalancerIngress) {
  ORCH_F(f("ip", v.ip));
  ORCH_F(f("hostname", v.hostname));
  return f("ipMode", v.ipMode);
}

ORCH_API_FIELDS(LoadBalancerStatus) {
  return f("ingress", v.ingress);
}

ORCH_API_FIELDS(ServiceStatus) {
  return f.always("loadBalancer", v.loadBalancer);
}

ORCH_API_FIELDS(Service) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(EndpointAddress) {
  ORCH_F(f.always("ip", v.ip));
  ORCH_F(f("hostname", v.hostname));
  ORCH_F(f("nodeName", v.nodeName));
  return f("targetRef", v.targetRef);
}

ORCH_API_FIELDS(EndpointPort) {
  ORCH_F(f("name", v.name));
  ORCH_F(f.always("port", v.port));
  ORCH_F(f("protocol", v.protocol));
  return f("appProtocol", v.appProtocol);
}

ORCH_API_FIELDS(EndpointSubset) {
  ORCH_F(f("addresses", v.addresses));
  ORCH_F(f("notReadyAddresses", v.notReadyAddresses));
  return f("ports", v.ports);
}

ORCH_API_FIELDS(Endpoints) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  return f("subsets", v.subsets);
}

}  // namespace orch::api
