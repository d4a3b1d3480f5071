#pragma once
// Loading a RestConfig from a kubeconfig file (clusters, users, contexts, current-context)
// or from the in-cluster service-account environment, as client-go's clientcmd and
// rest.InClusterConfig do.
//
// Errors: EINVAL with a context naming the file and the missing or bad field
// ("kubeconfig /etc/orch/admin.kubeconfig: context \"ci\": cluster \"prod\" not found"),
// ENOENT when a file named by the kubeconfig (or the kubeconfig itself) does not exist.

#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/client/rest_config.h"

namespace orch::client {

struct KubeconfigOptions {
  // Use this context instead of current-context (kubectl --context).
  std::string context;
  // Override the namespace of the context when non-empty.
  std::string namespace_;
};

// Reads and resolves `path`. Relative file paths inside (certificate-authority,
// client-certificate, client-key, tokenFile) are resolved against the file's directory.
Result<RestConfig> loadKubeconfig(const std::string& path, const KubeconfigOptions& opts = {});

// The same from YAML text; relative paths are resolved against `base_dir`.
// `origin` names the source in error messages.
Result<RestConfig> parseKubeconfig(std::string_view yaml_text, const std::string& base_dir,
                                   const KubeconfigOptions& opts = {},
                                   const std::string& origin = "kubeconfig");

// The in-cluster configuration: server from KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT,
// credentials from <root>/var/run/secrets/kubernetes.io/serviceaccount/{token,ca.crt,namespace}.
// `root` is "/" in production; tests point it at a temporary directory.
Result<RestConfig> inClusterConfig(const std::string& root = "/");

// Decodes base64 (the *-data fields); whitespace is ignored. EINVAL on bad input.
Result<std::string> base64Decode(std::string_view text);

}  // namespace orch::client
