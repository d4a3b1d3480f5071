#pragma once
// Service environment variables, as the kubelet injects them (pkg/kubelet/envvars):
// for a Service `my-svc` with clusterIP 10.0.0.11 and a first port 8080/TCP named "http":
//   MY_SVC_SERVICE_HOST=10.0.0.11      MY_SVC_SERVICE_PORT=8080
//   MY_SVC_SERVICE_PORT_HTTP=8080      (every named port)
//   MY_SVC_PORT=tcp://10.0.0.11:8080   (docker links, first port)
//   MY_SVC_PORT_8080_TCP=tcp://10.0.0.11:8080  MY_SVC_PORT_8080_TCP_PROTO=tcp
//   MY_SVC_PORT_8080_TCP_PORT=8080     MY_SVC_PORT_8080_TCP_ADDR=10.0.0.11
// Services without a cluster IP (headless, "None", ExternalName) give nothing.
// Pure functions; thread-safe.

#include <string>
#include <vector>

#include "agent/envvars/env_var.h"
#include "common/api/service.h"

namespace orch::agent {

// The variables of `services`, in the given order (upstream's FromServices).
std::vector<EnvVarValue> serviceEnvVars(const std::vector<const api::Service*>& services);

// The variables a pod in `pod_namespace` gets from `all` (Services of any namespace):
// the Services of its own namespace when `enable_service_links`, plus the master service
// `kubernetes` of namespace default always (a same-named Service of the pod's namespace wins).
// Ordered by Service name; names are unique.
std::vector<EnvVarValue> podServiceEnvVars(const std::vector<api::Service>& all,
                                           const std::string& pod_namespace,
                                           bool enable_service_links);

}  // namespace orch::agent
