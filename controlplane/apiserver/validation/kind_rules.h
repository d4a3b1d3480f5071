#pragma once
// Defaulting and validation of the built-in kinds, as kube-apiserver does them
// (pkg/apis/*/v1/defaults.go, pkg/apis/*/validation). The registry calls, for a write:
//   create:  applyDefaults(obj), then validateCreate(obj)
//   update:  applyDefaults(obj), then validateUpdate(obj, stored)
//   status:  applyDefaults(obj), then validateStatusUpdate(obj, stored)
// and answers 422 with invalidStatus() (field_errors.h) when errors come back.
//
// What the registry does itself, as upstream's REST strategies do (not done here):
//   - for a create with metadata.generateName and no name it generates the name before
//     validateCreate (which, as upstream's ValidateObjectMeta, requires metadata.name);
//   - for an update it fills metadata.resourceVersion from the stored object when the client
//     sent none (an unconditional update) before validateUpdate, which requires one;
//   - it copies the parts a strategy resets (status on a main-resource update, spec and
//     metadata on a status update, Pod status.phase Pending on create, Service clusterIP(s)/
//     ipFamilies from allocation, nodePort ranges).
// Defaults that are a create-time strategy step upstream and belong to the object itself are
// applied here: a Namespace without metadata.resourceVersion (not stored yet) gets the
// "kubernetes" finalizer; a Secret's stringData is merged into data (the v1 conversion does
// that upstream).
//
// Objects are orch::api::Json as stored. Everything is pure, thread-safe and never throws.

#include <string_view>

#include "common/base/status.h"
#include "controlplane/apiserver/validation/field_errors.h"

namespace orch::apiserver {

class KindRules {
 public:
  virtual ~KindRules() = default;
  // Upstream's defaulting (SetDefaults_*), in place, on a whole object of this kind. Fields
  // the types do not model stay as they are. EINVAL naming the field when the JSON has the
  // wrong type somewhere ("spec.replicas: expected integer, got string").
  virtual Status applyDefaults(Json& obj) const = 0;
  // Create validation: ValidateObjectMeta with the kind's name rule, plus the kind's rules.
  virtual FieldErrors validateCreate(const Json& obj) const = 0;
  // Update of the main resource: validateCreate's checks, ValidateObjectMetaUpdate, and the
  // kind's immutable fields. `old` is the stored object.
  virtual FieldErrors validateUpdate(const Json& obj, const Json& old) const = 0;
  // Update through the status subresource: ValidateObjectMetaUpdate and the status values.
  virtual FieldErrors validateStatusUpdate(const Json& obj, const Json& old) const = 0;
};

// The rules of a served kind (group "" = core), or nullptr when the kind has none (the
// registry then runs only validateObjectMeta). Also covers the subresource bodies:
// ("", "Binding"), ("policy", "Eviction"), ("autoscaling", "Scale").
const KindRules* kindRulesFor(std::string_view group, std::string_view kind);

// Generic ObjectMeta checks for any kind (metadata as JSON): name or generateName, the name
// syntax of the kind (DNS-1123 subdomain for most; DNS-1123 label for Namespace; DNS-1035
// label for Service; path segment for RBAC kinds), namespace required iff namespaced, label
// keys/values, annotation keys and total size (256 KiB), finalizer names, ownerReferences.
FieldErrors validateObjectMeta(const Json& metadata, bool namespaced, std::string_view kind);

// Namespace finalize subresource (PUT .../finalize): spec.finalizers names, plus
// ValidateObjectMetaUpdate. The only way spec.finalizers may change.
FieldErrors validateNamespaceFinalize(const Json& obj, const Json& old);

}  // namespace orch::apiserver
