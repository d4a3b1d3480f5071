#include "agent/sync/pull_secrets.h"

#include <nlohmann/json.hpp>

namespace orch::agent {

namespace {

std::string hostOfKey(std::string key) {
  if (auto p = key.find("://"); p != std::string::npos) key = key.substr(p + 3);
  return key.substr(0, key.find('/'));
}

bool sameRegistry(const std::string& a, const std::string& b) {
  auto canon = [](const std::string& h) {
    return h == "index.docker.io" || h == "registry-1.docker.io" ? std::string("docker.io") : h;
  };
  return canon(a) == canon(b);
}

}  // namespace

std::string registryHostOf(const std::string& image) {
  auto slash = image.find('/');
  if (slash == std::string::npos) return "docker.io";
  std::string first = image.substr(0, slash);
  if (first.find('.') != std::string::npos || first.find(':') != std::string::npos ||
      first == "localhost")
    return first;
  return "docker.io";
}

std::vector<runtime::v1::AuthConfig> credentialsFor(const std::string& image,
                                                    const std::vector<api::Secret>& secrets) {
  std::vector<runtime::v1::AuthConfig> out;
  const std::string host = registryHostOf(image);
  for (const auto& s : secrets) {
    nlohmann::json auths;
    if (auto it = s.data.find(".dockerconfigjson"); it != s.data.end()) {
      auto j = nlohmann::json::parse(it->second, nullptr, false);
      if (j.is_object() && j.contains("auths")) auths = j["auths"];
    } else if (auto it2 = s.data.find(".dockercfg"); it2 != s.data.end()) {
      auths = nlohmann::json::parse(it2->second, nullptr, false);
    }
    if (!auths.is_object()) continue;
    for (const auto& [key, entry] : auths.items()) {
      if (!entry.is_object() || !sameRegistry(hostOfKey(key), host)) continue;
      runtime::v1::AuthConfig a;
      a.set_username(entry.value("username", ""));
      a.set_password(entry.value("password", ""));
      a.set_auth(entry.value("auth", ""));
      a.set_identity_token(entry.value("identitytoken", ""));
      a.set_registry_token(entry.value("registrytoken", ""));
      a.set_server_address(host);
      out.push_back(std::move(a));
    }
  }
  return out;
}

}  // namespace orch::agent
