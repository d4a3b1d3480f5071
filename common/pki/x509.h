#pragma once
// Certificates and keys for orch's PKI, on OpenSSL: a CA, serving certificates with
// subject alternative names, client certificates (CN = user, O = groups, as the
// apiserver reads them). Keys are ECDSA P-256. Everything is PEM text in memory;
// callers decide where it is written.

#include <chrono>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::pki {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct CertRequest {
  std::string common_name;
  std::vector<std::string> organizations;  // O= entries (groups for client certs)
  // DNS names and IP addresses ("127.0.0.1", "::1") for a serving certificate.
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool server = false;  // extendedKeyUsage serverAuth
  bool client = false;  // extendedKeyUsage clientAuth
  std::chrono::hours validity = std::chrono::hours(24 * 365);
};

// A self-signed CA certificate and its key.
Result<KeyPair> createCa(const std::string& common_name,
                         std::chrono::hours validity = std::chrono::hours(24 * 365 * 10));
// A certificate for `req` signed by `ca`. IP SANs that do not parse are EINVAL.
Result<KeyPair> issue(const KeyPair& ca, const CertRequest& req);
// A self-signed serving certificate (for a daemon without a CA, e.g. the agent's :10250).
Result<KeyPair> selfSigned(const CertRequest& req);

}  // namespace orch::pki
