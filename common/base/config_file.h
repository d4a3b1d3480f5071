#pragma once
// Loading a component's own configuration file (kubelet, kube-proxy ...): reading it, naming
// it in errors, and resolving the relative paths it holds against its directory.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/file_util.h"
#include "common/base/status.h"

namespace orch {

// Makes a relative, non-empty `path` absolute against `base_dir` (the directory of the file
// that named it; empty = leave it as it is). Absolute and unset paths stay unchanged.
inline void resolveConfigPath(std::optional<std::string>& path, const std::string& base_dir) {
  if (path && !path->empty() && !base_dir.empty() && !std::filesystem::path(*path).is_absolute()) {
    *path = (std::filesystem::path(base_dir) / *path).lexically_normal().string();
  }
}

// Reads the file at `path` and returns parse(text, directory of path); any error is prefixed
// with `path`. `parse` is callable as Result<T>(std::string_view, const std::string&).
template <class T, class Parse>
Result<T> loadConfigFile(const std::string& path, Parse parse) {
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  Result<T> f = parse(std::string_view(text), std::filesystem::path(path).parent_path().string());
  if (!f.ok()) return f.status().withContext(path);
  return f;
}

}  // namespace orch
