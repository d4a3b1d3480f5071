#include "controlplane/apiserver/patch/merge_patch.h"

#include <string>

namespace orch::apiserver::patch {

Json mergePatchValue(const Json& target, const Json& patch) {
  if (!patch.is_object()) return patch;
  Json result = target.is_object() ? target : Json::object();
  for (const auto& [key, value] : patch.items()) {
    if (value.is_null()) {
      result.erase(key);
      continue;
    }
    auto it = result.find(key);
    result[key] = mergePatchValue(it == result.end() ? Json() : *it, value);
  }
  return result;
}

Result<Json> applyMergePatch(const Json& doc, const Json& patch) {
  if (!doc.is_object()) {
    return Status::invalid(std::string("merge patch: the object must be a JSON object, got ") +
                           api::jsonTypeName(doc));
  }
  if (!patch.is_object()) {
    return Status::invalid(std::string("merge patch: the patch must be a JSON object, got ") +
                           api::jsonTypeName(patch));
  }
  return mergePatchValue(doc, patch);
}

}  // namespace orch::apiserver::patch
