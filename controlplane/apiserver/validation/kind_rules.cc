#include "controlplane/apiserver/validation/kind_rules.h"

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

FieldError decodeFailure(const Status& st) {
  const std::string& ctx = st.context();
  size_t colon = ctx.find(": ");
  if (colon == std::string::npos) return fe::invalid("", "", ctx);
  return fe::invalid(ctx.substr(0, colon), "", ctx.substr(colon + 2));
}

const KindRules* kindRulesFor(std::string_view group, std::string_view kind) {
  struct Entry {
    std::string_view group, kind;
    const KindRules* (*rules)();
  };
  static const Entry kTable[] = {
      {"", "Pod", podRules},
      {"", "Binding", bindingRules},
      {"", "Service", serviceRules},
      {"", "Endpoints", endpointsRules},
      {"", "Namespace", namespaceRules},
      {"", "ConfigMap", configMapRules},
      {"", "Secret", secretRules},
      {"", "ServiceAccount", serviceAccountRules},
      {"", "ResourceQuota", resourceQuotaRules},
      {"", "LimitRange", limitRangeRules},
      {"", "Node", nodeRules},
      {"", "Event", eventRules},
      {"apps", "Deployment", deploymentRules},
      {"apps", "ReplicaSet", replicaSetRules},
      {"apps", "DaemonSet", daemonSetRules},
      {"autoscaling", "Scale", scaleRules},
      {"policy", "Eviction", evictionRules},
      {"discovery.k8s.io", "EndpointSlice", endpointSliceRules},
      {"coordination.k8s.io", "Lease", leaseRules},
      {"rbac.authorization.k8s.io", "Role", roleRules},
      {"rbac.authorization.k8s.io", "ClusterRole", clusterRoleRules},
      {"rbac.authorization.k8s.io", "RoleBinding", roleBindingRules},
      {"rbac.authorization.k8s.io", "ClusterRoleBinding", clusterRoleBindingRules},
  };
  for (const Entry& e : kTable) {
    if (e.group == group && e.kind == kind) return e.rules();
  }
  return nullptr;
}

FieldErrors validateObjectMeta(const Json& metadata, bool namespaced, std::string_view kind) {
  api::ObjectMeta m;
  if (!metadata.is_null()) {
    api::FieldPath root;
    Status st = api::decodeValue(metadata, root.key("metadata"), m);
    if (!st.isOk()) return {decodeFailure(st)};
  }
  MetaOptions opts;
  opts.namespaced = namespaced;
  if (kind == "Namespace") {
    opts.name_rule = names::NameRule::kLabel;
  } else if (kind == "Service") {
    opts.name_rule = names::NameRule::kDns1035;
  } else if (kind == "Role" || kind == "ClusterRole" || kind == "RoleBinding" ||
             kind == "ClusterRoleBinding") {
    opts.name_rule = names::NameRule::kPathSegment;
  }
  // Built-in kinds (core's ValidateObjectMeta) also check finalizer names against the standard
  // ones; other kinds get apimachinery's generic checks only.
  bool builtin = false;
  for (std::string_view g : {"", "apps", "discovery.k8s.io", "coordination.k8s.io",
                             "rbac.authorization.k8s.io", "policy", "autoscaling"}) {
    builtin = builtin || kindRulesFor(g, kind) != nullptr;
  }
  opts.kube_finalizers = builtin;
  return validateMeta(m, opts);
}

}  // namespace orch::apiserver
