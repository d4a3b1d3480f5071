#include "controlplane/apiserver/registry/field_attributes.h"

#include <map>

namespace orch::apiserver {

namespace {

struct FieldSpec {
  std::string name;        // "spec.nodeName" (also the JSON path, split at '.')
  const char* unset = "";  // the value when the object does not have the field
};

const std::map<std::string, std::vector<FieldSpec>>& kindFields() {
  static const std::map<std::string, std::vector<FieldSpec>> table = {
      {"Pod",
       {{"spec.nodeName"},
        {"spec.restartPolicy"},
        {"spec.schedulerName"},
        {"spec.serviceAccountName"},
        {"spec.hostNetwork", "false"},
        {"status.phase"},
        {"status.podIP"},
        {"status.nominatedNodeName"}}},
      {"Event",
       {{"involvedObject.kind"},
        {"involvedObject.namespace"},
        {"involvedObject.name"},
        {"involvedObject.uid"},
        {"involvedObject.apiVersion"},
        {"involvedObject.resourceVersion"},
        {"involvedObject.fieldPath"},
        {"reason"},
        {"reportingComponent"},
        {"source"},
        {"type"}}},
      {"Secret", {{"type"}}},
      {"Namespace", {{"status.phase"}}},
      {"Node", {{"spec.unschedulable", "false"}}},
      {"ReplicaSet", {{"status.replicas", "0"}}},
  };
  return table;
}

const FieldSpec* findSpec(const ResourceInfo& r, std::string_view field) {
  const auto& t = kindFields();
  auto it = t.find(r.kind);
  if (it == t.end()) return nullptr;
  for (const FieldSpec& f : it->second)
    if (f.name == field) return &f;
  return nullptr;
}

// The value at dotted `path`, rendered as upstream's field sets render it.
std::optional<std::string> valueAt(const api::Json& obj, std::string_view path) {
  const api::Json* cur = &obj;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!cur->is_object()) return std::nullopt;
    auto it = cur->find(key);
    if (it == cur->end() || it->is_null()) return std::nullopt;
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number_integer()) return std::to_string(cur->get<int64_t>());
  if (cur->is_object() && cur->contains("component"))  // Event "source" selects by component
    return (*cur)["component"].is_string() ? (*cur)["component"].get<std::string>() : "";
  return std::nullopt;
}

}  // namespace

std::vector<std::string> selectableFields(const ResourceInfo& r) {
  std::vector<std::string> out = {"metadata.name"};
  if (r.namespaced) out.push_back("metadata.namespace");
  auto it = kindFields().find(r.kind);
  if (it != kindFields().end())
    for (const FieldSpec& f : it->second) out.push_back(f.name);
  return out;
}

std::optional<std::string> selectableFieldValue(const ResourceInfo& r, const api::Json& obj,
                                                std::string_view field) {
  if (field == "metadata.name" || (r.namespaced && field == "metadata.namespace"))
    return valueAt(obj, field).value_or("");
  const FieldSpec* spec = findSpec(r, field);
  if (spec == nullptr) return std::nullopt;
  return valueAt(obj, field).value_or(spec->unset);
}

bool matchesFields(const ResourceInfo& r, const api::Json& obj, const api::FieldSelector& sel) {
  if (sel.empty()) return true;
  return sel.matches([&](std::string_view field) { return selectableFieldValue(r, obj, field); });
}

}  // namespace orch::apiserver
