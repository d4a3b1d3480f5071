#include "controlplane/apiserver/patch/server_side_apply.h"

#include <cerrno>
#include <exception>
#include <map>
#include <utility>

#include "controlplane/apiserver/patch/managed_fields.h"

namespace orch::apiserver::patch {
namespace {

constexpr const char* kUntrackedMeta[] = {"name",
                                          "namespace",
                                          "uid",
                                          "resourceVersion",
                                          "generation",
                                          "creationTimestamp",
                                          "deletionTimestamp",
                                          "deletionGracePeriodSeconds",
                                          "selfLink",
                                          "managedFields"};

// The top-level part a write to `subresource` does not own (upstream's reset fields).
const char* resetField(const std::string& subresource) {
  if (subresource.empty()) return "status";
  if (subresource == "status") return "spec";
  return nullptr;
}

// The part of an object whose fields are tracked.
Json tracked(const Json& obj, const std::string& subresource) {
  if (!obj.is_object()) return Json::object();
  Json out = obj;
  out.erase("apiVersion");
  out.erase("kind");
  if (const char* reset = resetField(subresource)) out.erase(reset);
  if (auto m = out.find("metadata"); m != out.end() && m->is_object()) {
    for (const char* k : kUntrackedMeta) m->erase(k);
    if (m->empty()) out.erase(m);
  }
  return out;
}

void eraseManagedFields(Json& obj) {
  if (auto m = obj.find("metadata"); m != obj.end() && m->is_object()) m->erase("managedFields");
}

void setManagedFields(Json& obj, Json list) {
  if (list.empty()) return eraseManagedFields(obj);
  obj["metadata"]["managedFields"] = std::move(list);
}

void stripNulls(Json& v) {
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end();) {
      if (it->is_null()) {
        it = v.erase(it);
      } else {
        stripNulls(*it);
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (Json& e : v) stripNulls(e);
  }
}

// structured-merge-diff's merge: the configuration's values win, objects merge, associative
// lists merge by key (new items appended), sets by value, anything else is replaced.
Status mergeApplied(Json& live, const Json& cfg, const SchemaNode* node, const std::string& path) {
  const bool atomic = node != nullptr && node->atomic;
  if (live.is_object() && cfg.is_object() && !atomic) {
    for (const auto& [k, v] : cfg.items()) {
      auto it = live.find(k);
      if (it == live.end()) {
        live[k] = v;
      } else {
        ORCH_RETURN_IF_ERROR(
            mergeApplied(*it, v, node != nullptr ? node->field(k) : nullptr, path + "." + k));
      }
    }
    return Status::ok();
  }
  if (live.is_array() && cfg.is_array() && node != nullptr && node->list_type == ListType::kSet) {
    for (const Json& v : cfg) {
      if (std::find(live.begin(), live.end(), v) == live.end()) live.push_back(v);
    }
    return Status::ok();
  }
  if (live.is_array() && cfg.is_array() && node != nullptr && node->list_type == ListType::kMap) {
    std::vector<std::string> live_elements;
    for (const Json& item : live) {
      auto e = itemElement(item, *node);
      if (!e.ok()) {  // a stored list without keys: the configuration replaces it
        live = cfg;
        return Status::ok();
      }
      live_elements.push_back(std::move(e).value());
    }
    std::vector<std::string> seen;
    for (size_t i = 0; i < cfg.size(); ++i) {
      const std::string where = path + "[" + std::to_string(i) + "]";
      auto e = itemElement(cfg[i], *node);
      if (!e.ok()) return e.status().withContext(where);
      if (std::find(seen.begin(), seen.end(), *e) != seen.end()) {
        return Status::invalid(where + ": duplicate entries for key " + e->substr(2));
      }
      seen.push_back(*e);
      auto at = std::find(live_elements.begin(), live_elements.end(), *e);
      if (at == live_elements.end()) {
        live.push_back(cfg[i]);
        live_elements.push_back(*e);
      } else {
        ORCH_RETURN_IF_ERROR(mergeApplied(live[static_cast<size_t>(at - live_elements.begin())],
                                          cfg[i], node, where));
      }
    }
    return Status::ok();
  }
  live = cfg;
  return Status::ok();
}

// Removes the value at `path` (from path[i] on) from `cur`; false when it is not there.
bool removePath(Json& cur, const FieldPath& path, size_t i, const SchemaNode* node) {
  const std::string& e = path[i];
  const bool last = i + 1 == path.size();
  if (e.starts_with("f:")) {
    if (!cur.is_object()) return false;
    auto it = cur.find(e.substr(2));
    if (it == cur.end()) return false;
    if (last) {
      cur.erase(it);
      return true;
    }
    return removePath(*it, path, i + 1, node != nullptr ? node->field(e.substr(2)) : nullptr);
  }
  if (!cur.is_array()) return false;
  for (size_t idx = 0; idx < cur.size(); ++idx) {
    bool match = false;
    if (e.starts_with("v:")) {
      match = "v:" + cur[idx].dump() == e;
    } else if (e.starts_with("k:") && node != nullptr) {
      auto el = itemElement(cur[idx], *node);
      match = el.ok() && *el == e;
    }
    if (!match) continue;
    if (last) {
      cur.erase(idx);
      return true;
    }
    return removePath(cur[idx], path, i + 1, node);
  }
  return false;
}

// A key field of an associative list item ("k:{\"name\":\"a\"}", "f:name"): it goes with its
// item, never alone (the item stays when someone else still owns part of it).
bool isItemKey(const FieldPath& p) {
  if (p.size() < 2 || !p[p.size() - 2].starts_with("k:") || !p.back().starts_with("f:")) {
    return false;
  }
  Json keys = Json::parse(p[p.size() - 2].substr(2), nullptr, /*allow_exceptions=*/false);
  return keys.is_object() && keys.contains(p.back().substr(2));
}

constexpr size_t kNoEntry = static_cast<size_t>(-1);

// The index of `me`'s entry, or kNoEntry. (A sentinel rather than std::optional: GCC 12
// reports a false maybe-uninitialized on the optional's comparisons.)
size_t findEntry(const std::vector<ManagedFieldsEntry>& entries, const ManagedFieldsEntry& me) {
  if (me.manager.empty()) return kNoEntry;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].sameManager(me)) return i;
  }
  return kNoEntry;
}

// Upstream's getConflictMessage.
std::string conflictMessage(const std::vector<std::pair<std::string, std::string>>& found) {
  if (found.size() == 1) {
    return "Apply failed with 1 conflict: conflict with " + found[0].first + ": " + found[0].second;
  }
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const auto& [who, field] : found) by_manager[who].push_back(field);
  std::string lines;
  for (const auto& [who, fields] : by_manager) {
    lines += (lines.empty() ? "" : "\n") + std::string("conflicts with ") + who + ":";
    for (const std::string& f : fields) lines += "\n- " + f;
  }
  return "Apply failed with " + std::to_string(found.size()) + " conflicts: " + lines;
}

Result<Json> applyImpl(const Json& live, const Json& applied, const ApplyOptions& opts,
                       std::vector<ApplyConflict>* conflicts) {
  const SchemaNode* schema = opts.schema;
  Json cfg = applied;
  stripNulls(cfg);
  if (auto m = cfg.find("metadata");
      m != cfg.end() && m->is_object() && m->contains("managedFields")) {
    return Status::invalid("apply: metadata.managedFields must be nil");
  }
  if (const char* reset = resetField(opts.subresource)) cfg.erase(reset);

  Json merged = live.is_null() ? Json::object() : live;
  auto decoded = decodeManagedFields(merged);
  if (!decoded.ok()) return decoded.status().withContext("apply: live object");
  std::vector<ManagedFieldsEntry> entries = std::move(decoded).value();
  eraseManagedFields(merged);
  const Json live_obj = merged;

  if (!live.is_null() && entries.empty()) {
    // Upstream: an object written before any field tracking is owned by "before-first-apply".
    ManagedFieldsEntry first{.manager = "before-first-apply",
                             .operation = "Update",
                             .api_version = opts.api_version,
                             .time = opts.now_rfc3339,
                             .subresource = "",
                             .fields = {}};
    FieldPath p;
    (void)collectFields(tracked(live_obj, opts.subresource), schema, SetMode::kUpdate, p,
                        first.fields);
    if (!first.fields.empty()) entries.push_back(std::move(first));
  }

  FieldSet applied_set;
  {
    FieldPath p;
    Status s =
        collectFields(tracked(cfg, opts.subresource), schema, SetMode::kApply, p, applied_set);
    if (!s.isOk()) return s.withContext("apply");
  }
  {
    Status s = mergeApplied(merged, cfg, schema, "");
    if (!s.isOk()) return s.withContext("apply");
  }
  const FieldDiff diff =
      compareFields(tracked(live_obj, opts.subresource), tracked(merged, opts.subresource), schema);

  ManagedFieldsEntry me{.manager = opts.manager,
                        .operation = "Apply",
                        .api_version = opts.api_version,
                        .time = opts.now_rfc3339,
                        .subresource = opts.subresource,
                        .fields = {}};
  const size_t mine = findEntry(entries, me);
  const bool has_mine = mine != kNoEntry;

  std::vector<std::pair<std::string, std::string>> found;  // (manager description, field)
  std::vector<ApplyConflict> listed;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (mine == i) continue;
    for (const FieldPath& p : entries[i].fields.intersection(diff.changed).members()) {
      found.emplace_back(entries[i].describe(), pathString(p));
      listed.push_back({.manager = entries[i].manager,
                        .field = pathString(p),
                        .message = "conflict with " + entries[i].describe()});
    }
  }
  if (!found.empty() && !opts.force) {
    if (conflicts != nullptr) *conflicts = std::move(listed);
    return Status::error(EBUSY, conflictMessage(found));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (mine != i) entries[i].fields = entries[i].fields.difference(diff.changed);
  }

  // Remove what this manager applied before and no longer applies, unless someone else owns it.
  const FieldSet previous = has_mine ? entries[mine].fields : FieldSet();
  FieldSet others;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (mine != i) others = others.unionWith(entries[i].fields);
  }
  for (const FieldPath& p : previous.difference(applied_set).members()) {
    if (others.containsPrefix(p) || applied_set.containsPrefix(p) || isItemKey(p)) continue;
    removePath(merged, p, 0, schema);
  }

  const bool changed = merged != live_obj || previous != applied_set || !has_mine;
  me.fields = std::move(applied_set);
  if (has_mine) {
    if (!changed) me.time = entries[mine].time;
    entries[mine] = std::move(me);
  } else {
    entries.push_back(std::move(me));
  }
  setManagedFields(merged, encodeManagedFields(std::move(entries)));
  return merged;
}

}  // namespace

Result<Json> serverSideApply(const Json& live, const Json& applied, const ApplyOptions& opts,
                             std::vector<ApplyConflict>* conflicts) {
  if (conflicts != nullptr) conflicts->clear();
  if (opts.manager.empty()) {
    return Status::invalid("apply: fieldManager is required for apply requests");
  }
  if (!applied.is_object()) {
    return Status::invalid(std::string("apply: the configuration must be an object, got ") +
                           api::jsonTypeName(applied));
  }
  if (!live.is_null() && !live.is_object()) {
    return Status::invalid(std::string("apply: the live object must be an object, got ") +
                           api::jsonTypeName(live));
  }
  try {
    return applyImpl(live, applied, opts, conflicts);
  } catch (const std::exception& e) {
    return Status::invalid(std::string("apply: ") + e.what());
  }
}

Result<Json> serverSideApply(const Json& live, const Json& applied, const ApplyOptions& opts) {
  return serverSideApply(live, applied, opts, nullptr);
}

void updateManagedFields(Json& new_obj, const Json& old_obj, const UpdateOptions& opts) {
  if (!new_obj.is_object()) return;
  try {
    auto meta = new_obj.find("metadata");
    if (meta != new_obj.end() && meta->is_object()) {
      auto mf = meta->find("managedFields");
      if (mf != meta->end() && *mf == Json::array({Json::object()})) {
        meta->erase(mf);  // upstream's documented way to clear managedFields
        return;
      }
    }
    std::vector<ManagedFieldsEntry> entries;
    bool from_new = false;
    if (opts.subresource.empty()) {
      auto r = decodeManagedFields(new_obj);
      if (r.ok() && !r->empty()) {
        entries = std::move(r).value();
        from_new = true;
      }
    }
    if (!from_new) {
      auto r = decodeManagedFields(old_obj);
      if (r.ok()) entries = std::move(r).value();
    }
    const FieldDiff d = compareFields(tracked(old_obj, opts.subresource),
                                      tracked(new_obj, opts.subresource), opts.schema);
    const FieldSet touched = d.changed.unionWith(d.removed);
    ManagedFieldsEntry me{.manager = opts.manager,
                          .operation = "Update",
                          .api_version = opts.api_version,
                          .time = opts.now_rfc3339,
                          .subresource = opts.subresource,
                          .fields = {}};
    const size_t mine = findEntry(entries, me);
    for (size_t i = 0; i < entries.size(); ++i) {
      if (mine != i) entries[i].fields = entries[i].fields.difference(touched);
    }
    if (!opts.manager.empty()) {
      const FieldSet previous = mine != kNoEntry ? entries[mine].fields : FieldSet();
      me.fields = previous.difference(d.removed).unionWith(d.changed);
      if (mine != kNoEntry) {
        if (me.fields == previous && touched.empty()) me.time = entries[mine].time;
        entries[mine] = std::move(me);
      } else {
        entries.push_back(std::move(me));
      }
    }
    setManagedFields(new_obj, encodeManagedFields(std::move(entries)));
  } catch (const std::exception&) {
    // Bookkeeping never fails a write: leave the object as the caller built it.
  }
}

}  // namespace orch::apiserver::patch
