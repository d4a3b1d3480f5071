#pragma once
// GET pods/{name}/log: the apiserver side of `kubectl logs`. Finds the pod's node, and
// forwards the request to that node's agent (`/containerLogs/<ns>/<pod>/<container>` on the
// kubelet port of Node.status.daemonEndpoints, default 10250, at its InternalIP), streaming
// the text back. As upstream without --kubelet-certificate-authority, the agent's serving
// certificate is not verified.

#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/registry/registry.h"
#include "controlplane/apiserver/registry/resource_request.h"
#include "controlplane/apiserver/registry/rest_storage.h"

namespace orch::apiserver {

Reply servePodLog(Registry& registry, ResourceStorage& pods, const ResourceRequest& rr,
                  const Request& req);

// The container a log request means: `requested`, or the pod's only container. 400-style
// ApiError naming the choices otherwise (upstream's wording).
ApiResult<std::string> logContainerOf(const api::Json& pod, const std::string& requested);
// "https://<InternalIP>:<kubelet port>" of a Node object; ApiError when it has no address.
ApiResult<std::string> kubeletUrlOf(const api::Json& node);

}  // namespace orch::apiserver
