#include "controlplane/apiserver/openapi/openapi.h"

#include <openssl/evp.h>

#include <cctype>
#include <ctime>
#include <utility>

#include "controlplane/apiserver/openapi/definitions.h"
#include "controlplane/apiserver/openapi/documents.h"

namespace orch::apiserver {

namespace openapi {

using nlohmann::json;

namespace {

// Upper-case hex SHA-512, as kube-openapi's computeETag.
std::string sha512Hex(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest fails only on allocation failure: then an empty ETag (never cached).
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha512(), nullptr) != 1) return "";
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 0xf];
  }
  return out;
}

CachedDocument cache(const json& doc) {
  CachedDocument c;
  c.body = doc.dump();
  c.etag = sha512Hex(c.body);
  return c;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

// One year from now in RFC 1123 form, as Go's time.RFC1123 with UTC.
std::string expiresInAYear() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  tm.tm_year += 1;
  std::time_t later = timegm(&tm);
  gmtime_r(&later, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S UTC", &tm);
  return buf;
}

bool etagMatches(const Request& req, const std::string& etag) {
  std::string inm = req.header("if-none-match");
  if (inm.empty() || etag.empty()) return false;
  size_t pos = 0;
  while (pos <= inm.size()) {
    size_t comma = inm.find(',', pos);
    std::string tag =
        trim(inm.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == "*" || tag == "\"" + etag + "\"") return true;
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

Response document(const CachedDocument& doc, const Request& req) {
  Response r;
  r.content_type = "application/json";
  r.headers.push_back({"ETag", "\"" + doc.etag + "\""});
  r.headers.push_back({"Vary", "Accept"});
  if (etagMatches(req, doc.etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.body = doc.body;
  return r;
}

Response notAcceptable() {
  return errorResponse(406, "NotAcceptable",
                       "only application/json is supported for the OpenAPI documents");
}

}  // namespace

bool acceptsJson(const std::string& accept) {
  if (trim(accept).empty()) return true;
  size_t pos = 0;
  while (pos <= accept.size()) {
    size_t comma = accept.find(',', pos);
    std::string clause =
        accept.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    std::string type = lower(trim(clause.substr(0, clause.find(';'))));
    bool refused = false;
    for (size_t semi = clause.find(';'); semi != std::string::npos;
         semi = clause.find(';', semi + 1)) {
      std::string param =
          lower(trim(clause.substr(semi + 1, clause.find(';', semi + 1) - (semi + 1))));
      if (param.rfind("q=", 0) == 0) {
        std::string q = param.substr(2);
        refused = q.find_first_not_of("0.") == std::string::npos;  // q=0, q=0.0, ...
      }
    }
    if (!refused && (type == "*/*" || type == "application/*" || type == "application/json")) {
      return true;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::shared_ptr<const OpenApiDocuments> buildOpenApiDocuments() {
  auto docs = std::make_shared<OpenApiDocuments>();
  Definitions v3 = buildDefinitions(Flavor::kV3);
  json index = {{"paths", json::object()}};
  for (const GroupVersion& gv : servedGroupVersions()) {
    std::string key = openApiV3Key(gv);
    CachedDocument doc = cache(openApiV3Document(v3, gv));
    index["paths"][key] = {{"serverRelativeURL", "/openapi/v3/" + key + "?hash=" + doc.etag}};
    docs->v3[key] = std::move(doc);
  }
  docs->v3_index = cache(index);
  docs->v2 = cache(swaggerV2Document(buildDefinitions(Flavor::kV2)));
  return docs;
}

Response serveOpenApiV3Index(const OpenApiDocuments& docs, const Request& req) {
  if (!acceptsJson(req.header("accept"))) return notAcceptable();
  Response r = document(docs.v3_index, req);
  // The index changes whenever a document does: never cache it without revalidating.
  r.headers.push_back({"Cache-Control", "no-cache, private"});
  return r;
}

Response serveOpenApiV3(const OpenApiDocuments& docs, const std::string& key, const Request& req) {
  auto it = docs.v3.find(key);
  if (it == docs.v3.end()) {
    return errorResponse(404, "NotFound", "the OpenAPI document \"" + key + "\" does not exist");
  }
  if (!acceptsJson(req.header("accept"))) return notAcceptable();
  const CachedDocument& doc = it->second;
  std::optional<std::string> hash = req.queryParam("hash");
  if (hash && !hash->empty() && *hash != doc.etag) {
    // A stale link: send the client to the current version.
    Response r;
    r.status = 301;
    r.content_type = "text/html; charset=utf-8";
    std::string location = "/openapi/v3/" + key + "?hash=" + doc.etag;
    r.headers.push_back({"Location", location});
    r.body = "<a href=\"" + location + "\">Moved Permanently</a>.\n";
    return r;
  }
  Response r = document(doc, req);
  if (hash && !hash->empty()) {
    // The URL names this exact content: cache it for good.
    r.headers.push_back({"Cache-Control", "public, immutable"});
    r.headers.push_back({"Expires", expiresInAYear()});
  } else {
    r.headers.push_back({"Cache-Control", "no-cache, private"});
  }
  return r;
}

Response serveOpenApiV2(const OpenApiDocuments& docs, const Request& req) {
  if (!acceptsJson(req.header("accept"))) return notAcceptable();
  Response r = document(docs.v2, req);
  r.headers.push_back({"Cache-Control", "no-cache, private"});
  return r;
}

}  // namespace openapi

Status addOpenApiRoutes(Router& router) {
  std::shared_ptr<const openapi::OpenApiDocuments> docs = openapi::buildOpenApiDocuments();
  ORCH_RETURN_IF_ERROR(router.add("GET", "/openapi/v2", [docs](const Request& req) -> Reply {
    return openapi::serveOpenApiV2(*docs, req);
  }));
  ORCH_RETURN_IF_ERROR(router.add("GET", "/openapi/v3", [docs](const Request& req) -> Reply {
    return openapi::serveOpenApiV3Index(*docs, req);
  }));
  return router.add("GET", "/openapi/v3/{path...}", [docs](const Request& req) -> Reply {
    return openapi::serveOpenApiV3(*docs, req.param("path"), req);
  });
}

}  // namespace orch::apiserver
