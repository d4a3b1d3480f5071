#pragma once
// A Docker token server for the real registry's `auth: token:` mode: GET /token?service=..
// &scope=repository:<name>:<actions> answers a JWT (ES256, the signing certificate in the
// x5c header) that the registry verifies against its rootcertbundle. Basic credentials,
// when sent, must match; without them only pull is granted, and only while anonymous
// pulls are allowed.

#include <atomic>
#include <string>

#include "common/pki/x509.h"
#include "test_http_server.h"

namespace orch::testing {

class TokenServer {
 public:
  // `signer`: certificate + key (ECDSA P-256) chaining to the registry's root bundle.
  TokenServer(pki::KeyPair signer, std::string issuer, std::string service);

  std::string realm() const { return server_.url() + "/token"; }
  void setCredentials(std::string user, std::string password);
  void setAllowAnonymous(bool allow) { anonymous_ = allow; }
  int requests() const { return requests_; }

 private:
  TestResponse handle(const TestRequest& req);
  std::string sign(const std::string& subject, const std::string& scope_type,
                   const std::string& name, const std::vector<std::string>& actions) const;

  pki::KeyPair signer_;
  std::string issuer_, service_;
  std::string user_ = "orch", password_ = "secret";
  std::atomic<bool> anonymous_{true};
  std::atomic<int> requests_{0};
  TestHttpServer server_;
};

}  // namespace orch::testing
