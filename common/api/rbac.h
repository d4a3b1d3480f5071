#pragma once
// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding.

#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/label_selector.h"
#include "common/api/meta.h"
#include "common/api/references.h"

namespace orch::api {

struct PolicyRule {
  std::vector<std::string> verbs, apiGroups, resources, resourceNames, nonResourceURLs;
  Json unknown_fields;
};

struct AggregationRule {
  std::vector<LabelSelector> clusterRoleSelectors;
  Json unknown_fields;
};

struct Role {
  ORCH_API_KIND("rbac.authorization.k8s.io", "v1", "Role", "roles", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<PolicyRule> rules;
  Json unknown_fields;
};

struct ClusterRole {
  ORCH_API_KIND("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", false);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<PolicyRule> rules;
  std::optional<AggregationRule> aggregationRule;
  Json unknown_fields;
};

struct Subject {
  std::string kind;  // User, Group, ServiceAccount
  std::string apiGroup, name;
  std::string namespace_;  // JSON "namespace"
  Json unknown_fields;
};

struct RoleRef {
  std::string apiGroup, kind, name;
  Json unknown_fields;
};

struct RoleBinding {
  ORCH_API_KIND("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<Subject> subjects;
  RoleRef roleRef;
  Json unknown_fields;
};

struct ClusterRoleBinding {
  ORCH_API_KIND("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings",
                false);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  std::vector<Subject> subjects;
  RoleRef roleRef;
  Json unknown_fields;
};

ORCH_API_CODEC(PolicyRule);
ORCH_API_CODEC(AggregationRule);
ORCH_API_CODEC(Role);
ORCH_API_CODEC(ClusterRole);
ORCH_API_CODEC(Subject);
ORCH_API_CODEC(RoleRef);
ORCH_API_CODEC(RoleBinding);
ORCH_API_CODEC(ClusterRoleBinding);

}  // namespace orch::api
