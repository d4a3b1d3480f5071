// PATCH of an object or its status: the patch is applied to the current object inside the
// storage's read-modify-write, so a conflicting concurrent write makes it apply again to the
// newer object (unless the patch itself names a resourceVersion).

#include "common/api/codec.h"
#include "controlplane/apiserver/patch/json_patch.h"
#include "controlplane/apiserver/patch/merge_patch.h"
#include "controlplane/apiserver/patch/server_side_apply.h"
#include "controlplane/apiserver/patch/strategic_merge_patch.h"
#include "controlplane/apiserver/registry/body_codec.h"
#include "controlplane/apiserver/registry/handlers.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

enum class PatchType { kJson, kMerge, kStrategic, kApply };

const char* kAccepted =
    "application/json-patch+json, application/merge-patch+json, "
    "application/strategic-merge-patch+json, application/apply-patch+yaml";

ApiError unsupportedPatch(const std::string& type) {
  ApiError e = unsupportedMediaTypeError(type);
  e.status.message =
      "the body of the request was in an unknown format - accepted media types "
      "include: " +
      std::string(kAccepted);
  return e;
}

// 409 with one cause per conflicting field, as upstream's apply conflicts.
ApiError applyConflictError(const ResourceInfo& r, const std::string& name, const Status& st,
                            const std::vector<patch::ApplyConflict>& conflicts) {
  ApiError e = conflictError(r, name);
  e.status.message = st.context();
  for (const patch::ApplyConflict& c : conflicts)
    e.status.details->causes.push_back(
        {.reason = "FieldManagerConflict", .message = c.message, .field = c.field});
  return e;
}

ApiError invalidPatch(const ResourceInfo& r, const std::string& name, const Status& st) {
  ApiError e = invalidFieldError(r, name, "", st.context());
  e.status.message =
      "the server rejected our request due to an error in our request: " + st.context();
  return e;
}

}  // namespace

Reply servePatch(ResourceStorage& storage, const ResourceRequest& rr, const Request& req,
                 Subresource sub) {
  const ResourceInfo& r = storage.info();
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  const std::string type = mediaType(req.header("content-type"));
  PatchType pt;
  if (type == "application/json-patch+json")
    pt = PatchType::kJson;
  else if (type == "application/merge-patch+json")
    pt = PatchType::kMerge;
  else if (type == "application/strategic-merge-patch+json")
    pt = PatchType::kStrategic;
  else if (type == "application/apply-patch+yaml")
    pt = PatchType::kApply;
  else
    return toResponse(unsupportedPatch(type));

  const patch::PatchSchema* schema = patch::patchSchemaFor(r.group, r.kind);
  if (pt == PatchType::kStrategic && schema == nullptr) return toResponse(unsupportedPatch(type));
  if (pt == PatchType::kApply && req.queryParam("fieldManager").value_or("").empty())
    return toResponse(
        badRequestError("PATCH request with apply content type requires fieldManager"));

  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  const api::Json& p = body.value();
  if (pt == PatchType::kJson ? !p.is_array() : !p.is_object())
    return toResponse(badRequestError(pt == PatchType::kJson
                                          ? "a JSON patch must be an array of operations"
                                          : "the patch must be a JSON object"));
  const bool force = req.queryParam("force").value_or("") == "true";

  auto mutate = [&](const api::Json* current) -> ApiResult<api::Json> {
    const api::Json base = current ? *current : api::Json(nullptr);
    Result<api::Json> out = api::Json(nullptr);
    switch (pt) {
      case PatchType::kJson:
        out = patch::applyJsonPatch(base, p);
        break;
      case PatchType::kMerge:
        out = patch::applyMergePatch(base, p);
        break;
      case PatchType::kStrategic:
        out = patch::applyStrategicMergePatch(base, p, *schema);
        break;
      case PatchType::kApply: {
        patch::ApplyOptions o;
        o.manager = ctx->field_manager;
        o.force = force;
        o.api_version = r.groupVersion();
        o.subresource = sub == Subresource::kStatus ? "status" : "";
        o.schema = schema;
        o.now_rfc3339 = ctx->now;
        std::vector<patch::ApplyConflict> conflicts;
        out = patch::serverSideApply(base, p, o, &conflicts);
        if (!out.ok() && out.status().code() == EBUSY)
          return applyConflictError(r, rr.name, out.status(), conflicts);
        if (!out.ok()) return badRequestError(out.status().context());
        // Keep a resourceVersion the applied configuration names (a precondition).
        if (p.contains("metadata") && p["metadata"].is_object() &&
            p["metadata"].contains("resourceVersion"))
          (*out)["metadata"]["resourceVersion"] = p["metadata"]["resourceVersion"];
        return std::move(out).value();
      }
    }
    if (!out.ok()) return invalidPatch(r, rr.name, out.status());
    return std::move(out).value();
  };
  bool existed = true;
  auto res = storage.update(
      rr.ns, rr.name,
      [&](const api::Json* current) {
        existed = current != nullptr;
        return mutate(current);
      },
      *ctx, sub, pt == PatchType::kApply && sub == Subresource::kMain, pt != PatchType::kApply);
  if (!res.ok()) return toResponse(res.error());
  return objectResponse(req, existed ? 200 : 201, res.value(), ctx->warnings);
}

}  // namespace orch::apiserver
