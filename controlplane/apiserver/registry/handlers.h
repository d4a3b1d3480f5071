#pragma once
// The HTTP side of the REST API: one function per kind of request, mapping it onto a
// ResourceStorage and its answer (or ApiError) back onto a response.

#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/registry/registry.h"
#include "controlplane/apiserver/registry/resource_request.h"

namespace orch::apiserver {

// Every verb on a resource or one of its objects (get, list, watch, create, update, patch,
// delete, deletecollection) and the subresources.
Reply serveResource(Registry& registry, const ResourceRequest& rr, const Request& req);
// GET ...?watch=1: a chunked stream of watch events.
Reply serveWatch(Registry& registry, ResourceStorage& storage, const ResourceRequest& rr,
                 const Request& req);
// PATCH of an object or of its status: JSON patch, merge patch, strategic merge patch,
// server-side apply.
Reply servePatch(ResourceStorage& storage, const ResourceRequest& rr, const Request& req,
                 Subresource sub);
// status, scale, binding, eviction (and namespaces' finalize).
Reply serveSubresource(Registry& registry, ResourceStorage& storage, const ResourceRequest& rr,
                       const Request& req);

}  // namespace orch::apiserver
