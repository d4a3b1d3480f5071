#pragma once
// core/v1 Container and the structs it owns: ports, env, mounts, resources, security context.
// Probes and lifecycle hooks are in probe.h.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/probe.h"
#include "common/api/quantity.h"
#include "common/api/references.h"

namespace orch::api {

struct ContainerPort {
  std::string name;
  int32_t hostPort = 0;  // omitted when 0
  int32_t containerPort = 0;
  std::string protocol;  // TCP (default), UDP, SCTP
  std::string hostIP;
  Json unknown_fields;
};

struct EnvVarSource {
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<ConfigMapKeySelector> configMapKeyRef;
  std::optional<SecretKeySelector> secretKeyRef;
  Json unknown_fields;
};

struct EnvVar {
  std::string name, value;
  std::optional<EnvVarSource> valueFrom;
  Json unknown_fields;
};

struct ConfigMapEnvSource {
  std::string name;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct SecretEnvSource {
  std::string name;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct EnvFromSource {
  std::string prefix;
  std::optional<ConfigMapEnvSource> configMapRef;
  std::optional<SecretEnvSource> secretRef;
  Json unknown_fields;
};

struct VolumeMount {
  std::string name;
  bool readOnly = false;
  std::optional<std::string> recursiveReadOnly;
  std::string mountPath, subPath;
  std::optional<std::string> mountPropagation;  // None, HostToContainer, Bidirectional
  std::string subPathExpr;
  Json unknown_fields;
};

struct ResourceRequirements {
  ResourceList limits, requests;
  Json unknown_fields;  // claims, ...
};

struct Capabilities {
  std::vector<std::string> add, drop;
  Json unknown_fields;
};

struct SeccompProfile {
  std::string type;  // RuntimeDefault, Unconfined, Localhost
  std::optional<std::string> localhostProfile;
  Json unknown_fields;
};

struct SecurityContext {
  std::optional<Capabilities> capabilities;
  std::optional<bool> privileged;
  std::optional<int64_t> runAsUser, runAsGroup;
  std::optional<bool> runAsNonRoot, readOnlyRootFilesystem, allowPrivilegeEscalation;
  std::optional<std::string> procMount;
  std::optional<SeccompProfile> seccompProfile;
  Json unknown_fields;  // seLinuxOptions, windowsOptions, appArmorProfile, ...
};

struct Container {
  std::string name, image;
  std::vector<std::string> command, args;
  std::string workingDir;
  std::vector<ContainerPort> ports;
  std::vector<EnvFromSource> envFrom;
  std::vector<EnvVar> env;
  ResourceRequirements resources;
  // Only "Always", only on init containers: a sidecar that keeps running.
  std::optional<std::string> restartPolicy;
  std::vector<VolumeMount> volumeMounts;
  std::optional<Probe> livenessProbe, readinessProbe, startupProbe;
  std::optional<Lifecycle> lifecycle;
  std::string terminationMessagePath, terminationMessagePolicy;
  std::string imagePullPolicy;  // Always, IfNotPresent, Never
  std::optional<SecurityContext> securityContext;
  bool stdin = false, stdinOnce = false, tty = false;
  Json unknown_fields;
};

ORCH_API_CODEC(ContainerPort);
ORCH_API_CODEC(EnvVarSource);
ORCH_API_CODEC(EnvVar);
ORCH_API_CODEC(ConfigMapEnvSource);
ORCH_API_CODEC(SecretEnvSource);
ORCH_API_CODEC(EnvFromSource);
ORCH_API_CODEC(VolumeMount);
ORCH_API_CODEC(ResourceRequirements);
ORCH_API_CODEC(Capabilities);
ORCH_API_CODEC(SeccompProfile);
ORCH_API_CODEC(SecurityContext);
ORCH_API_CODEC(Container);

}  // namespace orch::api
