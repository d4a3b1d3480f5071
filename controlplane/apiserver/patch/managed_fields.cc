#include "controlplane/apiserver/patch/managed_fields.h"

#include <algorithm>
#include <exception>
#include <tuple>
#include <utility>

namespace orch::apiserver::patch {

// ---------------------------------------------------------------------------------------------
// FieldSet

Result<FieldSet> FieldSet::fromJson(const Json& j) {
  if (!j.is_object()) {
    return Status::invalid(std::string("fieldsV1: expected an object, got ") +
                           api::jsonTypeName(j));
  }
  FieldSet out;
  for (const auto& [k, v] : j.items()) {
    if (k == ".") {
      out.member_ = true;
      continue;
    }
    if (k.size() < 2 || k[1] != ':' || std::string_view("fkvi").find(k[0]) == std::string::npos) {
      return Status::invalid("fieldsV1: unknown path element \"" + k + "\"");
    }
    auto sub = fromJson(v);
    if (!sub.ok()) return sub.status().withContext(k);
    FieldSet child = std::move(sub).value();
    if (v.empty()) child.member_ = true;
    out.children_[k] = std::move(child);
  }
  return out;
}

Json FieldSet::toJson() const {
  Json out = Json::object();
  for (const auto& [k, c] : children_) {
    if (c.empty()) continue;
    Json cj = c.toJson();
    if (c.member_ && !cj.empty()) cj["."] = Json::object();
    out[k] = std::move(cj);
  }
  return out;
}

void FieldSet::insert(const FieldPath& path) {
  if (path.empty()) return;
  FieldSet* cur = this;
  for (const std::string& e : path) cur = &cur->children_[e];
  cur->member_ = true;
}

bool FieldSet::contains(const FieldPath& path) const {
  const FieldSet* cur = this;
  for (const std::string& e : path) {
    auto it = cur->children_.find(e);
    if (it == cur->children_.end()) return false;
    cur = &it->second;
  }
  return !path.empty() && cur->member_;
}

bool FieldSet::containsPrefix(const FieldPath& path) const {
  const FieldSet* cur = this;
  for (const std::string& e : path) {
    auto it = cur->children_.find(e);
    if (it == cur->children_.end()) return false;
    cur = &it->second;
  }
  return !cur->empty();
}

FieldSet FieldSet::unionWith(const FieldSet& o) const {
  FieldSet out = *this;
  out.member_ = member_ || o.member_;
  for (const auto& [k, c] : o.children_) {
    auto it = out.children_.find(k);
    if (it == out.children_.end()) {
      if (!c.empty()) out.children_[k] = c;
    } else {
      it->second = it->second.unionWith(c);
    }
  }
  return out;
}

FieldSet FieldSet::difference(const FieldSet& o) const {
  FieldSet out;
  out.member_ = member_ && !o.member_;
  for (const auto& [k, c] : children_) {
    auto it = o.children_.find(k);
    FieldSet d = it == o.children_.end() ? c : c.difference(it->second);
    if (!d.empty()) out.children_[k] = std::move(d);
  }
  return out;
}

FieldSet FieldSet::intersection(const FieldSet& o) const {
  FieldSet out;
  out.member_ = member_ && o.member_;
  for (const auto& [k, c] : children_) {
    auto it = o.children_.find(k);
    if (it == o.children_.end()) continue;
    FieldSet d = c.intersection(it->second);
    if (!d.empty()) out.children_[k] = std::move(d);
  }
  return out;
}

void FieldSet::collect(FieldPath& prefix, std::vector<FieldPath>& out) const {
  if (member_ && !prefix.empty()) out.push_back(prefix);
  for (const auto& [k, c] : children_) {
    prefix.push_back(k);
    c.collect(prefix, out);
    prefix.pop_back();
  }
}

std::vector<FieldPath> FieldSet::members() const {
  std::vector<FieldPath> out;
  FieldPath prefix;
  collect(prefix, out);
  return out;
}

std::string pathString(const FieldPath& path) {
  std::string out;
  for (const std::string& e : path) {
    std::string_view rest = std::string_view(e).substr(std::min<size_t>(2, e.size()));
    if (e.starts_with("f:")) {
      out += "." + std::string(rest);
    } else if (e.starts_with("v:")) {
      out += "[=" + std::string(rest) + "]";
    } else if (e.starts_with("k:")) {
      Json keys = Json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (!keys.is_object()) {
        out += "[" + std::string(rest) + "]";
        continue;
      }
      out += "[";
      bool first = true;
      for (const auto& [k, v] : keys.items()) {
        out += (first ? "" : ",") + k + "=" + v.dump();
        first = false;
      }
      out += "]";
    } else {
      out += "[" + std::string(rest) + "]";
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sets of an object

Result<std::string> itemElement(const Json& item, const SchemaNode& list) {
  if (!item.is_object()) {
    return Status::invalid(std::string("associative list item must be an object, got ") +
                           api::jsonTypeName(item));
  }
  Json keys = Json::object();
  for (const std::string& k : list.list_keys) {
    auto it = item.find(k);
    if (it != item.end() && !it->is_null()) {
      keys[k] = *it;
      continue;
    }
    auto def = std::find_if(list.key_defaults.begin(), list.key_defaults.end(),
                            [&](const auto& d) { return d.first == k; });
    if (def == list.key_defaults.end()) {
      return Status::invalid("associative list item is missing its key field \"" + k + "\"");
    }
    keys[k] = def->second;
  }
  return "k:" + keys.dump();
}

namespace {

std::string valueElement(const Json& v) {
  return "v:" + v.dump();
}

bool isTopLevelStruct(const FieldPath& path) {
  return path.size() == 1 &&
         (path[0] == "f:metadata" || path[0] == "f:spec" || path[0] == "f:status");
}

// The element of every item of an associative list, or nullopt when one lacks its key (the
// list is then treated as atomic).
std::optional<std::vector<std::string>> itemElements(const Json& list, const SchemaNode& node) {
  std::vector<std::string> out;
  for (const Json& item : list) {
    auto e = itemElement(item, node);
    if (!e.ok()) return std::nullopt;
    out.push_back(std::move(e).value());
  }
  return out;
}

}  // namespace

Status collectFields(const Json& value, const SchemaNode* node, SetMode mode, FieldPath& path,
                     FieldSet& out) {
  const bool atomic = node != nullptr && node->atomic;
  if (value.is_object() && !atomic) {
    if (mode == SetMode::kAll || (mode == SetMode::kUpdate && !isTopLevelStruct(path)) ||
        value.empty()) {
      out.insert(path);
    }
    for (const auto& [k, v] : value.items()) {
      path.push_back("f:" + k);
      Status s = collectFields(v, node != nullptr ? node->field(k) : nullptr, mode, path, out);
      path.pop_back();
      ORCH_RETURN_IF_ERROR(s);
    }
    return Status::ok();
  }
  if (value.is_array() && node != nullptr && node->list_type != ListType::kAtomic) {
    if (mode != SetMode::kApply || value.empty()) out.insert(path);
    std::vector<std::string> seen;
    for (size_t i = 0; i < value.size(); ++i) {
      const Json& item = value[i];
      std::string element;
      if (node->list_type == ListType::kSet) {
        element = valueElement(item);
      } else {
        auto e = itemElement(item, *node);
        if (!e.ok()) {
          if (mode == SetMode::kApply) {
            return e.status().withContext(pathString(path) + "[" + std::to_string(i) + "]");
          }
          out.insert(path);  // a stored list without keys: own it as a whole
          return Status::ok();
        }
        element = std::move(e).value();
      }
      if (mode == SetMode::kApply) {
        if (std::find(seen.begin(), seen.end(), element) != seen.end()) {
          return Status::invalid(pathString(path) + "[" + std::to_string(i) +
                                 "]: duplicate entries for key " + element.substr(2));
        }
        seen.push_back(element);
      }
      path.push_back(std::move(element));
      out.insert(path);
      Status s = node->list_type == ListType::kMap ? collectFields(item, node, mode, path, out)
                                                   : Status::ok();
      path.pop_back();
      ORCH_RETURN_IF_ERROR(s);
    }
    return Status::ok();
  }
  out.insert(path);
  return Status::ok();
}

namespace {

void collectQuiet(const Json& value, const SchemaNode* node, SetMode mode, FieldPath& path,
                  FieldSet& out) {
  (void)collectFields(value, node, mode == SetMode::kApply ? SetMode::kUpdate : mode, path, out);
}

void compare(const Json* o, const Json* n, const SchemaNode* node, FieldPath& path, FieldDiff& d) {
  if (o == nullptr && n == nullptr) return;
  if (o == nullptr) return collectQuiet(*n, node, SetMode::kUpdate, path, d.changed);
  if (n == nullptr) return collectQuiet(*o, node, SetMode::kAll, path, d.removed);
  const bool atomic = node != nullptr && node->atomic;
  if (o->is_object() && n->is_object() && !atomic) {
    for (const auto& [k, ov] : o->items()) {
      auto it = n->find(k);
      path.push_back("f:" + k);
      compare(&ov, it == n->end() ? nullptr : &*it, node != nullptr ? node->field(k) : nullptr,
              path, d);
      path.pop_back();
    }
    for (const auto& [k, nv] : n->items()) {
      if (o->contains(k)) continue;
      path.push_back("f:" + k);
      compare(nullptr, &nv, node != nullptr ? node->field(k) : nullptr, path, d);
      path.pop_back();
    }
    return;
  }
  if (o->is_array() && n->is_array() && node != nullptr && node->list_type != ListType::kAtomic) {
    std::optional<std::vector<std::string>> oe, ne;
    if (node->list_type == ListType::kMap) {
      oe = itemElements(*o, *node);
      ne = itemElements(*n, *node);
    } else {
      oe.emplace();
      ne.emplace();
      for (const Json& v : *o) oe->push_back(valueElement(v));
      for (const Json& v : *n) ne->push_back(valueElement(v));
    }
    if (oe && ne) {
      const bool keyed = node->list_type == ListType::kMap;
      for (size_t i = 0; i < o->size(); ++i) {
        auto at = std::find(ne->begin(), ne->end(), (*oe)[i]);
        path.push_back((*oe)[i]);
        if (at == ne->end()) {
          collectQuiet((*o)[i], keyed ? node : nullptr, SetMode::kAll, path, d.removed);
        } else if (keyed) {
          compare(&(*o)[i], &(*n)[static_cast<size_t>(at - ne->begin())], node, path, d);
        }
        path.pop_back();
      }
      for (size_t i = 0; i < n->size(); ++i) {
        if (std::find(oe->begin(), oe->end(), (*ne)[i]) != oe->end()) continue;
        path.push_back((*ne)[i]);
        d.changed.insert(path);
        collectQuiet((*n)[i], keyed ? node : nullptr, SetMode::kUpdate, path, d.changed);
        path.pop_back();
      }
      return;
    }
  }
  if (*o == *n) return;
  const bool o_container = o->is_object() || o->is_array();
  const bool n_container = n->is_object() || n->is_array();
  if (atomic || (!o_container && !n_container) || (o->is_array() && n->is_array())) {
    d.changed.insert(path);
    return;
  }
  // The type changed: the old subtree goes, the new one is added.
  collectQuiet(*o, node, SetMode::kAll, path, d.removed);
  collectQuiet(*n, node, SetMode::kUpdate, path, d.changed);
  d.changed.insert(path);
}

}  // namespace

FieldDiff compareFields(const Json& old_obj, const Json& new_obj, const SchemaNode* schema) {
  FieldDiff d;
  FieldPath path;
  compare(&old_obj, &new_obj, schema, path, d);
  return d;
}

// ---------------------------------------------------------------------------------------------
// managedFields entries

bool ManagedFieldsEntry::sameManager(const ManagedFieldsEntry& o) const {
  return manager == o.manager && operation == o.operation && subresource == o.subresource &&
         (operation != "Update" || api_version == o.api_version);
}

std::string ManagedFieldsEntry::describe() const {
  std::string out = Json(manager).dump();
  if (!subresource.empty()) out += " with subresource " + Json(subresource).dump();
  if (operation == "Update") out += " using " + api_version;
  return out;
}

Result<std::vector<ManagedFieldsEntry>> decodeManagedFields(const Json& obj) {
  std::vector<ManagedFieldsEntry> out;
  if (!obj.is_object()) return out;
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return out;
  auto mf = meta->find("managedFields");
  if (mf == meta->end() || mf->is_null()) return out;
  if (!mf->is_array()) return Status::invalid("metadata.managedFields must be a list");
  for (size_t i = 0; i < mf->size(); ++i) {
    const Json& e = (*mf)[i];
    const std::string where = "metadata.managedFields[" + std::to_string(i) + "]";
    if (!e.is_object()) return Status::invalid(where + " must be an object");
    ManagedFieldsEntry entry;
    for (auto [name, dst] :
         {std::pair{"manager", &entry.manager}, std::pair{"operation", &entry.operation},
          std::pair{"apiVersion", &entry.api_version}, std::pair{"time", &entry.time},
          std::pair{"subresource", &entry.subresource}}) {
      auto it = e.find(name);
      if (it == e.end() || it->is_null()) continue;
      if (!it->is_string()) return Status::invalid(where + "." + name + " must be a string");
      *dst = it->get<std::string>();
    }
    if (entry.operation != "Apply" && entry.operation != "Update") {
      return Status::invalid(where + ".operation must be Apply or Update, got \"" +
                             entry.operation + "\"");
    }
    auto type = e.find("fieldsType");
    if (type != e.end() && *type != "FieldsV1") {
      return Status::invalid(where + ".fieldsType must be FieldsV1");
    }
    auto fields = e.find("fieldsV1");
    if (fields != e.end() && !fields->is_null()) {
      auto set = FieldSet::fromJson(*fields);
      if (!set.ok()) return set.status().withContext(where + ".fieldsV1");
      entry.fields = std::move(set).value();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Json encodeManagedFields(std::vector<ManagedFieldsEntry> entries) {
  std::erase_if(entries, [](const ManagedFieldsEntry& e) { return e.fields.empty(); });
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  Json out = Json::array();
  for (const ManagedFieldsEntry& e : entries) {
    Json j = {{"manager", e.manager},
              {"operation", e.operation},
              {"apiVersion", e.api_version},
              {"fieldsType", "FieldsV1"},
              {"fieldsV1", e.fields.toJson()}};
    if (!e.time.empty()) j["time"] = e.time;
    if (!e.subresource.empty()) j["subresource"] = e.subresource;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace orch::apiserver::patch
