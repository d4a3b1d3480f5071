#pragma once
// Where and how to reach an API server: what client-go calls rest.Config. Filled by
// kubeconfig loading (kubeconfig.h) or by in-cluster discovery, consumed by HttpClient.
// Every credential is held in memory as PEM / token text; files named in a kubeconfig are
// read once at load time.

#include <chrono>
#include <string>

namespace orch::client {

struct RestConfig {
  // "https://host:port" or "http://host:port", optionally followed by a path prefix.
  std::string server;
  // PEM bundle of the CAs that sign the server's certificate. Empty: the system's default
  // trust store.
  std::string caData;
  // Skips verification of the server's certificate (and CA). For tests and bootstrap only.
  bool insecureSkipTlsVerify = false;
  // Name checked against the server certificate instead of the host of `server`.
  std::string tlsServerName;
  // Client certificate (chain) and its private key, PEM. Both or neither.
  std::string clientCertData;
  std::string clientKeyData;
  // Bearer token (from `token`, or read from `tokenFile`).
  std::string token;
  std::string tokenFile;
  // HTTP basic credentials (kubeconfig username/password); used only when there is no token.
  std::string username;
  std::string password;
  // The namespace of the selected context (in-cluster: the pod's namespace); "default" when
  // none is named.
  std::string namespace_ = "default";
  std::chrono::milliseconds connectTimeout{10000};
  std::chrono::milliseconds requestTimeout{30000};
  std::string userAgent = "orch";
};

}  // namespace orch::client
