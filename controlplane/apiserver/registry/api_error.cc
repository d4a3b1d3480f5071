#include "controlplane/apiserver/registry/api_error.h"

#include "common/api/codec.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

namespace {

std::string quoted(const ResourceInfo& r, const std::string& name) {
  std::string res = r.group.empty() ? r.plural : r.plural + "." + r.group;
  return res + " \"" + name + "\"";
}

ApiError make(int code, std::string reason, std::string message, const ResourceInfo* r = nullptr,
              const std::string& name = {}) {
  if (r == nullptr)
    return ApiError{api::failureStatus(code, std::move(reason), std::move(message))};
  return ApiError{
      api::failureStatus(code, std::move(reason), std::move(message), name, r->plural, r->group)};
}

}  // namespace

ApiError notFoundError(const ResourceInfo& r, const std::string& name) {
  return make(404, "NotFound", quoted(r, name) + " not found", &r, name);
}

ApiError alreadyExistsError(const ResourceInfo& r, const std::string& name) {
  return make(409, "AlreadyExists", quoted(r, name) + " already exists", &r, name);
}

ApiError conflictError(const ResourceInfo& r, const std::string& name, const std::string& detail) {
  std::string why = detail.empty() ? "the object has been modified; please apply your changes to "
                                     "the latest version and try again"
                                   : detail;
  return make(409, "Conflict", "Operation cannot be fulfilled on " + quoted(r, name) + ": " + why,
              &r, name);
}

ApiError badRequestError(const std::string& message) {
  return make(400, "BadRequest", message);
}

ApiError forbiddenError(const ResourceInfo& r, const std::string& name, const std::string& detail) {
  return make(403, "Forbidden", quoted(r, name) + " is forbidden: " + detail, &r, name);
}

ApiError goneError(const std::string& message) {
  return make(410, "Expired", message);
}

ApiError unsupportedMediaTypeError(const std::string& content_type) {
  return make(415, "UnsupportedMediaType",
              "the body of the request was in an unknown format - accepted media types include: "
              "application/json, application/yaml" +
                  (content_type.empty() ? std::string() : " (got " + content_type + ")"));
}

ApiError methodNotSupportedError(const ResourceInfo& r, const std::string& verb) {
  return make(405, "MethodNotAllowed",
              verb + " is not supported on resources of kind \"" +
                  (r.group.empty() ? r.plural : r.plural + "." + r.group) + "\"");
}

ApiError internalError(const Status& cause) {
  return make(500, "InternalError", "Internal error occurred: " + cause.message());
}

ApiError invalidError(const api::Json& status_json) {
  auto st = api::decode<api::ApiStatus>(status_json);
  if (!st.ok()) return internalError(st.status());
  return ApiError{std::move(st).value()};
}

ApiError invalidFieldError(const ResourceInfo& r, const std::string& name, const std::string& field,
                           const std::string& message, const std::string& reason) {
  ApiError e = make(422, "Invalid",
                    r.kind + " \"" + name + "\" is invalid: " + field + ": " + message, &r, name);
  e.status.details->kind = r.kind;
  e.status.details->causes.push_back({.reason = reason, .message = message, .field = field});
  return e;
}

ApiError fromStoreError(const ResourceInfo& r, const std::string& name, const Status& st) {
  if (store::isNotFound(st)) return notFoundError(r, name);
  if (store::isAlreadyExists(st)) return alreadyExistsError(r, name);
  if (store::isConflict(st)) return conflictError(r, name);
  if (store::isCompacted(st))
    return goneError("The resourceVersion for the provided request is too old.");
  return internalError(st);
}

Response toResponse(const ApiError& e) {
  return jsonResponse(e.status.code, api::serialize(e.status));
}

}  // namespace orch::apiserver
