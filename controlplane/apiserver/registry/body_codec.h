#pragma once
// Request bodies in and response bodies out: JSON, or YAML where upstream accepts it
// (application/yaml); anything else is 415. Responses are JSON, or YAML when the client asks
// for application/yaml only.

#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/registry/api_error.h"

namespace orch::apiserver {

// The media type of a Content-Type header value, lower-cased, without parameters.
std::string mediaType(const std::string& content_type);
// The body of `req` as a JSON value: JSON for application/json (or no Content-Type), YAML
// for application/yaml. 400 naming the problem for malformed input, 415 for another type.
ApiResult<api::Json> decodeBody(const Request& req);
// A response carrying `obj` with `status`, in the format the Accept header prefers, plus a
// Warning header per warning.
Response objectResponse(const Request& req, int status, const api::Json& obj,
                        const std::vector<std::string>& warnings = {});

}  // namespace orch::apiserver
