#include "controlplane/apiserver/discovery.h"

#include <algorithm>
#include <sstream>

#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

using nlohmann::json;

namespace {

const char* platform() {
#if defined(__x86_64__)
  return "linux/amd64";
#elif defined(__aarch64__)
  return "linux/arm64";
#else
  return "linux/unknown";
#endif
}

json groupVersionEntry(const std::string& group, const std::string& version) {
  return {{"groupVersion", group + "/" + version}, {"version", version}};
}

json resourceEntry(const ResourceInfo& r) {
  json j = {{"name", r.plural},
            {"singularName", r.singular},
            {"namespaced", r.namespaced},
            {"kind", r.kind},
            {"verbs", r.verbs}};
  if (!r.short_names.empty()) j["shortNames"] = r.short_names;
  if (!r.categories.empty()) j["categories"] = r.categories;
  return j;
}

json subresourceEntry(const ResourceInfo& r, const SubresourceInfo& s) {
  json j = {{"name", r.plural + "/" + s.name},
            {"singularName", ""},
            {"namespaced", r.namespaced},
            {"kind", s.kind},
            {"verbs", s.verbs}};
  if (!s.group.empty()) j["group"] = s.group;
  if (!s.version.empty()) j["version"] = s.version;
  return j;
}

json aggregatedResource(const ResourceInfo& r) {
  json j = {{"resource", r.plural},
            {"responseKind", {{"group", ""}, {"version", ""}, {"kind", r.kind}}},
            {"scope", r.namespaced ? "Namespaced" : "Cluster"},
            {"singularResource", r.singular},
            {"verbs", r.verbs}};
  if (!r.short_names.empty()) j["shortNames"] = r.short_names;
  if (!r.categories.empty()) j["categories"] = r.categories;
  if (!r.subresources.empty()) {
    json subs = json::array();
    for (const SubresourceInfo& s : r.subresources) {
      subs.push_back(
          {{"subresource", s.name},
           {"responseKind", {{"group", s.group}, {"version", s.version}, {"kind", s.kind}}},
           {"verbs", s.verbs}});
    }
    j["subresources"] = subs;
  }
  return j;
}

json aggregatedVersion(const std::string& group, const std::string& version) {
  json resources = json::array();
  for (const ResourceInfo* r : resourcesOf(group, version))
    resources.push_back(aggregatedResource(*r));
  return {{"version", version}, {"resources", resources}, {"freshness", "Current"}};
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

json versionInfo() {
  return {{"major", "1"},    {"minor", "30"},      {"gitVersion", kGitVersion},
          {"gitCommit", ""}, {"gitTreeState", ""}, {"buildDate", ""},
          {"goVersion", ""}, {"compiler", "gcc"},  {"platform", platform()}};
}

json coreApiVersions() {
  return {
      {"kind", "APIVersions"}, {"versions", {"v1"}}, {"serverAddressByClientCIDRs", json::array()}};
}

json apiGroup(const std::string& group) {
  json versions = json::array();
  for (const GroupVersion& gv : groupVersions()) {
    if (gv.group == group) versions.push_back(groupVersionEntry(gv.group, gv.version));
  }
  if (versions.empty()) return nullptr;
  return {{"kind", "APIGroup"},
          {"apiVersion", "v1"},
          {"name", group},
          {"versions", versions},
          {"preferredVersion", versions[0]}};
}

json apiGroupList() {
  json groups = json::array();
  for (const GroupVersion& gv : groupVersions()) {
    bool seen = false;
    for (const json& g : groups) seen = seen || g["name"] == gv.group;
    if (seen) continue;
    json g = apiGroup(gv.group);
    g.erase("kind");
    g.erase("apiVersion");
    groups.push_back(g);
  }
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
}

json apiResourceList(const std::string& group, const std::string& version) {
  std::vector<const ResourceInfo*> rs = resourcesOf(group, version);
  if (rs.empty()) return nullptr;
  json list = json::array();
  for (const ResourceInfo* r : rs) {
    list.push_back(resourceEntry(*r));
    for (const SubresourceInfo& s : r->subresources) list.push_back(subresourceEntry(*r, s));
  }
  return {{"kind", "APIResourceList"},
          {"apiVersion", "v1"},
          {"groupVersion", group.empty() ? version : group + "/" + version},
          {"resources", list}};
}

json aggregatedDiscovery(bool core) {
  json items = json::array();
  if (core) {
    items.push_back({{"metadata", {{"creationTimestamp", nullptr}}},
                     {"versions", {aggregatedVersion("", "v1")}}});
  } else {
    std::vector<std::string> groups;
    for (const GroupVersion& gv : groupVersions()) {
      if (std::find(groups.begin(), groups.end(), gv.group) == groups.end()) {
        groups.push_back(gv.group);
      }
    }
    for (const std::string& group : groups) {
      json versions = json::array();
      for (const GroupVersion& gv : groupVersions()) {
        if (gv.group == group) versions.push_back(aggregatedVersion(gv.group, gv.version));
      }
      items.push_back({{"metadata", {{"name", group}, {"creationTimestamp", nullptr}}},
                       {"versions", versions}});
    }
  }
  return {{"kind", "APIGroupDiscoveryList"},
          {"apiVersion", "apidiscovery.k8s.io/v2"},
          {"metadata", json::object()},
          {"items", items}};
}

bool acceptsAggregatedDiscovery(const std::string& accept) {
  std::stringstream ranges(accept);
  std::string range;
  while (std::getline(ranges, range, ',')) {
    std::stringstream parts(range);
    std::string part;
    std::getline(parts, part, ';');
    if (trim(part) != "application/json") continue;
    std::string g, v, as;
    while (std::getline(parts, part, ';')) {
      part = trim(part);
      size_t eq = part.find('=');
      if (eq == std::string::npos) continue;
      std::string key = trim(part.substr(0, eq)), value = trim(part.substr(eq + 1));
      if (key == "g") g = value;
      if (key == "v") v = value;
      if (key == "as") as = value;
    }
    if (g == "apidiscovery.k8s.io" && v == "v2" && as == "APIGroupDiscoveryList") return true;
  }
  return false;
}

namespace {

Response discoveryResponse(const Request& req, bool core) {
  Response res;
  res.headers.push_back({"Vary", "Accept"});
  if (acceptsAggregatedDiscovery(req.header("accept"))) {
    res.content_type = kAggregatedDiscoveryV2;
    res.body = aggregatedDiscovery(core).dump();
  } else {
    res.body = (core ? coreApiVersions() : apiGroupList()).dump();
  }
  return res;
}

Response notFound() {
  return errorResponse(404, "NotFound", "the server could not find the requested resource");
}

}  // namespace

Status addDiscoveryRoutes(Router& router) {
  ORCH_RETURN_IF_ERROR(router.add("GET", "/version", [](const Request&) -> Reply {
    return jsonResponse(200, versionInfo().dump());
  }));
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    ORCH_RETURN_IF_ERROR(
        router.add("GET", path, [](const Request&) -> Reply { return textResponse(200, "ok"); }));
  }
  ORCH_RETURN_IF_ERROR(router.add(
      "GET", "/api", [](const Request& req) -> Reply { return discoveryResponse(req, true); }));
  ORCH_RETURN_IF_ERROR(router.add(
      "GET", "/apis", [](const Request& req) -> Reply { return discoveryResponse(req, false); }));
  ORCH_RETURN_IF_ERROR(router.add("GET", "/api/{version}", [](const Request& req) -> Reply {
    json j = apiResourceList("", req.param("version"));
    return j.is_null() ? notFound() : jsonResponse(200, j.dump());
  }));
  ORCH_RETURN_IF_ERROR(router.add("GET", "/apis/{group}", [](const Request& req) -> Reply {
    json j = apiGroup(req.param("group"));
    return j.is_null() ? notFound() : jsonResponse(200, j.dump());
  }));
  ORCH_RETURN_IF_ERROR(
      router.add("GET", "/apis/{group}/{version}", [](const Request& req) -> Reply {
        json j = apiResourceList(req.param("group"), req.param("version"));
        return j.is_null() ? notFound() : jsonResponse(200, j.dump());
      }));
  return Status::ok();
}

}  // namespace orch::apiserver
