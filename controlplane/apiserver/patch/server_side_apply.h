#pragma once
// Server-side apply (Content-Type application/apply-patch+yaml) and the field-ownership
// bookkeeping of ordinary writes, as upstream's fieldmanager over structured-merge-diff does,
// recorded in metadata.managedFields (metav1.ManagedFieldsEntry, fieldsType FieldsV1).
//
// Never tracked: apiVersion, kind, metadata.{name, namespace, uid, resourceVersion, generation,
// creationTimestamp, deletionTimestamp, deletionGracePeriodSeconds, selfLink, managedFields},
// and `status` for the main resource (`spec` for the status subresource). For apply, the
// untracked top-level part (status, or spec for the status subresource) of the configuration
// is ignored, as upstream's reset-fields filter does.

#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/base/status.h"
#include "controlplane/apiserver/patch/patch_schema.h"

namespace orch::apiserver::patch {

struct ApplyOptions {
  std::string manager;  // the fieldManager query parameter; required
  bool force = false;
  std::string api_version;              // "apps/v1": recorded in the entry
  std::string subresource;              // "" or "status"
  const PatchSchema* schema = nullptr;  // nullptr: every list atomic, every object merged
  std::string now_rfc3339;              // the entry's time when something changed
};

struct ApplyConflict {
  std::string manager;  // the other manager's name
  std::string field;    // ".spec.replicas"
  std::string message;  // "conflict with \"kubectl-client-side-apply\" using apps/v1"
};

// Applies the configuration `applied` (a full object: apiVersion, kind, metadata.name...) to
// `live` (null when the object does not exist yet) and returns the new object with its
// metadata.managedFields. The configuration's fields become owned by opts.manager (operation
// Apply, one entry per manager and subresource); its values overwrite live ones; maps merge;
// associative lists (ListType::kMap) merge by key, sets by value, other lists are replaced.
// Fields the manager applied before and no longer applies are removed when no other manager
// owns them. Applying the same configuration again returns `live` unchanged (same entry
// times), so the caller can skip the write.
// An object without managedFields is first owned by "before-first-apply" (Update), as upstream.
// Errors:
//   EINVAL: no manager, `applied` not an object, `live` neither null nor an object,
//           metadata.managedFields set in `applied`, an associative list item without its key,
//           undecodable live managedFields;
//   EBUSY:  a field owned by another manager would change and !opts.force. The message is
//           upstream's ("Apply failed with 1 conflict: conflict with \"mgr\" using apps/v1:
//           .spec.replicas"); `conflicts` (when not null) receives each one. With force, the
//           other managers lose those fields.
// Pure, thread-safe, never throws.
Result<Json> serverSideApply(const Json& live, const Json& applied, const ApplyOptions& opts,
                             std::vector<ApplyConflict>* conflicts);
Result<Json> serverSideApply(const Json& live, const Json& applied, const ApplyOptions& opts);

struct UpdateOptions {
  std::string manager;  // empty: others still lose the changed fields, no entry is added
  std::string api_version;
  std::string subresource;
  std::string now_rfc3339;
  const PatchSchema* schema = nullptr;
};

// Records an ordinary write (create, update, non-apply patch) in new_obj's
// metadata.managedFields: the fields it added or changed become owned by opts.manager
// (operation Update), every other manager loses the fields changed or removed, entries left
// empty are dropped. The base entries are new_obj's own managedFields when it carries a valid
// non-empty list (a client rewriting them) and the write is not to a subresource, else
// old_obj's. A managedFields of exactly [{}] clears the bookkeeping (the field is removed).
// `old_obj` is null on create. Never throws; a non-object new_obj is left alone.
void updateManagedFields(Json& new_obj, const Json& old_obj, const UpdateOptions& opts);

}  // namespace orch::apiserver::patch
