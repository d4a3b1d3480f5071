#include "controlplane/apiserver/registry/handlers.h"

#include <algorithm>

#include "controlplane/apiserver/registry/body_codec.h"
#include "controlplane/apiserver/registry/stored_object.h"
#include "controlplane/apiserver/registry/table_convert.h"

namespace orch::apiserver {

namespace {

bool allows(const ResourceInfo& r, const std::string& verb) {
  return std::find(r.verbs.begin(), r.verbs.end(), verb) != r.verbs.end();
}

// Kinds that a PUT may create (upstream's AllowCreateOnUpdate).
bool createsOnUpdate(const ResourceInfo& r) {
  return r.kind == "Endpoints" || r.kind == "Lease";
}

Reply answer(const Request& req, int status, ApiResult<api::Json>& res,
             const WriteContext* ctx = nullptr) {
  if (!res.ok()) return toResponse(res.error());
  static const std::vector<std::string> none;
  return objectResponse(req, status, res.value(), ctx ? ctx->warnings : none);
}

Reply serveList(ResourceStorage& storage, const ResourceRequest& rr, const Request& req,
                const ListOptions& opts) {
  auto page = storage.list(rr.ns, opts);
  if (!page.ok()) return toResponse(page.error());
  if (wantsTable(req)) {
    std::vector<api::Json> objects;
    for (const std::string& item : page->items) objects.push_back(api::Json::parse(item));
    return objectResponse(
        req, 200,
        toTable(storage.info(), objects, std::to_string(page->revision), page->continue_token,
                req.queryParam("includeObject").value_or("Metadata")));
  }
  if (mediaType(req.header("accept")) == "application/yaml")
    return objectResponse(req, 200, storage.listJson(*page));
  return jsonResponse(200, storage.listText(*page));
}

Reply serveCreate(ResourceStorage& storage, const ResourceRequest& rr, const Request& req) {
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  auto res = storage.create(rr.ns, std::move(body.value()), *ctx);
  return answer(req, ctx->dry_run ? 200 : 201, res, &ctx.value());
}

Reply serveUpdate(ResourceStorage& storage, const ResourceRequest& rr, const Request& req,
                  Subresource sub) {
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto body = decodeBody(req);
  if (!body.ok()) return toResponse(body.error());
  bool created = false;
  auto res = storage.update(
      rr.ns, rr.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        created = current == nullptr;
        return body.value();
      },
      *ctx, sub, createsOnUpdate(storage.info()) && sub == Subresource::kMain);
  return answer(req, created ? 201 : 200, res, &ctx.value());
}

Reply serveDelete(ResourceStorage& storage, const ResourceRequest& rr, const Request& req) {
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto opts = parseDeleteOptions(req);
  if (!opts.ok()) return toResponse(opts.error());
  auto res = storage.remove(rr.ns, rr.name, *opts, *ctx);
  return answer(req, 200, res, &ctx.value());
}

Reply serveDeleteCollection(ResourceStorage& storage, const ResourceRequest& rr,
                            const Request& req) {
  auto ctx = writeContextOf(req);
  if (!ctx.ok()) return toResponse(ctx.error());
  auto opts = parseDeleteOptions(req);
  if (!opts.ok()) return toResponse(opts.error());
  auto list = parseListOptions(storage.info(), req);
  if (!list.ok()) return toResponse(list.error());
  auto res = storage.removeCollection(rr.ns, *list, *opts, *ctx);
  return answer(req, 200, res, &ctx.value());
}

}  // namespace

Reply serveResource(Registry& registry, const ResourceRequest& rr, const Request& req) {
  const ResourceInfo& r = *rr.resource;
  ResourceStorage* storage = registry.storage(r.group, r.plural);
  if (storage == nullptr || rr.malformed)
    return errorResponse(404, "NotFound", "the server could not find the requested resource");
  if (!rr.subresource.empty()) return serveSubresource(registry, *storage, rr, req);
  const std::string& m = req.method;
  if (rr.name.empty()) {
    if (m == "GET") {
      auto opts = parseListOptions(r, req);
      if (!opts.ok()) return toResponse(opts.error());
      if (opts->watch || rr.legacy_watch) {
        if (!allows(r, "watch")) return toResponse(methodNotSupportedError(r, "watch"));
        return serveWatch(registry, *storage, rr, req);
      }
      if (!allows(r, "list")) return toResponse(methodNotSupportedError(r, "list"));
      return serveList(*storage, rr, req, *opts);
    }
    if (m == "POST") {
      if (!allows(r, "create")) return toResponse(methodNotSupportedError(r, "create"));
      return serveCreate(*storage, rr, req);
    }
    if (m == "DELETE") {
      if (!allows(r, "deletecollection"))
        return toResponse(methodNotSupportedError(r, "deletecollection"));
      return serveDeleteCollection(*storage, rr, req);
    }
    return toResponse(methodNotSupportedError(r, m));
  }
  if (m == "GET") {
    if (rr.legacy_watch || watchRequested(req)) return serveWatch(registry, *storage, rr, req);
    auto res = storage->get(rr.ns, rr.name);
    if (res.ok() && wantsTable(req))
      return objectResponse(req, 200,
                            toTable(r, {res.value()}, metaString(*res, "resourceVersion"), "",
                                    req.queryParam("includeObject").value_or("Metadata")));
    return answer(req, 200, res);
  }
  if (m == "PUT") return serveUpdate(*storage, rr, req, Subresource::kMain);
  if (m == "PATCH") return servePatch(*storage, rr, req, Subresource::kMain);
  if (m == "DELETE") return serveDelete(*storage, rr, req);
  return toResponse(methodNotSupportedError(r, m));
}

Reply serveStatusSubresource(ResourceStorage& storage, const ResourceRequest& rr,
                             const Request& req) {
  if (req.method == "GET") {
    auto res = storage.get(rr.ns, rr.name);
    return answer(req, 200, res);
  }
  if (req.method == "PUT") return serveUpdate(storage, rr, req, Subresource::kStatus);
  if (req.method == "PATCH") return servePatch(storage, rr, req, Subresource::kStatus);
  return toResponse(methodNotSupportedError(storage.info(), req.method));
}

}  // namespace orch::apiserver
