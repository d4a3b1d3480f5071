#pragma once
// The OpenAPI documents of orch-apiserver, shaped as kube-apiserver's:
//  - one OpenAPI 3.0 document per group/version (/openapi/v3/api/v1, /openapi/v3/apis/apps/v1):
//    the REST operations of each served resource (list, watch, create, deletecollection, read,
//    replace, patch, delete, and the status subresource) with their query parameters —
//    fieldValidation on POST/PUT/PATCH tells kubectl that the server validates fields itself —
//    and, in components.schemas, every definition those operations reach;
//  - one Swagger 2.0 document for everything (/openapi/v2).
// Each operation carries x-kubernetes-action and x-kubernetes-group-version-kind, which is how
// kubectl explain and kubectl's field-validation check find a resource's kind.
//
// Pure functions; results are values.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "controlplane/apiserver/openapi/definitions.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver::openapi {

// Every served group/version, core first: {"", "v1"}, {"apps", "v1"}, ...
std::vector<GroupVersion> servedGroupVersions();
// The key of a group/version in the /openapi/v3 index: "api/v1", "apis/apps/v1".
std::string openApiV3Key(const GroupVersion& gv);

// The OpenAPI 3.0 document of one group/version; `defs` must be of Flavor::kV3.
nlohmann::json openApiV3Document(const Definitions& defs, const GroupVersion& gv);
// The Swagger 2.0 document of every served resource; `defs` must be of Flavor::kV2.
nlohmann::json swaggerV2Document(const Definitions& defs);

}  // namespace orch::apiserver::openapi
