#pragma once
// CRI list filters: label_selector is an exact-match map (every key present with that value).

#include <google/protobuf/map.h>

#include <string>

namespace orch::shim {

inline bool labelsMatch(const google::protobuf::Map<std::string, std::string>& labels,
                        const google::protobuf::Map<std::string, std::string>& selector) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace orch::shim
