#pragma once
// The OpenAPI endpoints of orch-apiserver, as kube-apiserver serves them:
//   GET /openapi/v3                 {"paths": {"api/v1": {"serverRelativeURL":
//                                   "/openapi/v3/api/v1?hash=<ETAG>"}, "apis/apps/v1": ...}}
//   GET /openapi/v3/api/v1          the OpenAPI 3.0 document of a group/version
//   GET /openapi/v3/apis/<g>/<v>    (documents.h); with ?hash=<current ETag> the answer is
//                                   "Cache-Control: public, immutable" with a one-year
//                                   Expires, with a stale hash a 301 to the current URL
//   GET /openapi/v2                 the Swagger 2.0 document, as JSON
// Every document answers with an ETag (the upper-case hex SHA-512 of its bytes, quoted) and
// honours If-None-Match (304). The documents are JSON only: a request whose Accept header
// admits no JSON (kubectl's protobuf-only request for /openapi/v2) gets 406, which kubectl
// treats as "no OpenAPI v2" (it uses v3 for explain, field validation and apply).
//
// The documents are built once, when the routes are added, and served from memory; handlers
// are safe to run concurrently.

#include <map>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/http.h"
#include "controlplane/apiserver/router.h"

namespace orch::apiserver {

// Registers the endpoints above on `router` (building the documents first).
Status addOpenApiRoutes(Router& router);

namespace openapi {

struct CachedDocument {
  std::string body;  // JSON text
  std::string etag;  // upper-case hex SHA-512 of body, unquoted
};

// Every document, serialized once.
struct OpenApiDocuments {
  CachedDocument v2;
  CachedDocument v3_index;
  std::map<std::string, CachedDocument> v3;  // by index key: "api/v1", "apis/apps/v1"
};

// Builds every document (a few tens of milliseconds).
std::shared_ptr<const OpenApiDocuments> buildOpenApiDocuments();

// The handlers addOpenApiRoutes registers, over `docs`.
Response serveOpenApiV3Index(const OpenApiDocuments& docs, const Request& req);
// `key` is the part after "/openapi/v3/": "api/v1", "apis/apps/v1".
Response serveOpenApiV3(const OpenApiDocuments& docs, const std::string& key, const Request& req);
Response serveOpenApiV2(const OpenApiDocuments& docs, const Request& req);

// True when an Accept header value admits application/json ("", "*/*", "application/*",
// "application/json", ... with any parameters other than q=0).
bool acceptsJson(const std::string& accept);

}  // namespace openapi
}  // namespace orch::apiserver
