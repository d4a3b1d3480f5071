#pragma once
// The REST operations of the served resources, as kube-apiserver's installer lays them out
// (list, create, deletecollection, read, replace, delete, patch, the status subresource, the
// deprecated watch paths and the all-namespaces list), with their parameters: the model both
// document flavors (documents.h) are rendered from. Pure functions.

#include <string>
#include <utility>
#include <vector>

#include "controlplane/apiserver/openapi/definitions.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver::openapi {

struct Param {
  std::string name;
  std::string in;    // "path" or "query"
  std::string type;  // "string", "integer", "boolean"
  std::string description;
  bool required = false;
};

struct Operation {
  std::string method;  // "get", "post", "put", "patch", "delete"
  std::string id;
  std::string description;
  std::string action;  // x-kubernetes-action
  std::vector<Param> params;
  std::string body;  // request body definition; "" for none
  bool body_required = true;
  bool patch = false;                                  // the body is a patch (four media types)
  bool watch = false;                                  // the response is a watch stream
  std::vector<std::pair<int, std::string>> responses;  // status → definition
};

struct PathItem {
  std::string path;
  std::vector<Param> params;  // shared by its operations
  std::vector<Operation> ops;
  const ResourceInfo* resource = nullptr;  // every operation of a path is about one resource
};

// The paths of every resource of `gv` whose kind `defs` models, in resources() order.
std::vector<PathItem> groupVersionPaths(const Definitions& defs, const GroupVersion& gv);

// "" → "core", "rbac.authorization.k8s.io" → "rbacAuthorization", "apps" → "apps".
std::string groupIdent(const std::string& group);
// "/api/v1", "/apis/apps/v1".
std::string urlPrefix(const GroupVersion& gv);

}  // namespace orch::apiserver::openapi
