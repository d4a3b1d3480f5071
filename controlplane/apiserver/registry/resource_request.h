#pragma once
// What a request under /api/v1 or /apis/<group>/<version> addresses: resource, namespace,
// name and subresource, decoded from the path as kube-apiserver's RequestInfo does
// (namespaces/<ns>/<resource>/<name>/<subresource>, <resource>/<name>/<subresource>, and the
// legacy watch/ prefix).

#include <string>

#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

struct ResourceRequest {
  const ResourceInfo* resource = nullptr;  // null: no such resource
  std::string ns;                          // "" = cluster-wide (or all namespaces)
  std::string name;
  std::string subresource;
  bool legacy_watch = false;  // /watch/ prefix
  bool malformed = false;     // too many segments
};

// Decodes `path` (the part after /api/v1/ or /apis/<g>/<v>/, already percent-decoded).
ResourceRequest parseResourcePath(const std::string& group, const std::string& version,
                                  const std::string& path);

}  // namespace orch::apiserver
