#pragma once
// The resource kinds orch-apiserver serves: one table shared by discovery and the REST
// handlers, with what discovery reports about each (scope, kind, verbs, short names,
// categories, subresources). Immutable; safe from any thread.

#include <string>
#include <vector>

namespace orch::apiserver {

struct SubresourceInfo {
  std::string name;  // "status", "scale", "binding", "eviction", "log"
  // The kind the subresource takes and returns; group/version empty = the parent's.
  std::string group;
  std::string version;
  std::string kind;
  std::vector<std::string> verbs;
};

struct ResourceInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;  // "pods"
  std::string singular;
  std::string kind;  // "Pod"
  bool namespaced = true;
  std::vector<std::string> verbs;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<SubresourceInfo> subresources;

  // "v1" or "apps/v1".
  std::string groupVersion() const;
};

struct GroupVersion {
  std::string group;
  std::string version;
  std::string groupVersion() const { return group.empty() ? version : group + "/" + version; }
};

// Every served resource, core group first, in discovery order.
const std::vector<ResourceInfo>& resources();
// The served resource of `group`/`version` named `plural`, or nullptr.
const ResourceInfo* findResource(const std::string& group, const std::string& version,
                                 const std::string& plural);
// The named groups (not the core group) in discovery order, each with its versions.
std::vector<GroupVersion> groupVersions();
// The resources of one group/version, in table order.
std::vector<const ResourceInfo*> resourcesOf(const std::string& group, const std::string& version);

}  // namespace orch::apiserver
