#include "controlplane/apiserver/patch/strategic_merge_patch.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace orch::apiserver::patch {
namespace {

constexpr std::string_view kPatch = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kDeletePrefix = "$deleteFromPrimitiveList/";
constexpr std::string_view kOrderPrefix = "$setElementOrder/";

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}
bool isDirective(std::string_view key) {
  return key == kPatch || key == kRetainKeys || startsWith(key, kDeletePrefix) ||
         startsWith(key, kOrderPrefix);
}

std::string child(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string item(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

Status fail(const std::string& path, const std::string& msg) {
  return Status::invalid("strategic merge patch: " + (path.empty() ? "" : path + ": ") + msg);
}

// The identity of a list item: its merge key's value, or the primitive itself; nullptr when
// an object lacks the key.
const Json* identity(const Json& v, const std::string& key) {
  if (key.empty()) return &v;
  if (!v.is_object()) return nullptr;
  auto it = v.find(key);
  return it == v.end() ? nullptr : &*it;
}

long indexOf(const Json& list, const Json* id, const std::string& key) {
  if (id == nullptr || !list.is_array()) return -1;
  for (size_t i = 0; i < list.size(); ++i) {
    const Json* other = identity(list[i], key);
    if (other != nullptr && *other == *id) return static_cast<long>(i);
  }
  return -1;
}

// Upstream's normalizeElementOrder: the items named by `patch_order` sorted in that order, the
// server-only items in `server_order`, merged so that server items keep their positions.
Json normalizeOrder(const Json& merged, const Json& patch_order, const Json& server_order,
                    const std::string& key) {
  std::vector<Json> patched, server_only;
  for (const Json& m : merged) {
    (indexOf(patch_order, identity(m, key), key) >= 0 ? patched : server_only).push_back(m);
  }
  auto by = [&](const Json& order) {
    return [&order, &key](const Json& a, const Json& b) {
      long ia = indexOf(order, identity(a, key), key);
      long ib = indexOf(order, identity(b, key), key);
      if (ia < 0) return false;
      return ib < 0 || ia < ib;
    };
  };
  std::stable_sort(patched.begin(), patched.end(), by(patch_order));
  std::stable_sort(server_only.begin(), server_only.end(), by(server_order));
  // A present item sorts before a missing one; two missing keep their order.
  auto less = [&](const Json& l, const Json& r) {
    long il = indexOf(server_order, identity(l, key), key);
    long ir = indexOf(server_order, identity(r, key), key);
    if (il >= 0 && ir >= 0) return il < ir;
    if (il >= 0) return true;
    if (ir >= 0) return false;
    return true;
  };
  Json out = Json::array();
  size_t i = 0, j = 0;
  while (i < server_only.size() && j < patched.size()) {
    if (less(server_only[i], patched[j])) {
      out.push_back(std::move(server_only[i++]));
    } else {
      out.push_back(std::move(patched[j++]));
    }
  }
  while (i < server_only.size()) out.push_back(std::move(server_only[i++]));
  while (j < patched.size()) out.push_back(std::move(patched[j++]));
  return out;
}

Status mergeMap(Json& original, const Json& patch, const SchemaNode* node, const std::string& path);
Status mergeList(Json& original, const Json& patch, const Json* order, const SchemaNode* node,
                 const std::string& path);

// The value a patch value gives a key the original lacks (directives applied, nulls dropped),
// or nullopt for {"$patch": "delete"}.
Result<std::optional<Json>> fresh(const Json& pv, const SchemaNode* node, const Json* order,
                                  const std::string& path) {
  if (pv.is_object()) {
    auto d = pv.find(kPatch);
    if (d != pv.end() && *d == "delete") return std::optional<Json>();
    Json out = Json::object();
    ORCH_RETURN_IF_ERROR(mergeMap(out, pv, node, path));
    return std::optional<Json>(std::move(out));
  }
  if (pv.is_array() && node != nullptr && node->smp_merge) {
    Json out = Json::array();
    ORCH_RETURN_IF_ERROR(mergeList(out, pv, order, node, path));
    return std::optional<Json>(std::move(out));
  }
  return std::optional<Json>(pv);
}

Status mergePrimitiveList(Json& original, const Json& patch, const Json* order,
                          const std::string& path) {
  bool replace = false;
  Json items = Json::array();
  for (size_t i = 0; i < patch.size(); ++i) {
    const Json& e = patch[i];
    if (e.is_object()) {
      auto d = e.find(kPatch);
      if (d != e.end() && *d == "replace") {
        replace = true;
        continue;
      }
      return fail(item(path, i),
                  "a list of primitives cannot hold an object other than "
                  "{\"$patch\": \"replace\"}");
    }
    items.push_back(e);
  }
  Json merged = Json::array();
  auto append = [&](const Json& v) {
    if (std::find(merged.begin(), merged.end(), v) == merged.end()) merged.push_back(v);
  };
  if (!replace) {
    for (const Json& v : original) append(v);
  }
  for (const Json& v : items) append(v);
  if (replace) {
    original = std::move(merged);
    return Status::ok();
  }
  original = normalizeOrder(merged, order != nullptr ? *order : items, original, "");
  return Status::ok();
}

Status mergeList(Json& original, const Json& patch, const Json* order, const SchemaNode* node,
                 const std::string& path) {
  const std::string& key = node->merge_key;
  if (key.empty()) return mergePrimitiveList(original, patch, order, path);

  bool replace = false;
  std::vector<std::pair<size_t, Json>> items;  // (patch index, item without directive)
  for (size_t i = 0; i < patch.size(); ++i) {
    const Json& e = patch[i];
    if (!e.is_object()) {
      return fail(item(path, i),
                  std::string("list item must be an object, got ") + api::jsonTypeName(e));
    }
    auto d = e.find(kPatch);
    if (d == e.end()) {
      if (!e.contains(key)) {
        return fail(item(path, i), "map does not contain declared merge key: " + key);
      }
      items.emplace_back(i, e);
      continue;
    }
    if (!d->is_string()) return fail(item(path, i), "$patch must be a string");
    const auto& directive = d->get_ref<const std::string&>();
    if (directive == "delete") {
      auto k = e.find(key);
      if (k == e.end()) {
        return fail(item(path, i), "map does not contain declared merge key: " + key);
      }
      Json kept = Json::array();
      for (const Json& o : original) {
        const Json* id = identity(o, key);
        if (id == nullptr || *id != *k) kept.push_back(o);
      }
      original = std::move(kept);
    } else if (directive == "replace") {
      replace = true;
    } else if (directive == "merge") {
      if (!e.contains(key)) {
        return fail(item(path, i), "map does not contain declared merge key: " + key);
      }
      Json copy = e;
      copy.erase(kPatch);
      items.emplace_back(i, std::move(copy));
    } else {
      return fail(item(path, i), "unknown patch type: \"" + directive + "\"");
    }
  }

  if (replace) {
    Json out = Json::array();
    for (const auto& [i, e] : items) {
      ORCH_ASSIGN_OR_RETURN(auto v, fresh(e, node, nullptr, item(path, i)));
      if (v) out.push_back(std::move(*v));
    }
    original = std::move(out);
    return Status::ok();
  }

  const Json server_order = original;
  Json patch_order = Json::array();
  for (const auto& [i, e] : items) {
    patch_order.push_back(e);
    Json* target = nullptr;
    for (Json& o : original) {
      const Json* id = identity(o, key);
      if (id != nullptr && *id == e[key]) {
        target = &o;
        break;
      }
    }
    if (target != nullptr && target->is_object()) {
      ORCH_RETURN_IF_ERROR(mergeMap(*target, e, node, item(path, i)));
      continue;
    }
    ORCH_ASSIGN_OR_RETURN(auto v, fresh(e, node, nullptr, item(path, i)));
    if (target != nullptr) {
      *target = std::move(*v);
    } else {
      original.push_back(std::move(*v));
    }
  }
  original = normalizeOrder(original, order != nullptr ? *order : patch_order, server_order, key);
  return Status::ok();
}

Status mergeMap(Json& original, const Json& patch, const SchemaNode* node,
                const std::string& path) {
  if (auto d = patch.find(kPatch); d != patch.end()) {
    if (!d->is_string()) return fail(path, "$patch must be a string");
    const auto& directive = d->get_ref<const std::string&>();
    if (directive == "delete") {
      original = Json::object();
      return Status::ok();
    }
    if (directive == "replace") {
      original = Json::object();
    } else if (directive != "merge") {
      return fail(path, "unknown patch type: \"" + directive + "\"");
    }
  }

  // Directives that carry lists: check their shape before touching anything.
  for (const auto& [k, v] : patch.items()) {
    bool del = startsWith(k, kDeletePrefix), ord = startsWith(k, kOrderPrefix);
    if (!del && !ord) continue;
    if (k.size() == (del ? kDeletePrefix.size() : kOrderPrefix.size())) {
      return fail(path, "directive " + k + " names no field");
    }
    if (!v.is_array()) {
      return fail(path, k + " must be a list, got " + api::jsonTypeName(v));
    }
    const std::string field = k.substr(del ? kDeletePrefix.size() : kOrderPrefix.size());
    const SchemaNode* sub = node != nullptr ? node->field(field) : nullptr;
    if (ord && sub != nullptr && !sub->merge_key.empty()) {
      for (size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_object() || !v[i].contains(sub->merge_key)) {
          return fail(child(path, field),
                      "$setElementOrder item " + std::to_string(i) +
                          " does not contain declared merge key: " + sub->merge_key);
        }
      }
    }
  }

  if (auto r = patch.find(kRetainKeys); r != patch.end()) {
    if (!r->is_array()) return fail(path, "$retainKeys must be a list of field names");
    std::set<std::string, std::less<>> keep;
    for (const Json& k : *r) {
      if (!k.is_string()) return fail(path, "$retainKeys must be a list of field names");
      keep.insert(k.get<std::string>());
    }
    for (const auto& [k, v] : patch.items()) {
      if (v.is_null() || isDirective(k)) continue;
      if (!keep.contains(k)) return fail(child(path, k), "not present in the $retainKeys list");
    }
    for (auto it = original.begin(); it != original.end();) {
      it = keep.contains(it.key()) ? std::next(it) : original.erase(it);
    }
  }

  for (const auto& [k, v] : patch.items()) {
    if (!startsWith(k, kDeletePrefix)) continue;
    const std::string field = k.substr(kDeletePrefix.size());
    auto it = original.find(field);
    if (it == original.end()) continue;
    if (!it->is_array()) return fail(child(path, field), "$deleteFromPrimitiveList on a non-list");
    Json kept = Json::array();
    for (const Json& e : *it) {
      if (std::find(v.begin(), v.end(), e) == v.end()) kept.push_back(e);
    }
    *it = std::move(kept);
  }

  for (const auto& [k, pv] : patch.items()) {
    if (isDirective(k)) continue;
    const SchemaNode* sub = node != nullptr ? node->field(k) : nullptr;
    const std::string sub_path = child(path, k);
    auto ord = patch.find(std::string(kOrderPrefix) + k);
    const Json* order = ord == patch.end() ? nullptr : &*ord;
    if (pv.is_null()) {
      original.erase(k);
      continue;
    }
    auto it = original.find(k);
    if (it != original.end() && it->is_object() && pv.is_object()) {
      ORCH_RETURN_IF_ERROR(mergeMap(*it, pv, sub, sub_path));
    } else if (it != original.end() && it->is_array() && pv.is_array() && sub != nullptr &&
               sub->smp_merge) {
      ORCH_RETURN_IF_ERROR(mergeList(*it, pv, order, sub, sub_path));
    } else {
      ORCH_ASSIGN_OR_RETURN(auto v, fresh(pv, sub, order, sub_path));
      if (v) {
        original[k] = std::move(*v);
      } else {
        original.erase(k);
      }
    }
  }

  // $setElementOrder for a list the patch does not otherwise touch: reorder only.
  for (const auto& [k, order] : patch.items()) {
    if (!startsWith(k, kOrderPrefix)) continue;
    const std::string field = k.substr(kOrderPrefix.size());
    if (patch.contains(field)) continue;
    const SchemaNode* sub = node != nullptr ? node->field(field) : nullptr;
    auto it = original.find(field);
    if (it == original.end() || !it->is_array() || sub == nullptr || !sub->smp_merge) continue;
    ORCH_RETURN_IF_ERROR(mergeList(*it, Json::array(), &order, sub, child(path, field)));
  }
  return Status::ok();
}

}  // namespace

Result<Json> applyStrategicMergePatch(const Json& doc, const Json& patch,
                                      const PatchSchema& schema) {
  if (!doc.is_object()) {
    return Status::invalid(std::string("strategic merge patch: the object must be a JSON "
                                       "object, got ") +
                           api::jsonTypeName(doc));
  }
  if (!patch.is_object()) {
    return Status::invalid(std::string("strategic merge patch: the patch must be a JSON object, "
                                       "got ") +
                           api::jsonTypeName(patch));
  }
  try {
    Json out = doc;
    ORCH_RETURN_IF_ERROR(mergeMap(out, patch, &schema, ""));
    return out;
  } catch (const std::exception& e) {
    return Status::invalid(std::string("strategic merge patch: ") + e.what());
  }
}

}  // namespace orch::apiserver::patch
