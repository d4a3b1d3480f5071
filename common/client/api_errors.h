#pragma once
// API errors as orch Status values. A non-2xx response carries a metav1.Status body; it is
// mapped onto an errno so callers can branch with the helpers below (never by comparing
// errno values by hand). The mapping:
//
//   HTTP  reason               errno       helper
//   400   BadRequest           EBADMSG     isBadRequest
//   401   Unauthorized         EACCES      isUnauthorized
//   403   Forbidden            EPERM       isForbidden
//   404   NotFound             ENOENT      isNotFound
//   405   MethodNotAllowed     EOPNOTSUPP
//   409   AlreadyExists        EEXIST      isAlreadyExists
//   409   Conflict (any other) ESTALE      isConflict
//   410   Gone / Expired       EIDRM       isGone   (also a watch ERROR event with code 410)
//   422   Invalid              EINVAL      isInvalid (message lists the causes' field paths)
//   429   TooManyRequests      EAGAIN      isTooManyRequests (message has the Retry-After)
//   503   ServiceUnavailable   EBUSY
//   504   Timeout              ETIMEDOUT
//   other 4xx                  EBADMSG;  other 5xx  EIO
//
// The context reads "<METHOD> <path>: <code> <reason>: <message>[; causes: f1: m1, ...]".
// Note that a client-side decode error is also EINVAL: isInvalid() does not tell them apart.

#include <string>

#include "common/api/status.h"
#include "common/base/status.h"
#include "common/client/http_client.h"

namespace orch::client {

// The errno for an HTTP status code and metav1.Status reason.
int errnoForHttp(int http_code, const std::string& reason);

// A Status for an API error: from the metav1.Status object (as in a body or watch ERROR).
Status statusFromApiStatus(const api::ApiStatus& s, const std::string& what);
// A Status for a non-2xx response; `what` is "METHOD path". The body is decoded as
// metav1.Status when it is one; otherwise its first bytes go into the message.
Status statusFromResponse(const HttpResponse& res, const std::string& what);

inline bool isBadRequest(const Status& s) {
  return s.code() == EBADMSG;
}
inline bool isUnauthorized(const Status& s) {
  return s.code() == EACCES;
}
inline bool isForbidden(const Status& s) {
  return s.code() == EPERM;
}
inline bool isNotFound(const Status& s) {
  return s.code() == ENOENT;
}
inline bool isAlreadyExists(const Status& s) {
  return s.code() == EEXIST;
}
inline bool isConflict(const Status& s) {
  return s.code() == ESTALE;
}
inline bool isGone(const Status& s) {
  return s.code() == EIDRM;
}
inline bool isInvalid(const Status& s) {
  return s.code() == EINVAL;
}
inline bool isTooManyRequests(const Status& s) {
  return s.code() == EAGAIN;
}
inline bool isCancelled(const Status& s) {
  return s.code() == ECANCELED;
}

}  // namespace orch::client
