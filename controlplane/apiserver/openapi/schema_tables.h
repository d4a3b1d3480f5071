#pragma once
// What the C++ field lists cannot say about upstream's OpenAPI definitions: their names
// ("io.k8s.api.core.v1.Container"), a few descriptions (kubectl explain prints them), the
// required fields, and the list merge rules (x-kubernetes-patch-strategy / -patch-merge-key,
// x-kubernetes-list-type / -list-map-keys) that kubectl's strategic merge patch reads.
// Static tables; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

namespace orch::apiserver::openapi {

// The upstream definition name of an orch::api type (C++ name as given to ORCH_API_FIELDS).
// Types of the core group need no entry: "<name>" → "io.k8s.api.core.v1.<name>".
std::string definitionName(std::string_view cpp_name);

// The Go package prefix of an API group's types: "" → "io.k8s.api.core.v1", "apps" →
// "io.k8s.api.apps.v1", "rbac.authorization.k8s.io" → "io.k8s.api.rbac.v1".
std::string packageOf(std::string_view group, std::string_view version);

// The description of a definition, or of one of its fields; "" when there is none. The
// fields common to every kind and list (apiVersion, kind, metadata, spec, status, items) are
// described under cpp_name "".
std::string_view definitionDescription(std::string_view cpp_name);
std::string_view fieldDescription(std::string_view cpp_name, std::string_view field);

// Upstream's required fields of a definition (may name fields orch does not model; callers
// keep only the present ones).
std::vector<std::string> requiredFields(std::string_view cpp_name);

struct ListRules {
  std::string_view patch_strategy;  // "merge", "merge,retainKeys", "retainKeys" or ""
  std::string_view patch_merge_key;
  std::string_view list_type;  // "atomic", "set", "map" or ""
  std::vector<std::string_view> list_map_keys;
};
// The merge rules of field `field` of `cpp_name`; nullptr when it has none.
const ListRules* listRules(std::string_view cpp_name, std::string_view field);

// Where orch shares one C++ struct between two upstream types (PodAffinity for podAffinity and
// podAntiAffinity), the upstream type name of field `field` of `cpp_name` when it differs from
// its struct's ("PodAntiAffinity"); "" otherwise. Give it to definitionName().
std::string_view fieldTypeAlias(std::string_view cpp_name, std::string_view field);

}  // namespace orch::apiserver::openapi
