// createStrategicMergePatch: the inverse of applyStrategicMergePatch.
#include <algorithm>
#include <exception>
#include <string>

#include "controlplane/apiserver/patch/strategic_merge_patch.h"

namespace orch::apiserver::patch {
namespace {

Status fail(const std::string& path, const std::string& msg) {
  return Status::invalid("strategic merge patch: " + (path.empty() ? "" : path + ": ") + msg);
}

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

Status diffMaps(const Json& o, const Json& m, const SchemaNode* node, const std::string& path,
                Json& patch);

bool contains(const Json& list, const Json& v) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

// The merge key of each item of a merge list, checked.
Status keysOf(const Json& list, const std::string& key, const std::string& path, Json& keys) {
  keys = Json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object() || !list[i].contains(key)) {
      return fail(path + "[" + std::to_string(i) + "]",
                  "map does not contain declared merge key: " + key);
    }
    keys.push_back(list[i][key]);
  }
  return Status::ok();
}

Status diffList(const Json& o, const Json& m, const SchemaNode* node, const std::string& field,
                const std::string& path, Json& patch) {
  const std::string& key = node->merge_key;
  if (key.empty()) {
    Json added = Json::array(), deleted = Json::array();
    for (const Json& v : m) {
      if (!contains(o, v) && !contains(added, v)) added.push_back(v);
    }
    for (const Json& v : o) {
      if (!contains(m, v) && !contains(deleted, v)) deleted.push_back(v);
    }
    if (!added.empty()) patch[field] = std::move(added);
    if (!deleted.empty()) patch["$deleteFromPrimitiveList/" + field] = std::move(deleted);
    patch["$setElementOrder/" + field] = m;
    return Status::ok();
  }
  Json okeys, mkeys;
  ORCH_RETURN_IF_ERROR(keysOf(o, key, path, okeys));
  ORCH_RETURN_IF_ERROR(keysOf(m, key, path, mkeys));
  Json items = Json::array(), order = Json::array();
  for (size_t i = 0; i < m.size(); ++i) {
    order.push_back({{key, mkeys[i]}});
    auto at = std::find(okeys.begin(), okeys.end(), mkeys[i]);
    if (at == okeys.end()) {
      items.push_back(m[i]);
      continue;
    }
    const Json& oi = o[static_cast<size_t>(at - okeys.begin())];
    if (oi == m[i]) continue;
    Json d = Json::object();
    ORCH_RETURN_IF_ERROR(diffMaps(oi, m[i], node, path + "[" + std::to_string(i) + "]", d));
    d[key] = mkeys[i];
    items.push_back(std::move(d));
  }
  for (const Json& k : okeys) {
    if (!contains(mkeys, k)) items.push_back({{key, k}, {"$patch", "delete"}});
  }
  if (!items.empty()) patch[field] = std::move(items);
  patch["$setElementOrder/" + field] = std::move(order);
  return Status::ok();
}

Status diffMaps(const Json& o, const Json& m, const SchemaNode* node, const std::string& path,
                Json& patch) {
  for (const auto& [k, mv] : m.items()) {
    const SchemaNode* sub = node != nullptr ? node->field(k) : nullptr;
    auto it = o.find(k);
    if (it == o.end()) {
      patch[k] = mv;
      continue;
    }
    const Json& ov = *it;
    if (ov == mv) continue;
    if (ov.is_object() && mv.is_object()) {
      Json d = Json::object();
      ORCH_RETURN_IF_ERROR(diffMaps(ov, mv, sub, child(path, k), d));
      if (!d.empty()) patch[k] = std::move(d);
    } else if (ov.is_array() && mv.is_array() && sub != nullptr && sub->smp_merge) {
      ORCH_RETURN_IF_ERROR(diffList(ov, mv, sub, k, child(path, k), patch));
    } else {
      patch[k] = mv;
    }
  }
  for (const auto& [k, ov] : o.items()) {
    if (!m.contains(k)) patch[k] = nullptr;
  }
  if (node != nullptr && node->retain_keys && !patch.empty()) {
    Json keep = Json::array();
    for (const auto& [k, mv] : m.items()) {
      if (!mv.is_null()) keep.push_back(k);
    }
    patch["$retainKeys"] = std::move(keep);
  }
  return Status::ok();
}

}  // namespace

Result<Json> createStrategicMergePatch(const Json& original, const Json& modified,
                                       const PatchSchema& schema) {
  if (!original.is_object() || !modified.is_object()) {
    return Status::invalid(std::string("strategic merge patch: ") +
                           (original.is_object() ? "modified" : "original") +
                           " must be a JSON object, got " +
                           api::jsonTypeName(original.is_object() ? modified : original));
  }
  try {
    Json patch = Json::object();
    ORCH_RETURN_IF_ERROR(diffMaps(original, modified, &schema, "", patch));
    return patch;
  } catch (const std::exception& e) {
    return Status::invalid(std::string("strategic merge patch: ") + e.what());
  }
}

}  // namespace orch::apiserver::patch
