#pragma once
// orch-apiserver's serving flags (upstream names) and their resolution into a ServerConfig:
// --pki-dir supplies defaults for the TLS files, individual flags override them.

#include <CLI/CLI.hpp>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/server.h"

namespace orch::apiserver {

struct ServeFlags {
  int secure_port = 6443;
  std::string bind_address = "0.0.0.0";
  std::string pki_dir;
  std::string tls_cert_file;
  std::string tls_private_key_file;
  std::string client_ca_file;
  std::string token_auth_file;
};

// Declares the flags above on `app`.
void addServeFlags(CLI::App& app, ServeFlags& flags);

// Reads the files the flags name. EINVAL when no serving certificate/key is given (neither
// by --pki-dir nor by --tls-cert-file/--tls-private-key-file) or when neither client
// certificates nor tokens are configured (nobody could authenticate); file errors name the
// flag and the path.
Result<ServerConfig> resolveServeFlags(const ServeFlags& flags);

}  // namespace orch::apiserver
