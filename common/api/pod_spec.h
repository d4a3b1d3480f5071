#pragma once
// core/v1 PodSpec and the pod-level structs it owns (security context, DNS config, OS).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/container.h"
#include "common/api/json_io.h"
#include "common/api/references.h"
#include "common/api/scheduling.h"
#include "common/api/volume.h"

namespace orch::api {

struct Sysctl {
  std::string name, value;
  Json unknown_fields;
};

struct PodSecurityContext {
  std::optional<int64_t> runAsUser, runAsGroup;
  std::optional<bool> runAsNonRoot;
  std::vector<int64_t> supplementalGroups;
  std::optional<std::string> supplementalGroupsPolicy;
  std::optional<int64_t> fsGroup;
  std::vector<Sysctl> sysctls;
  std::optional<std::string> fsGroupChangePolicy;
  std::optional<SeccompProfile> seccompProfile;
  Json unknown_fields;  // seLinuxOptions, windowsOptions, appArmorProfile, ...
};

struct PodDNSConfigOption {
  std::string name;
  std::optional<std::string> value;
  Json unknown_fields;
};

struct PodDNSConfig {
  std::vector<std::string> nameservers, searches;
  std::vector<PodDNSConfigOption> options;
  Json unknown_fields;
};

struct PodOS {
  std::string name;  // linux, windows
  Json unknown_fields;
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
  Json unknown_fields;
};

struct PodSpec {
  std::vector<Volume> volumes;
  std::vector<Container> initContainers;
  std::vector<Container> containers;
  std::string restartPolicy;  // Always, OnFailure, Never
  std::optional<int64_t> terminationGracePeriodSeconds;
  std::optional<int64_t> activeDeadlineSeconds;
  std::string dnsPolicy;  // ClusterFirst, ClusterFirstWithHostNet, Default, None
  std::map<std::string, std::string> nodeSelector;
  std::string serviceAccountName;
  std::string serviceAccount;  // deprecated alias of serviceAccountName
  std::optional<bool> automountServiceAccountToken;
  std::string nodeName;
  bool hostNetwork = false, hostPID = false, hostIPC = false;
  std::optional<bool> shareProcessNamespace;
  std::optional<PodSecurityContext> securityContext;
  std::vector<LocalObjectReference> imagePullSecrets;
  std::string hostname, subdomain;
  std::optional<Affinity> affinity;
  std::string schedulerName;
  std::vector<Toleration> tolerations;
  std::vector<HostAlias> hostAliases;
  std::string priorityClassName;
  std::optional<int32_t> priority;
  std::optional<PodDNSConfig> dnsConfig;
  std::optional<std::string> runtimeClassName;
  std::optional<bool> enableServiceLinks;
  std::optional<std::string> preemptionPolicy;
  ResourceList overhead;
  std::optional<bool> setHostnameAsFQDN;
  std::optional<PodOS> os;
  std::optional<bool> hostUsers;
  Json unknown_fields;  // ephemeralContainers, topologySpreadConstraints, readinessGates, ...
};

ORCH_API_CODEC(Sysctl);
ORCH_API_CODEC(PodSecurityContext);
ORCH_API_CODEC(PodDNSConfigOption);
ORCH_API_CODEC(PodDNSConfig);
ORCH_API_CODEC(PodOS);
ORCH_API_CODEC(HostAlias);
ORCH_API_CODEC(PodSpec);

}  // namespace orch::api
