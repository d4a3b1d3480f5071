#pragma once
// An OCI distribution registry in memory for pull tests: manifests by tag and digest,
// blobs (optionally through a redirect to a second "storage" server), and the auth
// schemes a real registry uses: none, Bearer tokens from a token endpoint on the same
// server (anonymous or with Basic credentials), or Basic auth directly.

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "test_http_server.h"
#include "test_images.h"

namespace orch::testing {

class FakeRegistry {
 public:
  // The identity (refresh) token the token endpoint accepts in its OAuth2 POST form.
  static constexpr char kRefreshToken[] = "refresh-me";

  enum class Auth { kNone, kBearer, kBasic };
  explicit FakeRegistry(Auth auth = Auth::kNone);

  // Stores every blob and the manifest of `img` under repo:tag (and by digest).
  void pushImage(const std::string& repo, const std::string& tag, const TestImage& img);
  void putManifest(const std::string& repo, const std::string& reference, const std::string& body,
                   const std::string& media_type);
  void putBlob(const std::string& content);
  // Serves `bytes` for blob `digest` from now on.
  void corruptBlob(const std::string& digest, const std::string& bytes);

  void setCredentials(const std::string& user, const std::string& password);
  void setAllowAnonymousTokens(bool allow) { anonymous_ = allow; }
  // Blob GETs answer 307 to the storage server.
  void setRedirectBlobs(bool on) { redirect_ = on; }
  std::string addValidToken();  // a token the registry accepts without the endpoint

  std::string url() const { return server_.url(); }
  std::string hostPort() const { return server_.hostPort(); }

  int tokenRequests() const { return token_requests_; }
  int blobRequests(const std::string& digest) const;
  // Authorization headers the storage server saw (must stay empty).
  std::vector<std::string> storageAuthorizations() const;
  std::string lastTokenScope() const;
  std::string lastTokenService() const;

 private:
  TestResponse handle(const TestRequest& req);
  TestResponse handleStorage(const TestRequest& req);
  TestResponse token(const TestRequest& req);
  bool authorized(const TestRequest& req) const;
  TestResponse challenge(const std::string& repo) const;
  std::string blobBytes(const std::string& digest, bool* found) const;

  Auth auth_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> manifests_;  // repo@ref → body,type
  std::map<std::string, std::string> blobs_;
  std::map<std::string, std::string> corrupt_;
  std::map<std::string, int> blob_requests_;
  std::vector<std::string> tokens_;
  std::vector<std::string> storage_auth_;
  std::string user_ = "orch", password_ = "secret";
  std::string last_scope_, last_service_;
  std::atomic<bool> anonymous_{true};
  std::atomic<bool> redirect_{false};
  std::atomic<int> token_requests_{0};
  TestHttpServer storage_;
  TestHttpServer server_;
};

}  // namespace orch::testing
