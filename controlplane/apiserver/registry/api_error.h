#pragma once
// The error answers of the REST layer: each one is the metav1.Status kube-apiserver sends in
// the same situation (reason, code, message wording, details), so that kubectl and client-go
// classify them the same way (IsNotFound, IsConflict, ...).

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "common/api/status.h"
#include "common/base/status.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {

// An error answer: the metav1.Status to send (status.code is the HTTP status).
struct ApiError {
  api::ApiStatus status;
};

// A value or the ApiError to answer with.
template <class T>
class [[nodiscard]] ApiResult {
 public:
  ApiResult(T value) : v_(std::move(value)) {}         // NOLINT: implicit like Result<T>
  ApiResult(ApiError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const ApiError& error() const { return std::get<1>(v_); }
  T* operator->() { return &value(); }
  T& operator*() { return value(); }

 private:
  std::variant<T, ApiError> v_;
};

// ApiResult<void>.
struct Done {};
using ApiStatusResult = ApiResult<Done>;

// `pods "web" not found` (404 NotFound).
ApiError notFoundError(const ResourceInfo& r, const std::string& name);
// `pods "web" already exists` (409 AlreadyExists).
ApiError alreadyExistsError(const ResourceInfo& r, const std::string& name);
// `Operation cannot be fulfilled on pods "web": <detail>` (409 Conflict). The default
// detail is the stale-resourceVersion one.
ApiError conflictError(const ResourceInfo& r, const std::string& name,
                       const std::string& detail = {});
// 400 BadRequest with `message`.
ApiError badRequestError(const std::string& message);
// 403 Forbidden: `pods "web" is forbidden: <detail>`.
ApiError forbiddenError(const ResourceInfo& r, const std::string& name, const std::string& detail);
// 410 Expired: the resourceVersion or continue token is older than the store's history.
ApiError goneError(const std::string& message);
// 415 UnsupportedMediaType.
ApiError unsupportedMediaTypeError(const std::string& content_type);
// 405 MethodNotAllowed for a verb the resource does not support.
ApiError methodNotSupportedError(const ResourceInfo& r, const std::string& verb);
// 500 InternalError carrying the cause.
ApiError internalError(const Status& cause);
// 422 Invalid from the metav1.Status JSON the validation library built.
ApiError invalidError(const api::Json& status_json);
// 422 Invalid with one cause (`<kind> "<name>" is invalid: <field>: <message>`).
ApiError invalidFieldError(const ResourceInfo& r, const std::string& name, const std::string& field,
                           const std::string& message,
                           const std::string& reason = "FieldValueInvalid");

// Maps a store error for object `name` to its answer: NotFound → 404, AlreadyExists → 409,
// Conflict → 409, Compacted → 410, anything else → 500.
ApiError fromStoreError(const ResourceInfo& r, const std::string& name, const Status& st);

// The HTTP response carrying `e`.
Response toResponse(const ApiError& e);

}  // namespace orch::apiserver
