#pragma once
// core/v1 Service and Endpoints.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/int_or_string.h"
#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/references.h"

namespace orch::api {

struct ServicePort {
  std::string name;
  std::string protocol;  // TCP, UDP, SCTP
  std::optional<std::string> appProtocol;
  int32_t port = 0;
  IntOrString targetPort;  // number or named container port
  int32_t nodePort = 0;    // omitted when 0
  Json unknown_fields;
};

struct ClientIPConfig {
  std::optional<int32_t> timeoutSeconds;
  Json unknown_fields;
};

struct SessionAffinityConfig {
  std::optional<ClientIPConfig> clientIP;
  Json unknown_fields;
};

struct ServiceSpec {
  std::vector<ServicePort> ports;
  std::map<std::string, std::string> selector;
  std::string clusterIP;
  std::vector<std::string> clusterIPs;
  std::string type;  // ClusterIP, NodePort, LoadBalancer, ExternalName
  std::vector<std::string> externalIPs;
  std::string sessionAffinity;  // None, ClientIP
  std::string loadBalancerIP;
  std::vector<std::string> loadBalancerSourceRanges;
  std::string externalName;
  std::string externalTrafficPolicy;  // Cluster, Local
  int32_t healthCheckNodePort = 0;    // omitted when 0
  bool publishNotReadyAddresses = false;
  std::optional<SessionAffinityConfig> sessionAffinityConfig;
  std::vector<std::string> ipFamilies;  // IPv4, IPv6
  std::optional<std::string> ipFamilyPolicy;
  std::optional<bool> allocateLoadBalancerNodePorts;
  std::optional<std::string> loadBalancerClass;
  std::optional<std::string> internalTrafficPolicy;
  std::optional<std::string> trafficDistribution;
  Json unknown_fields;
};

struct LoadBalancerIngress {
  std::string ip, hostname;
  std::optional<std::string> ipMode;
  Json unknown_fields;  // ports
};

struct LoadBalancerStatus {
  std::vector<LoadBalancerIngress> ingress;
  Json unknown_fields;
};

struct ServiceStatus {
  LoadBalancerStatus loadBalancer;
  Json unknown_fields;  // conditions
};

struct Service {
  ORCH_API_KIND("", "v1", "Service", "services", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ServiceSpec spec;
  ServiceStatus status;
  Json unknown_fields;
};

struct EndpointAddress {
  std::string ip, hostname;
  std::optional<std::string> nodeName;
  std::optional<ObjectReference> targetRef;
  Json unknown_fields;
};

struct EndpointPort {
  std::string name;
  int32_t port = 0;
  std::string protocol;
  std::optional<std::string> appProtocol;
  Json unknown_fields;
};

struct EndpointSubset {
  std::vector<EndpointAddress> addresses, notReadyAddresses;
  std::vector<EndpointPort> ports;
  Json unknown_fields;
};

struct Endpoints {
  ORCH_API_KIND("", "v1", "Endpoints", "endpoints", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<EndpointSubset> subsets;
  Json unknown_fields;
};

ORCH_API_CODEC(ServicePort);
ORCH_API_CODEC(ClientIPConfig);
ORCH_API_CODEC(SessionAffinityConfig);
ORCH_API_CODEC(ServiceSpec);
ORCH_API_CODEC(LoadBalancerIngress);
ORCH_API_CODEC(LoadBalancerStatus);
ORCH_API_CODEC(ServiceStatus);
ORCH_API_CODEC(Service);
ORCH_API_CODEC(EndpointAddress);
ORCH_API_CODEC(EndpointPort);
ORCH_API_CODEC(EndpointSubset);
ORCH_API_CODEC(Endpoints);

}  // namespace orch::api
