#include "runtime-shim/image/registry_client.h"

#include <nlohmann/json.hpp>

#include "common/base/base64.h"
#include "common/client/rest_client.h"
#include "runtime-shim/image/digest.h"
#include "runtime-shim/image/manifest.h"
#include "runtime-shim/image/registry_url.h"

namespace orch::shim {

using client::HttpRequest;
using client::HttpResponse;
using nlohmann::json;

namespace {

constexpr int kMaxRedirects = 5;
constexpr size_t kMaxManifestBytes = 8u << 20;

// "MANIFEST_UNKNOWN: manifest unknown" from a registry error body, else a body excerpt.
std::string registryError(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, false);
  std::string out;
  if (!j.is_discarded() && j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const auto& e : j["errors"]) {
      if (!e.is_object()) continue;
      if (!out.empty()) out += "; ";
      out += e.value("code", "") + ": " + e.value("message", "");
    }
  }
  if (out.empty()) out = r.body.substr(0, 200);
  return out;
}

Status httpError(const std::string& what, const HttpResponse& r) {
  int err = EIO;
  if (r.status == 404) err = ENOENT;
  if (r.status == 401 || r.status == 403) err = EACCES;
  std::string detail = registryError(r);
  return Status::error(err, what + ": HTTP " + std::to_string(r.status) +
                                (detail.empty() ? "" : " (" + detail + ")"));
}

}  // namespace

RegistryClient::RegistryClient(std::string base_url, std::string repository, RegistryAuth auth)
    : base_url_(std::move(base_url)), repository_(std::move(repository)), auth_(std::move(auth)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (auto s = splitUrl(base_url_); s.ok()) {
    origin_ = s->origin;
    prefix_ = s->target == "/" ? "" : s->target;
  }
  if (!auth_.registry_token.empty()) authorization_ = "Bearer " + auth_.registry_token;
}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::basicCredentials() const {
  if (!auth_.username.empty() || !auth_.password.empty()) {
    return auth_.username + ":" + auth_.password;
  }
  if (!auth_.auth.empty()) return base64Decode(auth_.auth).valueOr("");
  return "";
}

Result<client::HttpClient*> RegistryClient::clientFor(const std::string& origin) {
  auto& c = clients_[origin];
  if (!c) {
    client::RestConfig cfg;
    cfg.server = origin;
    cfg.userAgent = "orch-shim";
    cfg.connectTimeout = std::chrono::seconds(30);
    cfg.requestTimeout = std::chrono::minutes(2);
    auto created = client::HttpClient::create(
        cfg, {.maxIdleConnections = 2, .maxBodyBytes = kMaxManifestBytes});
    if (!created.ok()) return created.status();
    c = std::move(created).value();
  }
  return c.get();
}

Result<std::string> RegistryClient::fetchToken(const std::map<std::string, std::string>& p) {
  auto realm_it = p.find("realm");
  if (realm_it == p.end()) return Status::error(EACCES, "Bearer challenge without a realm");
  auto realm = splitUrl(realm_it->second);
  if (!realm.ok()) return realm.status().withContext("token realm");
  std::string service = p.count("service") ? p.at("service") : "";
  std::string scope = p.count("scope") ? p.at("scope") : "repository:" + repository_ + ":pull";
  ORCH_ASSIGN_OR_RETURN(client::HttpClient * c, clientFor(realm->origin));
  HttpRequest req;
  req.headers.emplace_back("Accept", "application/json");
  if (!auth_.identity_token.empty()) {
    // OAuth2 refresh-token grant, as the Docker token spec and containerd do it.
    req.method = "POST";
    req.target = realm->target;
    req.contentType = "application/x-www-form-urlencoded";
    req.body = "grant_type=refresh_token&client_id=orch-shim&refresh_token=" +
               client::urlEncode(auth_.identity_token) + "&service=" + client::urlEncode(service) +
               "&scope=" + client::urlEncode(scope);
  } else {
    std::string sep = realm->target.find('?') == std::string::npos ? "?" : "&";
    req.target = realm->target + sep + "scope=" + client::urlEncode(scope);
    if (!service.empty()) req.target += "&service=" + client::urlEncode(service);
    if (std::string creds = basicCredentials(); !creds.empty()) {
      req.headers.emplace_back("Authorization", "Basic " + base64Encode(creds));
    }
  }
  auto r = c->request(req);
  const std::string what = "token from " + realm_it->second;
  if (!r.ok()) return r.status().withContext(what);
  if (r->status < 200 || r->status >= 300) return httpError(what, *r);
  json j = json::parse(r->body, nullptr, false);
  std::string token;
  if (!j.is_discarded() && j.is_object()) {
    token = j.value("token", "");
    if (token.empty()) token = j.value("access_token", "");
  }
  if (token.empty()) return Status::error(EACCES, what + ": the reply holds no token");
  return token;
}

Status RegistryClient::authenticate(const HttpResponse& resp) {
  std::string header = resp.header("WWW-Authenticate");
  if (header.empty()) return httpError("registry " + base_url_, resp);
  ORCH_ASSIGN_OR_RETURN(AuthChallenge c, parseAuthChallenge(header));
  if (c.scheme == "bearer") {
    ORCH_ASSIGN_OR_RETURN(std::string token, fetchToken(c.params));
    authorization_ = "Bearer " + token;
    return Status::ok();
  }
  if (c.scheme == "basic") {
    std::string creds = basicCredentials();
    if (creds.empty()) {
      return Status::error(EACCES,
                           "registry " + base_url_ + " asks for Basic credentials; none given");
    }
    authorization_ = "Basic " + base64Encode(creds);
    return Status::ok();
  }
  return Status::error(EACCES,
                       "registry " + base_url_ + ": unsupported auth scheme \"" + c.scheme + "\"");
}

Result<HttpResponse> RegistryClient::get(const std::string& path, const std::string& accept,
                                         const Sink* sink) {
  if (origin_.empty()) return Status::invalid("registry URL \"" + base_url_ + "\"");
  SplitUrl url{.origin = origin_, .target = prefix_ + path};
  bool authenticated = false;
  for (int redirects = 0;;) {
    const bool own = url.origin == origin_;
    ORCH_ASSIGN_OR_RETURN(client::HttpClient * c, clientFor(url.origin));
    HttpRequest req;
    req.target = url.target;
    req.headers.emplace_back("Accept", accept);
    if (own && !authorization_.empty()) req.headers.emplace_back("Authorization", authorization_);
    const std::string what = "GET " + url.origin + url.target;
    Result<HttpResponse> r = Status::invalid("unreachable");
    if (sink != nullptr) {
      req.timeout = std::chrono::minutes(1);  // the longest silence within a blob
      r = c->stream(req, *sink);
    } else {
      r = c->request(req);
    }
    if (!r.ok()) return r.status().withContext(what);
    const int status = r->status;
    if (status == 401 && own && !authenticated) {
      authenticated = true;
      ORCH_RETURN_IF_ERROR(authenticate(*r).withContext(what));
      continue;
    }
    if (status >= 300 && status < 400 && status != 304) {
      if (++redirects > kMaxRedirects) return Status::error(ELOOP, what + ": too many redirects");
      auto next = resolveLocation(url, r->header("Location"));
      if (!next.ok()) return next.status().withContext(what);
      url = *next;
      continue;
    }
    if (status < 200 || status >= 300) return httpError(what, *r);
    return r;
  }
}

Result<FetchedManifest> RegistryClient::manifest(const std::string& reference) {
  ORCH_ASSIGN_OR_RETURN(HttpResponse r, get("/v2/" + repository_ + "/manifests/" + reference,
                                            media::kManifestAccept, nullptr));
  FetchedManifest m{
      .body = std::move(r.body), .media_type = r.header("Content-Type"), .digest = ""};
  m.digest = sha256Digest(m.body);
  const std::string what = "manifest " + repository_ + ":" + reference;
  if (isSha256Digest(reference) && m.digest != reference) {
    return Status::error(EBADMSG, what + ": content has digest " + m.digest);
  }
  if (std::string d = r.header("Docker-Content-Digest"); isSha256Digest(d) && d != m.digest) {
    return Status::error(EBADMSG,
                         what + ": content has digest " + m.digest + ", the registry says " + d);
  }
  return m;
}

Status RegistryClient::blob(const std::string& digest, BlobWriter& writer) {
  Status write_error;
  Sink sink = [&](std::string_view bytes) {
    write_error = writer.write(bytes);
    return write_error.isOk();
  };
  auto r = get("/v2/" + repository_ + "/blobs/" + digest, "*/*", &sink);
  if (!write_error.isOk()) return write_error;
  return r.status();
}

}  // namespace orch::shim
