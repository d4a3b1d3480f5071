#include "common/api/meta.h"

namespace orch::api {

ORCH_API_FIELDS(OwnerReference) {
  ORCH_F(f.always("apiVersion", v.apiVersion));
  ORCH_F(f.always("kind", v.kind));
  ORCH_F(f.always("name", v.name));
  ORCH_F(f.always("uid", v.uid));
  ORCH_F(f("controller", v.controller));
  return f("blockOwnerDeletion", v.blockOwnerDeletion);
}

ORCH_API_FIELDS(ObjectMeta) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("generateName", v.generateName));
  ORCH_F(f("namespace", v.namespace_));
  ORCH_F(f("selfLink", v.selfLink));
  ORCH_F(f("uid", v.uid));
  ORCH_F(f("resourceVersion", v.resourceVersion));
  ORCH_F(f.omitZero("generation", v.generation));
  ORCH_F(f.orNull("creationTimestamp", v.creationTimestamp));
  ORCH_F(f("deletionTimestamp", v.deletionTimestamp));
  ORCH_F(f("deletionGracePeriodSeconds", v.deletionGracePeriodSeconds));
  ORCH_F(f("labels", v.labels));
  ORCH_F(f("annotations", v.annotations));
  ORCH_F(f("ownerReferences", v.ownerReferences));
  ORCH_F(f("finalizers", v.finalizers));
  // Server-side-apply bookkeeping: kept verbatim.
  return f("managedFields", v.managedFields);
}

ORCH_API_FIELDS(ListMeta) {
  ORCH_F(f("selfLink", v.selfLink));
  ORCH_F(f("resourceVersion", v.resourceVersion));
  ORCH_F(f("continue", v.continue_));
  return f("remainingItemCount", v.remainingItemCount);
}

const OwnerReference* controllerOf(const ObjectMeta& m) {
  for (const auto& o : m.ownerReferences) {
    if (o.controller.value_or(false)) return &o;
  }
  return nullptr;
}

}  // namespace orch::api
