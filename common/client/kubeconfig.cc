#include "common/client/kubeconfig.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/base/base64.h"
#include "common/base/file_util.h"

namespace orch::client {
namespace {

namespace fs = std::filesystem;

Result<std::string> readFile(const std::string& path, const std::string& what) {
  auto r = orch::readFile(path);
  if (!r.ok()) return r.status().withContext(what);
  return r;
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || base_dir.empty()) return p;
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// Finds the entry named `name` in a kubeconfig list ("clusters", "users", "contexts") and
// returns its inner map (entry[inner]).
Result<YAML::Node> findNamed(const YAML::Node& root, const char* list, const char* inner,
                             const std::string& name, const std::string& where) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const auto& e : entries) {
      if (!e.IsMap() || !e["name"] || e["name"].as<std::string>() != name) continue;
      const YAML::Node body = e[inner];
      if (!body || !body.IsMap()) {
        return Status::invalid(where + ": " + list + " entry \"" + name + "\" has no " + inner);
      }
      return body;
    }
  }
  return Status::invalid(where + ": " + std::string(inner) + " \"" + name + "\" not found");
}

std::string str(const YAML::Node& m, const char* key) {
  const YAML::Node v = m[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

// Either the inline base64 `<key>-data` or the file `<key>`; data wins as in client-go.
Result<std::string> dataOrFile(const YAML::Node& m, const std::string& key,
                               const std::string& base_dir, const std::string& where) {
  std::string data = str(m, (key + "-data").c_str());
  if (!data.empty()) {
    auto decoded = base64Decode(data);
    if (!decoded.ok()) return decoded.status().withContext(where + ": " + key + "-data");
    return decoded;
  }
  std::string file = str(m, key.c_str());
  if (file.empty()) return std::string();
  return readFile(resolve(base_dir, file), where + ": " + key);
}

Result<RestConfig> build(const YAML::Node& root, const std::string& base_dir,
                         const KubeconfigOptions& opts, const std::string& origin) {
  if (!root || !root.IsMap()) return Status::invalid(origin + ": not a YAML mapping");
  std::string ctx_name = opts.context.empty() ? str(root, "current-context") : opts.context;
  if (ctx_name.empty()) {
    return Status::invalid(origin + ": no current-context and no context given");
  }
  const std::string ctx_where = origin + ": context \"" + ctx_name + "\"";
  ORCH_ASSIGN_OR_RETURN(YAML::Node ctx, findNamed(root, "contexts", "context", ctx_name, origin));
  std::string cluster_name = str(ctx, "cluster");
  if (cluster_name.empty()) return Status::invalid(ctx_where + ": cluster is missing");
  ORCH_ASSIGN_OR_RETURN(YAML::Node cluster,
                        findNamed(root, "clusters", "cluster", cluster_name, ctx_where));
  const std::string cl_where = origin + ": cluster \"" + cluster_name + "\"";

  RestConfig cfg;
  cfg.server = str(cluster, "server");
  if (cfg.server.empty()) return Status::invalid(cl_where + ": server is missing");
  if (cfg.server.rfind("https://", 0) != 0 && cfg.server.rfind("http://", 0) != 0) {
    return Status::invalid(cl_where + ": server \"" + cfg.server +
                           "\" is not an http:// or https:// URL");
  }
  ORCH_ASSIGN_OR_RETURN(cfg.caData,
                        dataOrFile(cluster, "certificate-authority", base_dir, cl_where));
  if (cluster["insecure-skip-tls-verify"]) {
    try {
      cfg.insecureSkipTlsVerify = cluster["insecure-skip-tls-verify"].as<bool>();
    } catch (const YAML::Exception&) {
      return Status::invalid(cl_where + ": insecure-skip-tls-verify: expected a boolean");
    }
  }
  cfg.tlsServerName = str(cluster, "tls-server-name");
  if (!cfg.caData.empty() && cfg.insecureSkipTlsVerify) {
    return Status::invalid(cl_where +
                           ": certificate-authority and insecure-skip-tls-verify are exclusive");
  }

  std::string user_name = str(ctx, "user");
  if (!user_name.empty()) {
    ORCH_ASSIGN_OR_RETURN(YAML::Node user, findNamed(root, "users", "user", user_name, ctx_where));
    const std::string u_where = origin + ": user \"" + user_name + "\"";
    ORCH_ASSIGN_OR_RETURN(cfg.clientCertData,
                          dataOrFile(user, "client-certificate", base_dir, u_where));
    ORCH_ASSIGN_OR_RETURN(cfg.clientKeyData, dataOrFile(user, "client-key", base_dir, u_where));
    if (cfg.clientCertData.empty() != cfg.clientKeyData.empty()) {
      return Status::invalid(u_where + (cfg.clientCertData.empty()
                                            ? ": client-key without client-certificate"
                                            : ": client-certificate without client-key"));
    }
    cfg.token = str(user, "token");
    cfg.tokenFile = resolve(base_dir, str(user, "tokenFile"));
    if (cfg.token.empty() && !cfg.tokenFile.empty()) {
      ORCH_ASSIGN_OR_RETURN(cfg.token, readFile(cfg.tokenFile, u_where + ": tokenFile"));
      while (!cfg.token.empty() && (cfg.token.back() == '\n' || cfg.token.back() == '\r')) {
        cfg.token.pop_back();
      }
    }
    cfg.username = str(user, "username");
    cfg.password = str(user, "password");
  }
  std::string ns = opts.namespace_.empty() ? str(ctx, "namespace") : opts.namespace_;
  if (!ns.empty()) cfg.namespace_ = ns;
  return cfg;
}

}  // namespace

Result<std::string> base64Decode(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean.push_back(c);
  }
  return ::orch::base64Decode(clean);
}

Result<RestConfig> parseKubeconfig(std::string_view yaml_text, const std::string& base_dir,
                                   const KubeconfigOptions& opts, const std::string& origin) {
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    return build(root, base_dir, opts, origin);
  } catch (const YAML::Exception& e) {
    return Status::invalid(origin + ": " + e.what());
  }
}

Result<RestConfig> loadKubeconfig(const std::string& path, const KubeconfigOptions& opts) {
  const std::string origin = "kubeconfig " + path;
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path, "kubeconfig"));
  std::string dir = fs::path(path).parent_path().string();
  return parseKubeconfig(text, dir, opts, origin);
}

Result<RestConfig> inClusterConfig(const std::string& root) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (host == nullptr || *host == '\0' || port == nullptr || *port == '\0') {
    return Status::notFound(
        "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
  }
  const fs::path dir = fs::path(root) / "var/run/secrets/kubernetes.io/serviceaccount";
  RestConfig cfg;
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6 literal
  cfg.server = "https://" + h + ":" + port;
  cfg.tokenFile = (dir / "token").string();
  ORCH_ASSIGN_OR_RETURN(cfg.token, readFile(cfg.tokenFile, "in-cluster config: token"));
  while (!cfg.token.empty() && (cfg.token.back() == '\n' || cfg.token.back() == '\r')) {
    cfg.token.pop_back();
  }
  if (cfg.token.empty())
    return Status::invalid("in-cluster config: " + cfg.tokenFile + " is empty");
  ORCH_ASSIGN_OR_RETURN(cfg.caData,
                        readFile((dir / "ca.crt").string(), "in-cluster config: ca.crt"));
  auto ns = readFile((dir / "namespace").string(), "in-cluster config: namespace");
  if (ns.ok()) {
    std::string n = *ns;
    while (!n.empty() && (n.back() == '\n' || n.back() == ' ')) n.pop_back();
    if (!n.empty()) cfg.namespace_ = n;
  }
  return cfg;
}

}  // namespace orch::client
