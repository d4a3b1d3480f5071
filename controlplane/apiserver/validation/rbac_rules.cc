// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding:
// SetDefaults_Subject / SetDefaults_*RoleBinding and pkg/apis/rbac/validation.

#include "common/api/rbac.h"
#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

constexpr const char* kGroup = "rbac.authorization.k8s.io";

MetaOptions rbacMeta(bool namespaced) {
  MetaOptions o;
  o.namespaced = namespaced;
  o.name_rule = names::NameRule::kPathSegment;
  return o;
}

FieldErrors validateRules(const std::vector<api::PolicyRule>& rules, bool namespaced) {
  FieldErrors out;
  for (size_t i = 0; i < rules.size(); ++i) {
    const auto& r = rules[i];
    std::string p = index("rules", i);
    if (r.verbs.empty()) {
      out.push_back(fe::required(child(p, "verbs"), "verbs must contain at least one value"));
    }
    if (!r.nonResourceURLs.empty()) {
      if (namespaced) {
        out.push_back(fe::invalid(child(p, "nonResourceURLs"), fe::quoteList(r.nonResourceURLs),
                                  "namespaced rules cannot apply to non-resource URLs"));
      }
      if (!r.apiGroups.empty() || !r.resources.empty() || !r.resourceNames.empty()) {
        out.push_back(fe::invalid(child(p, "nonResourceURLs"), fe::quoteList(r.nonResourceURLs),
                                  "rules cannot apply to both regular resources and non-resource "
                                  "URLs"));
      }
      continue;
    }
    if (r.apiGroups.empty()) {
      out.push_back(
          fe::required(child(p, "apiGroups"), "resource rules must supply at least one api group"));
    }
    if (r.resources.empty()) {
      out.push_back(
          fe::required(child(p, "resources"), "resource rules must supply at least one resource"));
    }
  }
  return out;
}

void defaultSubjects(std::vector<api::Subject>& subjects) {
  for (auto& s : subjects) {
    if (!s.apiGroup.empty()) continue;
    if (s.kind == "User" || s.kind == "Group") s.apiGroup = kGroup;
  }
}

FieldErrors validateSubjects(const std::vector<api::Subject>& subjects, bool namespaced) {
  FieldErrors out;
  for (size_t i = 0; i < subjects.size(); ++i) {
    const auto& s = subjects[i];
    std::string p = index("subjects", i);
    if (s.name.empty()) out.push_back(fe::required(child(p, "name")));
    if (s.kind == "ServiceAccount") {
      if (!s.name.empty()) append(out, validateDns1123Subdomain(s.name, child(p, "name")));
      if (!s.apiGroup.empty())
        out.push_back(fe::notSupported(child(p, "apiGroup"), s.apiGroup, {""}));
      if (!namespaced && s.namespace_.empty()) out.push_back(fe::required(child(p, "namespace")));
    } else if (s.kind == "User" || s.kind == "Group") {
      if (s.apiGroup != kGroup) {
        out.push_back(fe::notSupported(child(p, "apiGroup"), s.apiGroup, {kGroup}));
      }
    } else {
      out.push_back(
          fe::notSupported(child(p, "kind"), s.kind, {"ServiceAccount", "User", "Group"}));
    }
  }
  return out;
}

FieldErrors validateRoleRef(const api::RoleRef& r, bool namespaced) {
  FieldErrors out;
  if (r.apiGroup != kGroup)
    out.push_back(fe::notSupported("roleRef.apiGroup", r.apiGroup, {kGroup}));
  if (namespaced) {
    if (r.kind != "Role" && r.kind != "ClusterRole") {
      out.push_back(fe::notSupported("roleRef.kind", r.kind, {"Role", "ClusterRole"}));
    }
  } else if (r.kind != "ClusterRole") {
    out.push_back(fe::notSupported("roleRef.kind", r.kind, {"ClusterRole"}));
  }
  if (r.name.empty()) {
    out.push_back(fe::required("roleRef.name"));
  } else {
    for (const auto& m : names::pathSegmentName(r.name, false)) {
      out.push_back(fe::invalidStr("roleRef.name", r.name, m));
    }
  }
  return out;
}

FieldErrors roleRefImmutable(const api::RoleRef& n, const api::RoleRef& o) {
  if (n.apiGroup == o.apiGroup && n.kind == o.kind && n.name == o.name) return {};
  return {fe::invalid("roleRef",
                      "rbac.RoleRef{APIGroup:" + fe::quote(n.apiGroup) +
                          ", Kind:" + fe::quote(n.kind) + ", Name:" + fe::quote(n.name) + "}",
                      "cannot change roleRef")};
}

class RoleRules final : public TypedRules<api::Role> {
 protected:
  FieldErrors create(const api::Role& r) const override {
    FieldErrors out = validateMeta(r.metadata, rbacMeta(true));
    append(out, validateRules(r.rules, true));
    return out;
  }
};

class ClusterRoleRules final : public TypedRules<api::ClusterRole> {
 protected:
  FieldErrors create(const api::ClusterRole& r) const override {
    FieldErrors out = validateMeta(r.metadata, rbacMeta(false));
    append(out, validateRules(r.rules, false));
    if (r.aggregationRule) {
      const auto& sels = r.aggregationRule->clusterRoleSelectors;
      if (sels.empty()) {
        out.push_back(fe::required("aggregationRule.clusterRoleSelectors",
                                   "at least one clusterRoleSelector required if "
                                   "aggregationRule is non-nil"));
      }
      for (size_t i = 0; i < sels.size(); ++i) {
        append(out,
               validateLabelSelector(sels[i], index("aggregationRule.clusterRoleSelectors", i)));
      }
    }
    return out;
  }
};

class RoleBindingRules final : public TypedRules<api::RoleBinding> {
 protected:
  void defaults(api::RoleBinding& b) const override {
    if (b.roleRef.apiGroup.empty()) b.roleRef.apiGroup = kGroup;
    defaultSubjects(b.subjects);
  }
  FieldErrors create(const api::RoleBinding& b) const override {
    FieldErrors out = validateMeta(b.metadata, rbacMeta(true));
    append(out, validateRoleRef(b.roleRef, true));
    append(out, validateSubjects(b.subjects, true));
    return out;
  }
  FieldErrors update(const api::RoleBinding& n, const api::RoleBinding& o) const override {
    return roleRefImmutable(n.roleRef, o.roleRef);
  }
};

class ClusterRoleBindingRules final : public TypedRules<api::ClusterRoleBinding> {
 protected:
  void defaults(api::ClusterRoleBinding& b) const override {
    if (b.roleRef.apiGroup.empty()) b.roleRef.apiGroup = kGroup;
    defaultSubjects(b.subjects);
  }
  FieldErrors create(const api::ClusterRoleBinding& b) const override {
    FieldErrors out = validateMeta(b.metadata, rbacMeta(false));
    append(out, validateRoleRef(b.roleRef, false));
    append(out, validateSubjects(b.subjects, false));
    return out;
  }
  FieldErrors update(const api::ClusterRoleBinding& n,
                     const api::ClusterRoleBinding& o) const override {
    return roleRefImmutable(n.roleRef, o.roleRef);
  }
};

}  // namespace

const KindRules* roleRules() {
  static const RoleRules r;
  return &r;
}
const KindRules* clusterRoleRules() {
  static const ClusterRoleRules r;
  return &r;
}
const KindRules* roleBindingRules() {
  static const RoleBindingRules r;
  return &r;
}
const KindRules* clusterRoleBindingRules() {
  static const ClusterRoleBindingRules r;
  return &r;
}

}  // namespace orch::apiserver
