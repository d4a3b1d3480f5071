#include "fake_registry.h"

#include "common/base/base64.h"

namespace orch::testing {

namespace {

TestResponse error(int status, const std::string& code, const std::string& message) {
  nlohmann::json j = {{"errors", {{{"code", code}, {"message", message}}}}};
  return {.status = status, .headers = {{"Content-Type", "application/json"}}, .body = j.dump()};
}

// "/v2/<repo>/<kind>/<ref>" → repo, kind, ref.
bool splitV2(const std::string& path, std::string* repo, std::string* kind, std::string* ref) {
  if (path.rfind("/v2/", 0) != 0) return false;
  for (const char* k : {"/manifests/", "/blobs/"}) {
    size_t at = path.rfind(k);
    if (at == std::string::npos || at < 4) continue;
    *repo = path.substr(4, at - 4);
    *kind = std::string(k).substr(1, std::string(k).size() - 2);
    *ref = path.substr(at + std::string(k).size());
    return true;
  }
  return false;
}

}  // namespace

FakeRegistry::FakeRegistry(Auth auth)
    : auth_(auth),
      storage_([this](const TestRequest& r) { return handleStorage(r); }),
      server_([this](const TestRequest& r) { return handle(r); }) {}

void FakeRegistry::putBlob(const std::string& content) {
  std::lock_guard l(mu_);
  blobs_[sha256Of(content)] = content;
}

void FakeRegistry::putManifest(const std::string& repo, const std::string& reference,
                               const std::string& body, const std::string& media_type) {
  std::lock_guard l(mu_);
  manifests_[repo + "@" + reference] = {body, media_type};
  manifests_[repo + "@" + sha256Of(body)] = {body, media_type};
}

void FakeRegistry::pushImage(const std::string& repo, const std::string& tag,
                             const TestImage& img) {
  putBlob(img.config);
  for (const auto& l : img.layers) putBlob(l.blob);
  putManifest(repo, tag, img.manifest, img.manifest_media_type);
}

void FakeRegistry::corruptBlob(const std::string& digest, const std::string& bytes) {
  std::lock_guard l(mu_);
  corrupt_[digest] = bytes;
}

void FakeRegistry::setCredentials(const std::string& user, const std::string& password) {
  std::lock_guard l(mu_);
  user_ = user;
  password_ = password;
}

std::string FakeRegistry::addValidToken() {
  std::lock_guard l(mu_);
  tokens_.push_back("preset-" + std::to_string(tokens_.size()));
  return tokens_.back();
}

int FakeRegistry::blobRequests(const std::string& digest) const {
  std::lock_guard l(mu_);
  auto it = blob_requests_.find(digest);
  return it == blob_requests_.end() ? 0 : it->second;
}

std::vector<std::string> FakeRegistry::storageAuthorizations() const {
  std::lock_guard l(mu_);
  return storage_auth_;
}

std::string FakeRegistry::lastTokenScope() const {
  std::lock_guard l(mu_);
  return last_scope_;
}

std::string FakeRegistry::lastTokenService() const {
  std::lock_guard l(mu_);
  return last_service_;
}

bool FakeRegistry::authorized(const TestRequest& req) const {
  std::string a = req.header("authorization");
  std::lock_guard l(mu_);
  switch (auth_) {
    case Auth::kNone:
      return true;
    case Auth::kBasic:
      return a == "Basic " + base64Encode(user_ + ":" + password_);
    case Auth::kBearer:
      for (const auto& t : tokens_) {
        if (a == "Bearer " + t) return true;
      }
      return false;
  }
  return false;
}

TestResponse FakeRegistry::challenge(const std::string& repo) const {
  TestResponse r = error(401, "UNAUTHORIZED", "authentication required");
  if (auth_ == Auth::kBasic) {
    r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"fake registry\"");
  } else {
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer realm=\"" + server_.url() +
                               "/token\",service=\"fake-registry\",scope=\"repository:" + repo +
                               ":pull\"");
  }
  return r;
}

TestResponse FakeRegistry::token(const TestRequest& req) {
  ++token_requests_;
  std::string a = req.header("authorization");
  std::lock_guard l(mu_);
  if (req.method == "POST") {
    // OAuth2 refresh-token grant: the form is in the body.
    TestRequest form{.method = "", .target = "/?" + req.body, .body = "", .headers = {}};
    last_scope_ = form.query("scope");
    last_service_ = form.query("service");
    if (form.query("grant_type") != "refresh_token" ||
        form.query("refresh_token") != kRefreshToken) {
      return error(401, "UNAUTHORIZED", "bad refresh token");
    }
    tokens_.push_back("oauth-" + std::to_string(tokens_.size()));
    nlohmann::json j = {{"access_token", tokens_.back()}, {"expires_in", 300}};
    return {.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = j.dump()};
  }
  last_scope_ = req.query("scope");
  last_service_ = req.query("service");
  if (a.empty() && !anonymous_) return error(401, "UNAUTHORIZED", "credentials required");
  if (!a.empty() && a != "Basic " + base64Encode(user_ + ":" + password_)) {
    return error(401, "UNAUTHORIZED", "bad credentials");
  }
  tokens_.push_back("token-" + std::to_string(tokens_.size()));
  nlohmann::json j = {{"token", tokens_.back()}, {"expires_in", 300}};
  return {.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = j.dump()};
}

std::string FakeRegistry::blobBytes(const std::string& digest, bool* found) const {
  std::lock_guard l(mu_);
  auto it = blobs_.find(digest);
  *found = it != blobs_.end();
  if (!*found) return "";
  if (auto c = corrupt_.find(digest); c != corrupt_.end()) return c->second;
  return it->second;
}

TestResponse FakeRegistry::handle(const TestRequest& req) {
  const std::string path = req.path();
  if (path == "/token") return token(req);
  if (path == "/v2/" || path == "/v2") {
    return authorized(req) ? TestResponse{.status = 200, .headers = {}, .body = "{}"}
                           : challenge("");
  }
  std::string repo, kind, ref;
  if (!splitV2(path, &repo, &kind, &ref)) return error(404, "NOT_FOUND", path);
  if (!authorized(req)) return challenge(repo);
  if (kind == "manifests") {
    std::lock_guard l(mu_);
    auto it = manifests_.find(repo + "@" + ref);
    if (it == manifests_.end()) return error(404, "MANIFEST_UNKNOWN", "manifest unknown");
    return {.status = 200,
            .headers = {{"Content-Type", it->second.second},
                        {"Docker-Content-Digest", sha256Of(it->second.first)}},
            .body = it->second.first};
  }
  {
    std::lock_guard l(mu_);
    blob_requests_[ref]++;
  }
  bool found = false;
  std::string bytes = blobBytes(ref, &found);
  if (!found) return error(404, "BLOB_UNKNOWN", "blob unknown to registry");
  if (redirect_) {
    return {.status = 307,
            .headers = {{"Location", storage_.url() + "/data/" + ref + "?sig=x"}},
            .body = ""};
  }
  return {.status = 200,
          .headers = {{"Content-Type", "application/octet-stream"}},
          .body = std::move(bytes)};
}

TestResponse FakeRegistry::handleStorage(const TestRequest& req) {
  {
    std::lock_guard l(mu_);
    if (!req.header("authorization").empty()) storage_auth_.push_back(req.header("authorization"));
  }
  std::string path = req.path();
  if (path.rfind("/data/", 0) != 0) return error(404, "NOT_FOUND", path);
  bool found = false;
  std::string bytes = blobBytes(path.substr(6), &found);
  if (!found) return error(404, "NOT_FOUND", path);
  return {.status = 200, .headers = {}, .body = std::move(bytes)};
}

}  // namespace orch::testing
