#pragma once
// Version, health and discovery endpoints, answered as kube-apiserver answers them so that
// kubectl and client-go work unchanged: /version, /healthz, /livez, /readyz, /api, /apis,
// /api/v1, /apis/<group>, /apis/<group>/<version>. /api and /apis also speak aggregated
// discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) when the Accept header asks for
// it, and the legacy APIVersions / APIGroupList otherwise. Built from resources().

#include <nlohmann/json.hpp>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/router.h"

namespace orch::apiserver {

// The Kubernetes version orch-apiserver reports.
inline constexpr const char* kGitVersion = "v1.30.0-orch";
inline constexpr const char* kAggregatedDiscoveryV2 =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

nlohmann::json versionInfo();
// APIVersions of /api.
nlohmann::json coreApiVersions();
// APIGroupList of /apis.
nlohmann::json apiGroupList();
// APIGroup of /apis/<group>; null when the group is not served.
nlohmann::json apiGroup(const std::string& group);
// APIResourceList of /api/v1 (group "") or /apis/<group>/<version>; null when not served.
nlohmann::json apiResourceList(const std::string& group, const std::string& version);
// APIGroupDiscoveryList (v2) of /api (core = true) or /apis.
nlohmann::json aggregatedDiscovery(bool core);

// True when the Accept header value lists the aggregated discovery v2 media type.
bool acceptsAggregatedDiscovery(const std::string& accept);

// Registers every endpoint above on `router`.
Status addDiscoveryRoutes(Router& router);

}  // namespace orch::apiserver
