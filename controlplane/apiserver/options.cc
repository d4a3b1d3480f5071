#include "controlplane/apiserver/options.h"

#include "controlplane/apiserver/pki_init.h"

namespace orch::apiserver {

void addServeFlags(CLI::App& app, ServeFlags& f) {
  app.add_option("--secure-port", f.secure_port, "port to serve HTTPS on (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--bind-address", f.bind_address, "IP address to listen on");
  app.add_option("--pki-dir", f.pki_dir,
                 "directory made by `orch-apiserver init`: default for the TLS files below");
  app.add_option("--tls-cert-file", f.tls_cert_file, "serving certificate (PEM)");
  app.add_option("--tls-private-key-file", f.tls_private_key_file, "serving key (PEM)");
  app.add_option("--client-ca-file", f.client_ca_file,
                 "CA bundle that signs client certificates (user = CN, groups = O)");
  app.add_option("--token-auth-file", f.token_auth_file,
                 "static bearer tokens, CSV lines: token,user,uid,\"group1,group2\"");
}

namespace {
Result<std::string> readFlagFile(const char* flag, const std::string& path) {
  auto text = readFile(path);
  if (!text.ok()) return text.status().withContext(flag);
  return text;
}
}  // namespace

Result<ServerConfig> resolveServeFlags(const ServeFlags& f) {
  auto pick = [&](const std::string& flag_value, const char* pki_name) {
    if (!flag_value.empty() || f.pki_dir.empty()) return flag_value;
    return f.pki_dir + "/" + pki_name;
  };
  std::string cert = pick(f.tls_cert_file, kServingCert);
  std::string key = pick(f.tls_private_key_file, kServingKey);
  std::string ca = pick(f.client_ca_file, kCaCert);
  if (cert.empty() || key.empty()) {
    return Status::invalid(
        "--tls-cert-file and --tls-private-key-file (or --pki-dir) are required");
  }
  if (ca.empty() && f.token_auth_file.empty()) {
    return Status::invalid(
        "no authentication configured: give --client-ca-file, --token-auth-file or --pki-dir");
  }
  ServerConfig cfg;
  cfg.port = f.secure_port;
  cfg.bind_address = f.bind_address;
  ORCH_ASSIGN_OR_RETURN(cfg.cert_pem, readFlagFile("--tls-cert-file", cert));
  ORCH_ASSIGN_OR_RETURN(cfg.key_pem, readFlagFile("--tls-private-key-file", key));
  if (!ca.empty()) {
    ORCH_ASSIGN_OR_RETURN(cfg.client_ca_pem, readFlagFile("--client-ca-file", ca));
  }
  if (!f.token_auth_file.empty()) {
    auto tokens = TokenAuthenticator::load(f.token_auth_file);
    if (!tokens.ok()) return tokens.status().withContext("--token-auth-file");
    cfg.tokens = std::make_shared<const TokenAuthenticator>(std::move(tokens).value());
  }
  return cfg;
}

}  // namespace orch::apiserver
