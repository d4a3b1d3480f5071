#pragma once
// Content digests as the OCI image spec writes them: "sha256:<64 lowercase hex>". Sha256
// hashes incrementally through OpenSSL's EVP interface.

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch::shim {

class Sha256 {
 public:
  Sha256();
  void update(std::string_view bytes);
  // "sha256:<hex>" of everything fed so far; the hasher is spent afterwards.
  std::string digest();
  uint64_t bytes() const { return bytes_; }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> ctx_;
  uint64_t bytes_ = 0;
};

// "sha256:<hex>" of `bytes`.
std::string sha256Digest(std::string_view bytes);
// "sha256:<hex>" of a file's content (ENOENT etc. with the path).
Result<std::string> sha256File(const std::string& path);

// True for "sha256:" followed by exactly 64 lowercase hex digits (the only algorithm the
// store keeps).
bool isSha256Digest(std::string_view digest);
// EINVAL naming `what` unless isSha256Digest(digest).
Status checkDigest(std::string_view digest, std::string_view what);
// The hex part of a digest ("sha256:ab.." → "ab..").
std::string digestHex(std::string_view digest);
// True for a string of 64 lowercase hex digits.
bool isSha256Hex(std::string_view hex);

}  // namespace orch::shim
