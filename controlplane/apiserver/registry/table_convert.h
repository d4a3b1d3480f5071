#pragma once
// Server-side printing (meta.k8s.io/v1 Table), what `kubectl get` asks for
// (Accept: application/json;as=Table;v=v1;g=meta.k8s.io): the columns kube-apiserver prints
// for each built-in kind (pods: Name, Ready, Status, Restarts, Age, IP, Node, ...; wide
// columns have priority 1), and Name + Age for the others.

#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

// True when the Accept header prefers a meta.k8s.io Table.
bool wantsTable(const Request& req);

// The Table of `objects`. `include_object`: "None", "Metadata" (default: a
// PartialObjectMetadata per row) or "Object".
api::Json toTable(const ResourceInfo& r, const std::vector<api::Json>& objects,
                  const std::string& resource_version, const std::string& continue_token,
                  const std::string& include_object);

// upstream's duration.HumanDuration of now - `rfc3339` ("5s", "3m12s", "2d4h", "<unknown>").
std::string ageOf(const std::string& rfc3339);

}  // namespace orch::apiserver
