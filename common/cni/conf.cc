#include "common/cni/conf.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/cni/version.h"

namespace orch::cni {
namespace {

using nlohmann::json;

Result<json> parseJson(std::string_view bytes) {
  try {
    return json::parse(bytes);
  } catch (const json::exception& e) {
    return Status::invalid(std::string("invalid JSON: ") + e.what());
  }
}

Result<PluginConf> parsePlugin(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::invalid(where + " must be an object");
  PluginConf p;
  auto t = j.find("type");
  if (t == j.end() || !t->is_string() || t->get<std::string>().empty()) {
    return Status::invalid(where + ".type is missing");
  }
  p.type = t->get<std::string>();
  if (p.type.find('/') != std::string::npos) {
    return Status::invalid(where + ".type \"" + p.type + "\" must be a plain name");
  }
  if (auto c = j.find("capabilities"); c != j.end() && !c->is_null()) {
    if (!c->is_object()) return Status::invalid(where + ".capabilities must be an object");
    for (const auto& [k, v] : c->items()) {
      if (!v.is_boolean()) {
        return Status::invalid(where + ".capabilities." + k + " must be a boolean");
      }
      p.capabilities[k] = v.get<bool>();
    }
  }
  p.raw = j;
  return p;
}

Result<bool> optBool(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) return Status::invalid(std::string(key) + " must be a boolean");
  return it->get<bool>();
}

Result<std::string> pickVersion(const json& j, std::vector<std::string>* versions) {
  std::string version;
  if (auto it = j.find("cniVersion"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return Status::invalid("cniVersion must be a string");
    version = it->get<std::string>();
  }
  if (auto it = j.find("cniVersions"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::invalid("cniVersions must be an array of strings");
    for (const auto& v : *it) {
      if (!v.is_string() || !isValidVersion(v.get<std::string>())) {
        return Status::invalid("cniVersions must be an array of versions");
      }
      versions->push_back(v.get<std::string>());
    }
    if (auto best = negotiateVersion(*versions, supportedVersions())) version = *best;
  }
  if (version.empty()) return Status::invalid("cniVersion is missing");
  if (!isSupportedVersion(version)) {
    return Status::error(ENOTSUP, "cniVersion \"" + version + "\" is not supported");
  }
  return version;
}

}  // namespace

Result<NetworkConfigList> parseConfList(std::string_view bytes) {
  ORCH_ASSIGN_OR_RETURN(json j, parseJson(bytes));
  if (!j.is_object()) return Status::invalid("configuration list must be a JSON object");
  NetworkConfigList l;
  auto n = j.find("name");
  if (n == j.end() || !n->is_string() || n->get<std::string>().empty()) {
    return Status::invalid("name is missing");
  }
  l.name = n->get<std::string>();
  ORCH_ASSIGN_OR_RETURN(l.cni_version, pickVersion(j, &l.cni_versions));
  ORCH_ASSIGN_OR_RETURN(l.disable_check, optBool(j, "disableCheck"));
  ORCH_ASSIGN_OR_RETURN(l.disable_gc, optBool(j, "disableGC"));
  auto p = j.find("plugins");
  if (p == j.end() || !p->is_array() || p->empty()) {
    return Status::invalid("plugins is missing or empty");
  }
  for (size_t i = 0; i < p->size(); ++i) {
    ORCH_ASSIGN_OR_RETURN(PluginConf pc,
                          parsePlugin((*p)[i], "plugins[" + std::to_string(i) + "]"));
    l.plugins.push_back(std::move(pc));
  }
  return l;
}

Result<NetworkConfigList> parseConf(std::string_view bytes) {
  ORCH_ASSIGN_OR_RETURN(json j, parseJson(bytes));
  if (!j.is_object()) return Status::invalid("network configuration must be a JSON object");
  NetworkConfigList l;
  auto n = j.find("name");
  if (n == j.end() || !n->is_string() || n->get<std::string>().empty()) {
    return Status::invalid("name is missing");
  }
  l.name = n->get<std::string>();
  ORCH_ASSIGN_OR_RETURN(l.cni_version, pickVersion(j, &l.cni_versions));
  ORCH_ASSIGN_OR_RETURN(PluginConf pc, parsePlugin(j, "config"));
  l.plugins.push_back(std::move(pc));
  return l;
}

Result<NetworkConfigList> loadConfFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::fromErrno("open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  bool is_list = std::filesystem::path(path).extension() == ".conflist";
  auto l = is_list ? parseConfList(ss.str()) : parseConf(ss.str());
  if (!l.ok()) return l.status().withContext(path);
  l->source = path;
  return l;
}

Result<std::vector<std::string>> confFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Status::error(ec.value(), "read directory " + dir);
  for (const auto& e : it) {
    auto ext = e.path().extension();
    if (ext != ".conf" && ext != ".conflist" && ext != ".json") continue;
    if (!e.is_regular_file(ec)) continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<NetworkConfigList> loadFirstNetwork(const std::string& dir) {
  ORCH_ASSIGN_OR_RETURN(auto files, confFiles(dir));
  std::string why;
  for (const auto& f : files) {
    auto l = loadConfFile(f);
    if (l.ok()) return l;
    why += "; " + l.status().message();
  }
  return Status::notFound("no valid network configuration in " + dir + why);
}

}  // namespace orch::cni
