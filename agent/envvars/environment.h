#pragma once
// A container's environment, as the kubelet's makeEnvironmentVariables builds it:
//   1. envFrom sources in order (configMapRef / secretRef, each key with `prefix`); keys that
//      are not valid variable names ([-._a-zA-Z][-._a-zA-Z0-9]*) are skipped and reported in
//      `warnings` (upstream emits an InvalidEnvironmentVariableNames event); a missing source
//      marked optional is skipped;
//   2. env entries in order: `value` with $(VAR) expanded against the variables set so far
//      (envFrom and earlier env entries) and then the Service variables; or `valueFrom`
//      (fieldRef, resourceFieldRef, configMapKeyRef, secretKeyRef; a missing optional object
//      or key leaves the variable unset). A later entry replaces an earlier one of the same
//      name in place;
//   3. Service variables (see service_env.h) whose names were not set above.
// The result is ordered as above, one entry per name. Errors name the field:
//   `spec.containers[0].env[2].valueFrom.configMapKeyRef: configmap "x" not found` (ENOENT),
//   or the getter's own error under the field's name. Thread-safe when the getters are.

#include <functional>
#include <string>
#include <vector>

#include "agent/envvars/env_var.h"
#include "agent/envvars/expand.h"
#include "agent/envvars/object_getters.h"
#include "common/api/pod.h"
#include "common/api/service.h"
#include "common/base/status.h"

namespace orch::agent {

struct EnvContext {
  ConfigMapGetter get_config_map;  // unset: any configMap reference is an error
  SecretGetter get_secret;         // unset: any secret reference is an error
  // The pod's IPs from its sandbox, first = status.podIP; empty: pod.status.podIPs/podIP.
  std::vector<std::string> pod_ips;
  // The node's IPs, first = status.hostIP; empty: pod.status.hostIPs/hostIP.
  std::vector<std::string> host_ips;
  // Limits for containers without one (resourceFieldRef limits.cpu/memory/ephemeral-storage).
  api::ResourceList node_allocatable;
  // Every Service the agent knows, of any namespace. Unset: no Service variables at all
  // (an agent without an API server, as upstream's standalone kubelet).
  std::function<Result<std::vector<api::Service>>()> list_services;
};

Result<std::vector<EnvVarValue>> makeEnvironment(const api::Pod& pod,
                                                 const api::Container& container,
                                                 const EnvContext& ctx,
                                                 std::vector<std::string>* warnings = nullptr);

// A lookup over an environment (for command, args and subPathExpr).
VarLookup lookupInEnv(const std::vector<EnvVarValue>& env);

// Each string with $(VAR) expanded against `env` (upstream's ExpandContainerCommandAndArgs).
std::vector<std::string> expandAll(const std::vector<std::string>& in,
                                   const std::vector<EnvVarValue>& env);

// Whether `name` is a valid environment variable name (upstream's IsEnvVarName).
bool isEnvVarName(std::string_view name);

}  // namespace orch::agent
