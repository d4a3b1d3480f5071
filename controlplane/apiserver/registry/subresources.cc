// The subresources: status (any kind that has one), scale (Deployments, ReplicaSets),
// binding and eviction (pods), finalize (namespaces).

#include "common/api/codec.h"
#include "common/api/label_selector.h"
#include "controlplane/apiserver/patch/json_patch.h"
#include "controlplane/apiserver/patch/merge_patch.h"
#include "controlplane/apiserver/registry/body_codec.h"
#include "controlplane/apiserver/registry/handlers.h"
#include "controlplane/apiserver/registry/object_meta_ops.h"
#include "controlplane/apiserver/registry/pod_log_proxy.h"
#include "controlplane/apiserver/registry/stored_object.h"
#include "controlplane/apiserver/validation/kind_rules.h"

namespace orch::apiserver {

Reply serveStatusSubresource(ResourceStorage& storage, const ResourceRequest& rr,
                             const Request& req);

namespace {

bool hasSubresource(const ResourceInfo& r, const std::string& name) {
  for (const SubresourceInfo& s : r.subresources)
    if (s.name == name) return true;
  return false;
}

api::Json successStatus(int code) {
  return {{"kind", "Status"},
          {"apiVersion", "v1"},
          {"metadata", api::Json::object()},
          {"status", "Success"},
          {"code", code}};
}

// autoscaling/v1 Scale of a Deployment or ReplicaSet.
api::Json scaleOf(const api::Json& obj) {
  api::Json meta = {{"name", metaString(obj, "name")},
                    {"namespace", metaString(obj, "namespace")},
                    {"uid", metaString(obj, "uid")},
                    {"resourceVersion", metaString(obj, "resourceVersion")},
                    {"creationTimestamp", metaString(obj, "creationTimestamp")}};
  const api::Json spec = obj.value("spec", api::Json::object());
  const api::Json status = obj.value("status", api::Json::object());
  std::string selector;
  if (spec.contains("selector")) {
    auto ls = api::decode<api::LabelSelector>(spec["selector"]);
    if (ls.ok()) {
      auto sel = api::toSelector(*ls);
      if (sel.ok()) selector = sel->toString();
    }
  }
  return {{"apiVersion", "autoscaling/v1"},
          {"kind", "Scale"},
          {"metadata", meta},
          {"spec", {{"replicas", spec.value("replicas", 0)}}},
          {"status", {{"replicas", status.value("replicas", 0)}, {"selector", selector}}}};
}

Reply serveScale(ResourceStorage& storage, const ResourceRequest& rr, const Request& req) {
  if (req.method == "GET") {
    auto obj = storage.get(rr.ns, rr.name);
    if (!obj.ok()) return toResponse(obj.error());
    return objectResponse(req, 200, scaleOf(*obj));
  }
  if (req.method != "PUT" && req.method != "PATCH")
    return toResponse(methodNotSupportedError(storage.info(), req.method));
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  const std::string type = mediaType(req.header("content-type"));
  auto res = storage.update(
      rr.ns, rr.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json scale = scaleOf(*current);
        if (req.method == "PUT") {
          scale = body.value();
        } else {
          Result<api::Json> patched = type == "application/json-patch+json"
                                          ? patch::applyJsonPatch(scale, *body)
                                          : patch::applyMergePatch(scale, *body);
          if (!patched.ok()) return badRequestError(patched.status().context());
          scale = std::move(patched).value();
        }
        const api::Json& replicas =
            scale.value("spec", api::Json::object()).value("replicas", api::Json());
        if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0)
          return invalidFieldError(
              storage.info(), rr.name, "spec.replicas",
              "Invalid value: " + replicas.dump() + ": must be greater than or equal to 0");
        api::Json next = *current;
        if (scale.contains("metadata") && scale["metadata"].contains("resourceVersion"))
          next["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"];
        next["spec"]["replicas"] = replicas;
        return next;
      },
      *ctx, Subresource::kMain);
  if (!res.ok()) return toResponse(res.error());
  return objectResponse(req, 200, scaleOf(*res), ctx->warnings);
}

Reply serveBinding(ResourceStorage& pods, const ResourceRequest& rr, const Request& req) {
  if (req.method != "POST") return toResponse(methodNotSupportedError(pods.info(), req.method));
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  if (const KindRules* rules = kindRulesFor("", "Binding")) {
    FieldErrors errs = rules->validateCreate(*body);
    if (!errs.empty()) return toResponse(invalidError(invalidStatus("", "Binding", rr.name, errs)));
  }
  const std::string node = body->value("target", api::Json::object()).value("name", "");
  if (node.empty())
    return toResponse(invalidFieldError(pods.info(), rr.name, "target.name", "Required value",
                                        "FieldValueRequired"));
  auto res = pods.update(
      rr.ns, rr.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json pod = *current;
        if (!metaString(pod, "deletionTimestamp").empty())
          return conflictError(
              pods.info(), rr.name,
              "pod " + rr.name + " is being deleted, cannot be assigned to a host");
        std::string assigned = pod["spec"].value("nodeName", "");
        if (!assigned.empty())
          return conflictError(
              pods.info(), rr.name,
              "pod " + rr.name + " is already assigned to node \"" + assigned + "\"");
        pod["spec"]["nodeName"] = node;
        return pod;
      },
      *ctx, Subresource::kBinding);
  if (!res.ok()) return toResponse(res.error());
  // PodScheduled=True goes into status, as upstream's binding does.
  (void)pods.update(
      rr.ns, rr.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json pod = *current;
        api::Json& conds = pod["status"]["conditions"];
        if (!conds.is_array()) conds = api::Json::array();
        api::Json cond = {{"type", "PodScheduled"},
                          {"status", "True"},
                          {"lastProbeTime", nullptr},
                          {"lastTransitionTime", ctx->now}};
        bool replaced = false;
        for (api::Json& c : conds)
          if (c.value("type", "") == "PodScheduled") c = cond, replaced = true;
        if (!replaced) conds.push_back(cond);
        return pod;
      },
      *ctx, Subresource::kStatus);
  return objectResponse(req, 201, successStatus(201));
}

Reply serveEviction(ResourceStorage& pods, const ResourceRequest& rr, const Request& req) {
  if (req.method != "POST") return toResponse(methodNotSupportedError(pods.info(), req.method));
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  if (!body->is_object()) return toResponse(badRequestError("the body must be an Eviction object"));
  DeleteOptions opts;
  if (body->contains("deleteOptions") && (*body)["deleteOptions"].is_object()) {
    Request inner;
    inner.body = (*body)["deleteOptions"].dump();
    auto parsed = parseDeleteOptions(inner);
    if (!parsed.ok()) return toResponse(parsed.error());
    opts = *parsed;
  }
  auto res = pods.remove(rr.ns, rr.name, opts, *ctx);
  if (!res.ok()) return toResponse(res.error());
  return objectResponse(req, 201, successStatus(201));
}

Reply serveFinalize(ResourceStorage& namespaces, const ResourceRequest& rr, const Request& req) {
  if (req.method != "PUT")
    return toResponse(methodNotSupportedError(namespaces.info(), req.method));
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  auto res = namespaces.update(
      rr.ns, rr.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json next = *current;
        if (body->contains("metadata") && (*body)["metadata"].contains("resourceVersion"))
          next["metadata"]["resourceVersion"] = (*body)["metadata"]["resourceVersion"];
        api::Json finalizers =
            body->value("spec", api::Json::object()).value("finalizers", api::Json::array());
        next["spec"]["finalizers"] = finalizers;
        return next;
      },
      *ctx, Subresource::kFinalize);
  if (!res.ok()) return toResponse(res.error());
  return objectResponse(req, 200, *res, ctx->warnings);
}

}  // namespace

Reply serveSubresource(Registry& registry, ResourceStorage& storage, const ResourceRequest& rr,
                       const Request& req) {
  const ResourceInfo& r = storage.info();
  if (rr.subresource == "finalize" && r.kind == "Namespace") return serveFinalize(storage, rr, req);
  if (!hasSubresource(r, rr.subresource))
    return errorResponse(404, "NotFound", "the server could not find the requested resource");
  if (rr.subresource == "status") return serveStatusSubresource(storage, rr, req);
  if (rr.subresource == "scale") return serveScale(storage, rr, req);
  if (rr.subresource == "binding") return serveBinding(storage, rr, req);
  if (rr.subresource == "eviction") return serveEviction(storage, rr, req);
  if (rr.subresource == "log") return servePodLog(registry, storage, rr, req);
  return errorResponse(404, "NotFound",
                       "the server could not find the requested resource (" + rr.subresource + ")");
}

}  // namespace orch::apiserver
