#include "controlplane/apiserver/openapi/definitions.h"

#include <algorithm>
#include <deque>
#include <set>

#include "common/api/schema.h"
#include "common/api/types.h"
#include "controlplane/apiserver/openapi/schema_tables.h"

namespace orch::apiserver::openapi {

using api::SchemaRegistry;
using nlohmann::json;

const char* refPrefix(Flavor f) {
  return f == Flavor::kV3 ? "#/components/schemas/" : "#/definitions/";
}

const KindSchema* Definitions::findKind(const std::string& group, const std::string& version,
                                        const std::string& kind) const {
  for (const KindSchema& k : kinds) {
    if (k.group == group && k.version == version && k.kind == kind) return &k;
  }
  return nullptr;
}

json Definitions::ref(const std::string& name) const {
  return json{{"$ref", std::string(refPrefix(flavor)) + name}};
}

namespace {

json gvkList(std::string_view group, std::string_view version, std::string_view kind) {
  return json::array({json{{"group", std::string(group)},
                           {"kind", std::string(kind)},
                           {"version", std::string(version)}}});
}

json stringSchema() {
  return json{{"type", "string"}};
}

struct Builder {
  SchemaRegistry& reg;
  Definitions& out;
  // Definition names of top-level kinds and lists: their apiVersion/kind/metadata/spec/...
  // get the generic descriptions.
  std::set<std::string> top_level;

  template <class T>
  void addKind() {
    std::string name = reg.define<T>();
    std::string list = packageOf(T::kGroup, T::kVersion) + "." + std::string(T::kKind) + "List";
    json& def = reg.definitions()[name];
    def["x-kubernetes-group-version-kind"] = gvkList(T::kGroup, T::kVersion, T::kKind);
    json items = json{{"type", "array"}, {"items", reg.ref(name)}};
    reg.definitions()[list] =
        json{{"description",
              std::string(T::kKind) + "List is a list of " + std::string(T::kKind) + " objects."},
             {"type", "object"},
             {"required", json::array({"items"})},
             {"properties",
              {{"apiVersion", stringSchema()},
               {"kind", stringSchema()},
               {"metadata", reg.schemaOf<api::ListMeta>()},
               {"items", items}}},
             {"x-kubernetes-group-version-kind",
              gvkList(T::kGroup, T::kVersion, std::string(T::kKind) + "List")}};
    top_level.insert(name);
    top_level.insert(list);
    out.kinds.push_back(KindSchema{std::string(T::kGroup), std::string(T::kVersion),
                                   std::string(T::kKind), name, list});
  }

  // The meta types the operations use and that orch::api does not model as structs.
  void addMetaTypes() {
    auto name = [](std::string_view n) { return definitionName(n); };
    json time = reg.schemaOf<api::Time>();
    reg.definitions()[name("FieldsV1")] =
        json{{"description",
              "FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format."},
             {"type", "object"}};
    reg.definitions()[name("ManagedFieldsEntry")] = json{
        {"description",
         "ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource "
         "that the fieldset applies to."},
        {"type", "object"},
        {"properties",
         {{"apiVersion", stringSchema()},
          {"fieldsType", stringSchema()},
          {"fieldsV1", reg.ref(name("FieldsV1"))},
          {"manager", stringSchema()},
          {"operation", stringSchema()},
          {"subresource", stringSchema()},
          {"time", time}}}};
    reg.definitions()[name("Preconditions")] =
        json{{"description",
              "Preconditions must be fulfilled before an operation (update, delete, etc.) is "
              "carried out."},
             {"type", "object"},
             {"properties", {{"resourceVersion", stringSchema()}, {"uid", stringSchema()}}}};
    json int64 = {{"type", "integer"}, {"format", "int64"}};
    reg.definitions()[name("DeleteOptions")] =
        json{{"description", "DeleteOptions may be provided when deleting an API object."},
             {"type", "object"},
             {"properties",
              {{"apiVersion", stringSchema()},
               {"kind", stringSchema()},
               {"dryRun", {{"type", "array"}, {"items", stringSchema()}}},
               {"gracePeriodSeconds", int64},
               {"ignoreStoreReadErrorWithClusterBreakingPotential", {{"type", "boolean"}}},
               {"orphanDependents", {{"type", "boolean"}}},
               {"preconditions", reg.ref(name("Preconditions"))},
               {"propagationPolicy", stringSchema()}}}};
    reg.definitions()[name("Patch")] =
        json{{"description",
              "Patch is provided to give a concrete name and type to the Kubernetes PATCH request "
              "body."},
             {"type", "object"}};
    reg.definitions()[name("RawExtension")] =
        json{{"description", "RawExtension is used to hold extensions in external versions."},
             {"type", "object"}};
    reg.definitions()[name("WatchEvent")] =
        json{{"description", "Event represents a single event to a watched resource."},
             {"type", "object"},
             {"required", json::array({"type", "object"})},
             {"properties", {{"object", reg.ref(name("RawExtension"))}, {"type", stringSchema()}}}};
    out.status = reg.define<api::ApiStatus>();
    reg.definitions()[out.status]["x-kubernetes-group-version-kind"] = gvkList("", "v1", "Status");
    out.delete_options = name("DeleteOptions");
    out.patch = name("Patch");
    out.watch_event = name("WatchEvent");
  }

  // Descriptions, required lists, list merge rules; managedFields as upstream types it.
  void decorate() {
    const auto& cpp_names = reg.cppNames();
    for (auto& [name, def] : reg.definitions()) {
      auto cpp = cpp_names.find(name);
      if (cpp == cpp_names.end()) continue;  // lists and hand-written meta types
      const std::string& t = cpp->second;
      if (std::string_view d = definitionDescription(t); !d.empty() && !def.contains("description"))
        def["description"] = std::string(d);
      if (!def.contains("properties")) continue;
      json& props = def["properties"];
      if (t == "ObjectMeta" && props.contains("managedFields")) {
        props["managedFields"] = {{"type", "array"},
                                  {"items", reg.ref(definitionName("ManagedFieldsEntry"))}};
      }
      json required = json::array();
      for (const std::string& r : requiredFields(t)) {
        if (props.contains(r)) required.push_back(r);
      }
      if (!required.empty()) def["required"] = required;
      for (auto it = props.begin(); it != props.end(); ++it) {
        json& p = it.value();
        std::string_view d = fieldDescription(t, it.key());
        if (d.empty() && top_level.count(name) != 0) d = fieldDescription("", it.key());
        if (!d.empty()) describe(p, d);
        if (const ListRules* lr = listRules(t, it.key())) {
          if (!lr->patch_strategy.empty())
            p["x-kubernetes-patch-strategy"] = std::string(lr->patch_strategy);
          if (!lr->patch_merge_key.empty())
            p["x-kubernetes-patch-merge-key"] = std::string(lr->patch_merge_key);
          if (!lr->list_type.empty()) p["x-kubernetes-list-type"] = std::string(lr->list_type);
          if (!lr->list_map_keys.empty()) {
            json keys = json::array();
            for (std::string_view k : lr->list_map_keys) keys.push_back(std::string(k));
            p["x-kubernetes-list-map-keys"] = keys;
          }
        }
      }
    }
    // After the loop above, so that the copies are of decorated definitions.
    for (auto& [name, def] : reg.definitions()) {
      auto cpp = cpp_names.find(name);
      if (cpp == cpp_names.end() || !def.contains("properties")) continue;
      for (auto it = def["properties"].begin(); it != def["properties"].end(); ++it) {
        std::string_view alias = fieldTypeAlias(cpp->second, it.key());
        if (!alias.empty()) retarget(it.value(), definitionName(alias));
      }
    }
    for (const std::string& name : top_level) {
      json& props = reg.definitions()[name]["properties"];
      for (auto it = props.begin(); it != props.end(); ++it) {
        if (it.value().contains("description")) continue;
        std::string_view d = fieldDescription("", it.key());
        if (!d.empty()) describe(it.value(), d);
      }
    }
  }

  // Points the "$ref" of `p` at `name`, a copy of the definition it referred to (one C++
  // struct for two upstream types).
  void retarget(json& p, const std::string& name) {
    json* r = p.contains("items") ? &p["items"] : &p;
    if (r->contains("allOf")) r = &(*r)["allOf"][0];
    if (!r->contains("$ref")) return;
    const std::string prefix = refPrefix(out.flavor);
    std::string from = (*r)["$ref"].get<std::string>().substr(prefix.size());
    auto& defs = reg.definitions();
    if (defs.count(name) == 0 && defs.count(from) != 0) {
      json copy = defs[from];
      defs[name] = std::move(copy);
    }
    (*r)["$ref"] = prefix + name;
  }

  // OpenAPI 3.0 ignores the siblings of a "$ref": wrap it in allOf, as upstream does.
  void describe(json& p, std::string_view d) {
    if (out.flavor == Flavor::kV3 && p.contains("$ref")) {
      p = json{{"allOf", json::array({json{{"$ref", p["$ref"]}}})}};
    }
    p["description"] = std::string(d);
  }
};

}  // namespace

Definitions buildDefinitions(Flavor flavor) {
  Definitions out;
  out.flavor = flavor;
  SchemaRegistry reg(
      SchemaRegistry::Options{.name_of = [](std::string_view cpp) { return definitionName(cpp); },
                              .ref_prefix = refPrefix(flavor),
                              .openapi_v3 = flavor == Flavor::kV3});
  Builder b{reg, out, {}};
  // core/v1
  b.addKind<api::ConfigMap>();
  b.addKind<api::Endpoints>();
  b.addKind<api::Event>();
  b.addKind<api::LimitRange>();
  b.addKind<api::Namespace>();
  b.addKind<api::Node>();
  b.addKind<api::Pod>();
  b.addKind<api::ResourceQuota>();
  b.addKind<api::Secret>();
  b.addKind<api::ServiceAccount>();
  b.addKind<api::Service>();
  // apps/v1
  b.addKind<api::DaemonSet>();
  b.addKind<api::Deployment>();
  b.addKind<api::ReplicaSet>();
  // rbac.authorization.k8s.io/v1
  b.addKind<api::ClusterRoleBinding>();
  b.addKind<api::ClusterRole>();
  b.addKind<api::RoleBinding>();
  b.addKind<api::Role>();
  // coordination.k8s.io/v1, discovery.k8s.io/v1
  b.addKind<api::Lease>();
  b.addKind<api::EndpointSlice>();
  b.addMetaTypes();
  b.decorate();
  out.schemas = std::move(reg.definitions());
  return out;
}

std::vector<std::string> referencedDefinitions(const Definitions& defs, const json& root) {
  const std::string prefix = refPrefix(defs.flavor);
  std::set<std::string> seen;
  std::vector<std::string> order;
  std::deque<const json*> work{&root};
  while (!work.empty()) {
    const json* j = work.front();
    work.pop_front();
    if (j->is_object()) {
      for (auto it = j->begin(); it != j->end(); ++it) {
        if (it.key() == "$ref" && it->is_string()) {
          const std::string& r = it->get_ref<const std::string&>();
          if (r.rfind(prefix, 0) != 0) continue;
          std::string name = r.substr(prefix.size());
          if (!seen.insert(name).second) continue;
          order.push_back(name);
          auto def = defs.schemas.find(name);
          if (def != defs.schemas.end()) work.push_back(&def->second);
        } else {
          work.push_back(&*it);
        }
      }
    } else if (j->is_array()) {
      for (const json& e : *j) work.push_back(&e);
    }
  }
  return order;
}

}  // namespace orch::apiserver::openapi
