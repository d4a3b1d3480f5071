#pragma once
// ObjectMeta, labels, annotations, finalizers, owner references and label selectors, as
// apimachinery's pkg/api/validation (ValidateObjectMeta, ValidateObjectMetaUpdate) and
// metav1 validation (ValidateLabels, ValidateLabelSelector), plus small shared helpers.
// Pure functions; safe from any thread.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/api/label_selector.h"
#include "common/api/meta.h"
#include "controlplane/apiserver/validation/field_errors.h"
#include "controlplane/apiserver/validation/name_rules.h"

namespace orch::apiserver {

struct MetaOptions {
  bool namespaced = true;
  names::NameRule name_rule = names::NameRule::kSubdomain;
  // The built-in kinds (core's ValidateObjectMeta) also reject finalizer names that are
  // neither standard nor qualified; custom kinds do not.
  bool kube_finalizers = true;
};

// ValidateObjectMeta at path "metadata".
FieldErrors validateMeta(const api::ObjectMeta& m, const MetaOptions& opts);
// ValidateObjectMetaUpdate: resourceVersion required, generation not decremented, name,
// namespace, uid, creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds immutable,
// no new finalizers once deleting.
FieldErrors validateMetaUpdate(const api::ObjectMeta& n, const api::ObjectMeta& o);
// Labels and annotations only (a pod template's metadata).
FieldErrors validateTemplateMeta(const api::ObjectMeta& m, const std::string& path);

FieldErrors validateLabels(const std::map<std::string, std::string>& labels,
                           const std::string& path);
FieldErrors validateAnnotations(const std::map<std::string, std::string>& annotations,
                                const std::string& path);
FieldErrors validateLabelSelector(const api::LabelSelector& s, const std::string& path);
// IsQualifiedName wrapped as Invalid errors at path.
FieldErrors validateQualifiedName(const std::string& v, const std::string& path);
FieldErrors validateDns1123Label(const std::string& v, const std::string& path);
FieldErrors validateDns1123Subdomain(const std::string& v, const std::string& path);
// "must be greater than or equal to 0".
FieldErrors validateNonNegative(int64_t v, const std::string& path);

// "kubernetes", "orphan", "foregroundDeletion".
bool isStandardFinalizer(const std::string& name);
// "field is immutable" with the new value rendered as given.
FieldError immutable(const std::string& path, std::string rendered_new);
// Go's time.Time.String() of a Time ("2026-01-02 03:04:05 +0000 UTC").
std::string goTimeString(const std::optional<api::Time>& t);
// metav1.LabelSelector rendered as upstream's %#v of the dereferenced pointer.
std::string goLabelSelector(const std::optional<api::LabelSelector>& s);

}  // namespace orch::apiserver
