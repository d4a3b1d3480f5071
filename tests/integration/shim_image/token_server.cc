#include "token_server.h"

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/base/base64.h"

namespace orch::testing {

using nlohmann::json;

namespace {

std::string base64Url(const std::string& bytes) {
  std::string s = base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (auto& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string certDer(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (x == nullptr) throw std::runtime_error("token server: bad certificate");
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

// ES256: the JWS signature is r || s, 32 bytes each (not OpenSSL's DER).
std::string es256(const std::string& key_pem, const std::string& input) {
  BIO* b = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  if (key == nullptr) throw std::runtime_error("token server: bad key");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string der(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(der.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  der.resize(len);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string out(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
    if (p == std::string::npos) return out;
    start = p + 1;
  }
}

}  // namespace

TokenServer::TokenServer(pki::KeyPair signer, std::string issuer, std::string service)
    : signer_(std::move(signer)),
      issuer_(std::move(issuer)),
      service_(std::move(service)),
      server_([this](const TestRequest& r) { return handle(r); }) {}

void TokenServer::setCredentials(std::string user, std::string password) {
  user_ = std::move(user);
  password_ = std::move(password);
}

std::string TokenServer::sign(const std::string& subject, const std::string& scope_type,
                              const std::string& name,
                              const std::vector<std::string>& actions) const {
  json header = {
      {"typ", "JWT"}, {"alg", "ES256"}, {"x5c", {base64Encode(certDer(signer_.cert_pem))}}};
  unsigned char rnd[12];
  RAND_bytes(rnd, sizeof(rnd));
  const long now = static_cast<long>(std::time(nullptr));
  json claims = {{"iss", issuer_},
                 {"sub", subject},
                 {"aud", service_},
                 {"exp", now + 600},
                 {"nbf", now - 60},
                 {"iat", now},
                 {"jti", base64Url(std::string(reinterpret_cast<char*>(rnd), sizeof(rnd)))},
                 {"access", json::array()}};
  if (!name.empty()) {
    claims["access"].push_back({{"type", scope_type}, {"name", name}, {"actions", actions}});
  }
  std::string input = base64Url(header.dump()) + "." + base64Url(claims.dump());
  return input + "." + base64Url(es256(signer_.key_pem, input));
}

TestResponse TokenServer::handle(const TestRequest& req) {
  ++requests_;
  auto deny = [](const std::string& why) {
    return TestResponse{.status = 401,
                        .headers = {{"Content-Type", "application/json"}},
                        .body = json{{"details", why}}.dump()};
  };
  if (req.path() != "/token") return {.status = 404, .headers = {}, .body = "not found"};
  if (req.query("service") != service_) return deny("unknown service");
  std::string subject;
  const std::string auth = req.header("authorization");
  if (!auth.empty()) {
    if (auth != "Basic " + base64Encode(user_ + ":" + password_)) return deny("bad credentials");
    subject = user_;
  } else if (!anonymous_) {
    return deny("credentials required");
  }
  // scope = repository:<name>:<action,action>
  std::string scope = req.query("scope");
  std::string type, name;
  std::vector<std::string> granted;
  if (!scope.empty()) {
    size_t first = scope.find(':');
    size_t last = scope.rfind(':');
    if (first == std::string::npos || first == last) return deny("bad scope");
    type = scope.substr(0, first);
    name = scope.substr(first + 1, last - first - 1);
    for (const auto& a : split(scope.substr(last + 1), ',')) {
      if (a == "pull" || !subject.empty()) granted.push_back(a);
    }
  }
  std::string token = sign(subject, type, name, granted);
  json body = {{"token", token}, {"access_token", token}, {"expires_in", 600}};
  return {.status = 200, .headers = {{"Content-Type", "application/json"}}, .body = body.dump()};
}

}  // namespace orch::testing
