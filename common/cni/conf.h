#pragma once
// Network configuration files: a .conflist (name, cniVersion / cniVersions, plugins[]) or a
// single-plugin .conf / .json, which is wrapped as a one-plugin list (as libcni does).
// Pure parsing plus directory loading; errors name the file and the field.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"

namespace orch::cni {

struct PluginConf {
  std::string type;
  std::map<std::string, bool> capabilities;  // "capabilities": {"portMappings": true}
  nlohmann::json raw;                        // the plugin's object as written
};

struct NetworkConfigList {
  std::string name;
  std::string cni_version;                // after "cniVersions" negotiation
  std::vector<std::string> cni_versions;  // as written (may be empty)
  bool disable_check = false;
  bool disable_gc = false;
  std::vector<PluginConf> plugins;
  std::string source;  // file it came from (empty when parsed from bytes)
};

// Parses a conflist. "cniVersions" (spec 1.1) wins over "cniVersion" when it names a
// version orch supports. EINVAL with the field named on bad input.
Result<NetworkConfigList> parseConfList(std::string_view bytes);
// Parses a single plugin config and wraps it in a list.
Result<NetworkConfigList> parseConf(std::string_view bytes);
// Loads one file by extension (.conflist vs .conf/.json).
Result<NetworkConfigList> loadConfFile(const std::string& path);
// The .conf, .conflist and .json files in `dir`, sorted lexically (full paths).
Result<std::vector<std::string>> confFiles(const std::string& dir);
// The first file of confFiles() that loads; ENOENT listing each rejected file when none does.
Result<NetworkConfigList> loadFirstNetwork(const std::string& dir);

}  // namespace orch::cni
