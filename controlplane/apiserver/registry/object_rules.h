#pragma once
// The registry's door to the kind libraries: defaulting and validation (validation/) and
// managedFields bookkeeping (patch/), expressed in the registry's terms.

#include "common/api/json_io.h"
#include "controlplane/apiserver/registry/api_error.h"
#include "controlplane/apiserver/registry/write_context.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

enum class Subresource;

// Upstream's defaulting of the kind, in place. 400 BadRequest when a field has the wrong type.
ApiStatusResult applyKindDefaults(const ResourceInfo& r, api::Json& obj);
// Create / update validation (ObjectMeta and the kind's own rules): 422 listing every bad field.
ApiStatusResult validateForCreate(const ResourceInfo& r, const api::Json& obj);
ApiStatusResult validateForUpdate(const ResourceInfo& r, const api::Json& obj, const api::Json& old,
                                  Subresource sub);
// Records the fields a non-apply write changed as owned by ctx.field_manager (operation
// Update) in obj.metadata.managedFields; `old` null on create.
void trackManagedFields(const ResourceInfo& r, api::Json& obj, const api::Json* old,
                        const WriteContext& ctx, Subresource sub);

}  // namespace orch::apiserver
