#include "controlplane/apiserver/registry/object_rules.h"

#include "controlplane/apiserver/patch/server_side_apply.h"
#include "controlplane/apiserver/registry/object_meta_ops.h"
#include "controlplane/apiserver/registry/rest_storage.h"
#include "controlplane/apiserver/registry/stored_object.h"
#include "controlplane/apiserver/validation/field_errors.h"
#include "controlplane/apiserver/validation/kind_rules.h"

namespace orch::apiserver {

namespace {

ApiStatusResult answer(const ResourceInfo& r, const api::Json& obj, const FieldErrors& errs) {
  if (errs.empty()) return Done{};
  return invalidError(invalidStatus(r.group, r.kind, metaString(obj, "name"), errs));
}

const api::Json& metadataOrEmpty(const api::Json& obj) {
  static const api::Json empty = api::Json::object();
  auto m = obj.find("metadata");
  return m != obj.end() && m->is_object() ? *m : empty;
}

}  // namespace

ApiStatusResult applyKindDefaults(const ResourceInfo& r, api::Json& obj) {
  const KindRules* rules = kindRulesFor(r.group, r.kind);
  if (rules == nullptr) return Done{};
  if (Status st = rules->applyDefaults(obj); !st.isOk()) return badRequestError(st.context());
  return Done{};
}

ApiStatusResult validateForCreate(const ResourceInfo& r, const api::Json& obj) {
  const KindRules* rules = kindRulesFor(r.group, r.kind);
  if (rules != nullptr) return answer(r, obj, rules->validateCreate(obj));
  return answer(r, obj, validateObjectMeta(metadataOrEmpty(obj), r.namespaced, r.kind));
}

ApiStatusResult validateForUpdate(const ResourceInfo& r, const api::Json& obj, const api::Json& old,
                                  Subresource sub) {
  if (sub == Subresource::kBinding) return Done{};  // the Binding itself was validated
  // Upstream validates an unconditional update as if it carried the stored version.
  api::Json with_version = obj;
  if (metaString(with_version, "resourceVersion").empty())
    setResourceVersion(with_version, resourceVersionOf(old));
  if (sub == Subresource::kFinalize)
    return answer(r, obj, validateNamespaceFinalize(with_version, old));
  const KindRules* rules = kindRulesFor(r.group, r.kind);
  if (rules == nullptr)
    return answer(r, obj, validateObjectMeta(metadataOrEmpty(obj), r.namespaced, r.kind));
  return answer(r, obj,
                sub == Subresource::kStatus ? rules->validateStatusUpdate(with_version, old)
                                            : rules->validateUpdate(with_version, old));
}

void trackManagedFields(const ResourceInfo& r, api::Json& obj, const api::Json* old,
                        const WriteContext& ctx, Subresource sub) {
  patch::UpdateOptions opts;
  opts.manager = ctx.field_manager;
  opts.api_version = r.groupVersion();
  opts.subresource = sub == Subresource::kStatus     ? "status"
                     : sub == Subresource::kFinalize ? "finalize"
                     : sub == Subresource::kBinding  ? "binding"
                                                     : "";
  opts.now_rfc3339 = ctx.now;
  opts.schema = patch::patchSchemaFor(r.group, r.kind);
  patch::updateManagedFields(obj, old ? *old : api::Json(nullptr), opts);
}

}  // namespace orch::apiserver
