#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

std::string ResourceInfo::groupVersion() const {
  return group.empty() ? version : group + "/" + version;
}

namespace {

// The verb sets kube-apiserver reports.
const std::vector<std::string> kAllVerbs = {"create", "delete", "deletecollection", "get",
                                            "list",   "patch",  "update",           "watch"};
// Namespaces cannot be deleted as a collection.
const std::vector<std::string> kNoCollectionDelete = {"create", "delete", "get",  "list",
                                                      "patch",  "update", "watch"};
const std::vector<std::string> kGetPatchUpdate = {"get", "patch", "update"};

SubresourceInfo status(const std::string& kind) {
  return {.name = "status", .group = "", .version = "", .kind = kind, .verbs = kGetPatchUpdate};
}
SubresourceInfo scale() {
  return {.name = "scale",
          .group = "autoscaling",
          .version = "v1",
          .kind = "Scale",
          .verbs = kGetPatchUpdate};
}

std::vector<ResourceInfo> buildTable() {
  std::vector<ResourceInfo> t;
  auto add = [&](std::string group, std::string version, std::string plural, std::string singular,
                 std::string kind, bool namespaced, std::vector<std::string> verbs,
                 std::vector<std::string> short_names, std::vector<std::string> categories,
                 std::vector<SubresourceInfo> subs) {
    t.push_back(ResourceInfo{.group = std::move(group),
                             .version = std::move(version),
                             .plural = std::move(plural),
                             .singular = std::move(singular),
                             .kind = std::move(kind),
                             .namespaced = namespaced,
                             .verbs = std::move(verbs),
                             .short_names = std::move(short_names),
                             .categories = std::move(categories),
                             .subresources = std::move(subs)});
  };
  // Core group, as /api/v1 lists them.
  add("", "v1", "configmaps", "configmap", "ConfigMap", true, kAllVerbs, {"cm"}, {}, {});
  add("", "v1", "endpoints", "endpoints", "Endpoints", true, kAllVerbs, {"ep"}, {}, {});
  add("", "v1", "events", "event", "Event", true, kAllVerbs, {"ev"}, {}, {});
  add("", "v1", "limitranges", "limitrange", "LimitRange", true, kAllVerbs, {"limits"}, {}, {});
  add("", "v1", "namespaces", "namespace", "Namespace", false, kNoCollectionDelete, {"ns"}, {},
      {status("Namespace")});
  add("", "v1", "nodes", "node", "Node", false, kAllVerbs, {"no"}, {}, {status("Node")});
  add("", "v1", "pods", "pod", "Pod", true, kAllVerbs, {"po"}, {"all"},
      {{.name = "binding", .group = "", .version = "", .kind = "Binding", .verbs = {"create"}},
       {.name = "eviction",
        .group = "policy",
        .version = "v1",
        .kind = "Eviction",
        .verbs = {"create"}},
       {.name = "log", .group = "", .version = "", .kind = "Pod", .verbs = {"get"}},
       status("Pod")});
  add("", "v1", "resourcequotas", "resourcequota", "ResourceQuota", true, kAllVerbs, {"quota"}, {},
      {status("ResourceQuota")});
  add("", "v1", "secrets", "secret", "Secret", true, kAllVerbs, {}, {}, {});
  add("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", true, kAllVerbs, {"sa"}, {},
      {});
  // Services have no deletecollection upstream either.
  add("", "v1", "services", "service", "Service", true, kNoCollectionDelete, {"svc"}, {"all"},
      {status("Service")});
  // apps/v1
  add("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, kAllVerbs, {"ds"}, {"all"},
      {status("DaemonSet")});
  add("apps", "v1", "deployments", "deployment", "Deployment", true, kAllVerbs, {"deploy"}, {"all"},
      {scale(), status("Deployment")});
  add("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, kAllVerbs, {"rs"}, {"all"},
      {scale(), status("ReplicaSet")});
  // rbac.authorization.k8s.io/v1
  const std::string rbac = "rbac.authorization.k8s.io";
  add(rbac, "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false,
      kAllVerbs, {}, {}, {});
  add(rbac, "v1", "clusterroles", "clusterrole", "ClusterRole", false, kAllVerbs, {}, {}, {});
  add(rbac, "v1", "rolebindings", "rolebinding", "RoleBinding", true, kAllVerbs, {}, {}, {});
  add(rbac, "v1", "roles", "role", "Role", true, kAllVerbs, {}, {}, {});
  // coordination.k8s.io/v1, discovery.k8s.io/v1
  add("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, kAllVerbs, {}, {}, {});
  add("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true, kAllVerbs,
      {}, {}, {});
  return t;
}

}  // namespace

const std::vector<ResourceInfo>& resources() {
  static const std::vector<ResourceInfo> table = buildTable();
  return table;
}

const ResourceInfo* findResource(const std::string& group, const std::string& version,
                                 const std::string& plural) {
  for (const ResourceInfo& r : resources()) {
    if (r.group == group && r.version == version && r.plural == plural) return &r;
  }
  return nullptr;
}

std::vector<GroupVersion> groupVersions() {
  std::vector<GroupVersion> out;
  for (const ResourceInfo& r : resources()) {
    if (r.group.empty()) continue;
    bool seen = false;
    for (const GroupVersion& gv : out)
      seen = seen || (gv.group == r.group && gv.version == r.version);
    if (!seen) out.push_back({r.group, r.version});
  }
  return out;
}

std::vector<const ResourceInfo*> resourcesOf(const std::string& group, const std::string& version) {
  std::vector<const ResourceInfo*> out;
  for (const ResourceInfo& r : resources()) {
    if (r.group == group && r.version == version) out.push_back(&r);
  }
  return out;
}

}  // namespace orch::apiserver
