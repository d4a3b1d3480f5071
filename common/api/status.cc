#include "common/api/status.h"

namespace orch::api {

ORCH_API_FIELDS(StatusCause) {
  ORCH_F(f("reason", v.reason));
  ORCH_F(f("message", v.message));
  return f("field", v.field);
}

ORCH_API_FIELDS(StatusDetails) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("group", v.group));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f("uid", v.uid));
  ORCH_F(f("causes", v.causes));
  return f.omitZero("retryAfterSeconds", v.retryAfterSeconds);
}

ORCH_API_FIELDS(ApiStatus) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("status", v.status));
  ORCH_F(f("message", v.message));
  ORCH_F(f("reason", v.reason));
  ORCH_F(f("details", v.details));
  return f.omitZero("code", v.code);
}

ApiStatus failureStatus(int32_t code, std::string reason, std::string message, std::string name,
                        std::string kind, std::string group) {
  ApiStatus s;
  s.apiVersion = "v1";
  s.kind = "Status";
  s.status = "Failure";
  s.code = code;
  s.reason = std::move(reason);
  s.message = std::move(message);
  if (!name.empty() || !kind.empty()) {
    s.details =
        StatusDetails{.name = std::move(name), .group = std::move(group), .kind = std::move(kind)};
  }
  return s;
}

}  // namespace orch::api
