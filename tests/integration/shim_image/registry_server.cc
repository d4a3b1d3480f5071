#include "registry_server.h"

#include "common/base/file_util.h"

namespace orch::testing {

Result<std::unique_ptr<RegistryServer>> RegistryServer::start(const RegistryOptions& opts) {
  std::unique_ptr<RegistryServer> r(new RegistryServer());
  r->port_ = freeTcpPort();
  r->tls_ = opts.tls.has_value();
  const std::string d = r->dir_.path();
  std::string config =
      "version: 0.1\n"
      "log:\n  level: info\n  accesslog:\n    disabled: false\n"
      "storage:\n  filesystem:\n    rootdirectory: " +
      d +
      "/storage\n"
      "  maintenance:\n    uploadpurging:\n      enabled: false\n"
      "http:\n  addr: 127.0.0.1:" +
      std::to_string(r->port_) + "\n  secret: orch-test-secret\n";
  if (opts.tls) {
    ORCH_RETURN_IF_ERROR(writeFile(d + "/tls.crt", opts.tls->cert_pem));
    ORCH_RETURN_IF_ERROR(writeFile(d + "/tls.key", opts.tls->key_pem, 0600));
    config += "  tls:\n    certificate: " + d + "/tls.crt\n    key: " + d + "/tls.key\n";
  }
  if (!opts.token_realm.empty()) {
    ORCH_RETURN_IF_ERROR(writeFile(d + "/token-root.pem", opts.token_root_pem));
    config += "auth:\n  token:\n    realm: " + opts.token_realm +
              "\n    service: " + opts.token_service + "\n    issuer: " + opts.token_issuer +
              "\n    rootcertbundle: " + d + "/token-root.pem\n";
  }
  ORCH_RETURN_IF_ERROR(writeFile(d + "/config.yml", config));
  ORCH_ASSIGN_OR_RETURN(
      Daemon daemon,
      Daemon::start({"/usr/bin/docker-registry", "serve", d + "/config.yml"}, r->logPath()));
  r->daemon_.emplace(std::move(daemon));
  Status up = waitForTcpPort(r->port_, std::chrono::seconds(30));
  if (!up.isOk()) {
    auto log = readFile(r->logPath());
    return up.withContext("docker-registry: " + log.valueOr(""));
  }
  return r;
}

RegistryServer::~RegistryServer() {
  if (daemon_) (void)daemon_->stop(std::chrono::seconds(5));
}

std::string RegistryServer::blobDataPath(const std::string& digest) const {
  std::string hex = digest.substr(digest.find(':') + 1);
  return dir_.path() + "/storage/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex +
         "/data";
}

}  // namespace orch::testing
