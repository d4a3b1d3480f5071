#include "common/client/api_errors.h"

#include "common/api/codec.h"

namespace orch::client {

int errnoForHttp(int code, const std::string& reason) {
  switch (code) {
    case 400:
      return EBADMSG;
    case 401:
      return EACCES;
    case 403:
      return EPERM;
    case 404:
      return ENOENT;
    case 405:
      return EOPNOTSUPP;
    case 409:
      return reason == "AlreadyExists" ? EEXIST : ESTALE;
    case 410:
      return EIDRM;
    case 422:
      return EINVAL;
    case 429:
      return EAGAIN;
    case 503:
      return EBUSY;
    case 504:
      return ETIMEDOUT;
    default:
      return code >= 500 ? EIO : EBADMSG;
  }
}

Status statusFromApiStatus(const api::ApiStatus& s, const std::string& what) {
  std::string msg = what + ": " + std::to_string(s.code);
  if (!s.reason.empty()) msg += " " + s.reason;
  if (!s.message.empty()) msg += ": " + s.message;
  if (s.details && !s.details->causes.empty()) {
    msg += "; causes: ";
    bool first = true;
    for (const auto& c : s.details->causes) {
      if (!first) msg += ", ";
      first = false;
      msg += c.field.empty() ? c.reason : c.field;
      if (!c.message.empty()) msg += ": " + c.message;
    }
  }
  if (s.details && s.details->retryAfterSeconds > 0) {
    msg += " (retry after " + std::to_string(s.details->retryAfterSeconds) + "s)";
  }
  return Status::error(errnoForHttp(s.code, s.reason), msg);
}

Status statusFromResponse(const HttpResponse& res, const std::string& what) {
  auto parsed = api::parse<api::ApiStatus>(res.body);
  api::ApiStatus s;
  if (parsed.ok() && parsed->kind == "Status") {
    s = std::move(parsed).value();
  } else {
    s.message = res.body.substr(0, 200);
  }
  s.code = res.status;  // the HTTP code is authoritative
  if (auto ra = res.retryAfter(); ra && (!s.details || s.details->retryAfterSeconds == 0)) {
    if (!s.details) s.details.emplace();
    s.details->retryAfterSeconds = static_cast<int32_t>(ra->count());
  }
  return statusFromApiStatus(s, what);
}

}  // namespace orch::client
