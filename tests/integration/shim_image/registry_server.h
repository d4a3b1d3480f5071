#pragma once
// The real registry (Debian docker-registry, distribution 2.8) on 127.0.0.1 for tests:
// filesystem storage in a temp dir, plain HTTP or HTTPS, and optionally token auth. Stopped
// by its pid and its files removed when the object dies.

#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/pki/x509.h"
#include "support/daemon.h"
#include "support/temp_dir.h"

namespace orch::testing {

struct RegistryOptions {
  std::optional<pki::KeyPair> tls;  // serving certificate (for 127.0.0.1)
  // Token auth: realm URL, service, issuer and the PEM bundle the tokens' certificates
  // must chain to.
  std::string token_realm, token_service, token_issuer, token_root_pem;
};

class RegistryServer {
 public:
  static Result<std::unique_ptr<RegistryServer>> start(const RegistryOptions& opts);
  ~RegistryServer();

  std::string hostPort() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string url() const { return (tls_ ? "https://" : "http://") + hostPort(); }
  // The file holding blob `digest` in the registry's storage.
  std::string blobDataPath(const std::string& digest) const;
  std::string logPath() const { return dir_.path() + "/registry.log"; }

 private:
  RegistryServer() = default;
  TempDir dir_;
  int port_ = 0;
  bool tls_ = false;
  std::optional<Daemon> daemon_;
};

}  // namespace orch::testing
