#include "common/api/rbac.h"

namespace orch::api {

ORCH_API_FIELDS(PolicyRule) {
  ORCH_F(f.always("verbs", v.verbs));
  ORCH_F(f("apiGroups", v.apiGroups));
  ORCH_F(f("resources", v.resources));
  ORCH_F(f("resourceNames", v.resourceNames));
  return f("nonResourceURLs", v.nonResourceURLs);
}

ORCH_API_FIELDS(AggregationRule) {
  return f("clusterRoleSelectors", v.clusterRoleSelectors);
}

ORCH_API_FIELDS(Role) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  return f("rules", v.rules);
}

ORCH_API_FIELDS(ClusterRole) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("rules", v.rules));
  return f("aggregationRule", v.aggregationRule);
}

ORCH_API_FIELDS(Subject) {
  ORCH_F(f.always("kind", v.kind));
  ORCH_F(f("apiGroup", v.apiGroup));
  ORCH_F(f.always("name", v.name));
  return f("namespace", v.namespace_);
}

ORCH_API_FIELDS(RoleRef) {
  ORCH_F(f.always("apiGroup", v.apiGroup));
  ORCH_F(f.always("kind", v.kind));
  return f.always("name", v.name);
}

ORCH_API_FIELDS(RoleBinding) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("subjects", v.subjects));
  return f.always("roleRef", v.roleRef);
}

ORCH_API_FIELDS(ClusterRoleBinding) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("subjects", v.subjects));
  return f.always("roleRef", v.roleRef);
}

}  // namespace orch::api
