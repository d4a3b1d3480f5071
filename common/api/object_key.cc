#include "common/api/object_key.h"

namespace orch::api {

std::string objectKey(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string k;
  k.reserve(ns.size() + 1 + name.size());
  k.append(ns).append("/").append(name);
  return k;
}

std::string objectKey(const ObjectMeta& m) {
  return objectKey(m.namespace_, m.name);
}

Result<std::pair<std::string, std::string>> splitObjectKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) {
    if (key.empty()) return Status::invalid("empty object key");
    return std::pair<std::string, std::string>{"", std::string(key)};
  }
  std::string_view ns = key.substr(0, slash), name = key.substr(slash + 1);
  if (ns.empty() || name.empty() || name.find('/') != std::string_view::npos) {
    return Status::invalid("unexpected object key format: \"" + std::string(key) + "\"");
  }
  return std::pair<std::string, std::string>{std::string(ns), std::string(name)};
}

}  // namespace orch::api
