#pragma once
// `orch-apiserver init`: a fresh PKI and an admin kubeconfig in one directory, made with
// common/pki:
//   ca.crt ca.key                the cluster CA
//   apiserver.crt apiserver.key  serving certificate; SANs 127.0.0.1, ::1, localhost and
//                                every extra host (IP literals as IP SANs, names as DNS SANs)
//   admin.crt admin.key          client certificate CN=admin, O=system:masters
//   admin.kubeconfig             one cluster (server URL + CA data), one user (client
//                                certificate + key data), one context, current-context
// Keys and the kubeconfig are written 0600, certificates 0644.

#include <string>
#include <vector>

#include "common/base/file_util.h"  // readFile / writeFile, used with these paths
#include "common/base/status.h"

namespace orch::apiserver {

struct PkiInitOptions {
  std::string dir;
  std::vector<std::string> hosts;  // extra SANs
  std::string server_url = "https://127.0.0.1:6443";
  bool force = false;  // overwrite an existing CA
};

// File names inside the PKI directory.
inline constexpr const char* kCaCert = "ca.crt";
inline constexpr const char* kCaKey = "ca.key";
inline constexpr const char* kServingCert = "apiserver.crt";
inline constexpr const char* kServingKey = "apiserver.key";
inline constexpr const char* kAdminCert = "admin.crt";
inline constexpr const char* kAdminKey = "admin.key";
inline constexpr const char* kAdminKubeconfig = "admin.kubeconfig";

// Creates the directory (0755, parents too) and every file above. EEXIST when the directory
// already holds ca.crt or ca.key and !force; nothing is written then.
Status initPki(const PkiInitOptions& opts);

// The kubeconfig YAML text for one cluster/user/context.
std::string renderKubeconfig(const std::string& cluster, const std::string& server_url,
                             const std::string& ca_pem, const std::string& user,
                             const std::string& cert_pem, const std::string& key_pem);

}  // namespace orch::apiserver
