#pragma once
// What a write request carries besides its object: who asks, as which field manager, how to
// treat unknown fields, dry run; and what the answer collects (warnings). One per request.

#include <string>
#include <vector>

#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/registry/api_error.h"

namespace orch::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

struct WriteContext {
  UserInfo user;
  std::string field_manager;  // ?fieldManager=, else derived from the User-Agent
  FieldValidation field_validation = FieldValidation::kWarn;
  bool dry_run = false;
  std::string now;                    // RFC 3339 time of the request (seconds)
  std::vector<std::string> warnings;  // sent as Warning: 299 headers
};

// Builds the context of `req`: fieldManager (a User-Agent "kubectl/v1.32.4 (linux/amd64)
// kubernetes/..." gives "kubectl", as upstream), fieldValidation (Ignore|Warn|Strict, 400
// for another value), dryRun (All, 400 for another value).
ApiResult<WriteContext> writeContextOf(const Request& req);

// The context of the apiserver's own writes (namespace cleaner, garbage collector, startup
// objects), made now, under field manager `manager`.
WriteContext systemWriteContext(std::string manager);

}  // namespace orch::apiserver
