#include "controlplane/apiserver/openapi/documents.h"

#include <utility>

#include "controlplane/apiserver/discovery.h"
#include "controlplane/apiserver/openapi/operations.h"

namespace orch::apiserver::openapi {

using nlohmann::json;

namespace {

json gvkOf(const ResourceInfo& r) {
  return json{{"group", r.group}, {"kind", r.kind}, {"version", r.version}};
}

const char* kPatchTypes[] = {"application/apply-patch+yaml", "application/json-patch+json",
                             "application/merge-patch+json",
                             "application/strategic-merge-patch+json"};

json paramV3(const Param& p) {
  json j = {{"name", p.name},
            {"in", p.in},
            {"description", p.description},
            {"schema", {{"type", p.type}, {"uniqueItems", true}}}};
  if (p.required) j["required"] = true;
  return j;
}

json paramV2(const Param& p) {
  json j = {{"name", p.name},
            {"in", p.in},
            {"description", p.description},
            {"type", p.type},
            {"uniqueItems", true}};
  if (p.required) j["required"] = true;
  return j;
}

// The definition a response refers to: "" = Status, "watch" = WatchEvent.
std::string responseDefinition(const Definitions& defs, const std::string& d) {
  if (d.empty()) return defs.status;
  if (d == "watch") return defs.watch_event;
  return d;
}

json operationV3(const Definitions& defs, const Operation& op, const std::string& tag,
                 const json& gvk) {
  json j = {{"tags", json::array({tag})}, {"description", op.description}, {"operationId", op.id}};
  if (!op.params.empty()) {
    json ps = json::array();
    for (const Param& p : op.params) ps.push_back(paramV3(p));
    j["parameters"] = ps;
  }
  if (op.patch) {
    json content = json::object();
    for (const char* t : kPatchTypes) content[t] = {{"schema", defs.ref(defs.patch)}};
    j["requestBody"] = {{"content", content}, {"required", true}};
  } else if (!op.body.empty()) {
    j["requestBody"] = {{"content", {{"*/*", {{"schema", defs.ref(op.body)}}}}},
                        {"required", op.body_required}};
  } else if (op.method == "delete") {
    j["requestBody"] = {{"content", {{"*/*", {{"schema", defs.ref(defs.delete_options)}}}}}};
  }
  json responses = json::object();
  for (const auto& [code, def] : op.responses) {
    json schema = defs.ref(responseDefinition(defs, def));
    json content = json::object();
    if (op.watch || op.action == "list") {
      // A list call may also be a watch (?watch=true).
      content["application/json"] = {{"schema", schema}};
      content["application/json;stream=watch"] = {{"schema", schema}};
      content["application/yaml"] = {{"schema", schema}};
    } else {
      content["application/json"] = {{"schema", schema}};
      content["application/yaml"] = {{"schema", schema}};
    }
    const char* text = code == 201 ? "Created" : code == 202 ? "Accepted" : "OK";
    responses[std::to_string(code)] = {{"description", text}, {"content", content}};
  }
  responses["401"] = {{"description", "Unauthorized"}};
  j["responses"] = responses;
  j["x-kubernetes-action"] = op.action;
  j["x-kubernetes-group-version-kind"] = gvk;
  return j;
}

json operationV2(const Definitions& defs, const Operation& op, const std::string& tag,
                 const json& gvk) {
  json j = {{"tags", json::array({tag})},
            {"description", op.description},
            {"operationId", op.id},
            {"schemes", json::array({"https"})}};
  json ps = json::array();
  if (op.patch) {
    ps.push_back(
        {{"name", "body"}, {"in", "body"}, {"required", true}, {"schema", defs.ref(defs.patch)}});
  } else if (!op.body.empty()) {
    ps.push_back({{"name", "body"},
                  {"in", "body"},
                  {"required", op.body_required},
                  {"schema", defs.ref(op.body)}});
  } else if (op.method == "delete") {
    ps.push_back({{"name", "body"}, {"in", "body"}, {"schema", defs.ref(defs.delete_options)}});
  }
  for (const Param& p : op.params) ps.push_back(paramV2(p));
  if (!ps.empty()) j["parameters"] = ps;
  if (op.patch) {
    j["consumes"] = json::array();
    for (const char* t : kPatchTypes) j["consumes"].push_back(t);
  } else {
    j["consumes"] = json::array({"*/*"});
  }
  j["produces"] = op.watch ? json::array({"application/json", "application/json;stream=watch"})
                           : json::array({"application/json", "application/yaml"});
  json responses = json::object();
  for (const auto& [code, def] : op.responses) {
    const char* text = code == 201 ? "Created" : code == 202 ? "Accepted" : "OK";
    responses[std::to_string(code)] = {{"description", text},
                                       {"schema", defs.ref(responseDefinition(defs, def))}};
  }
  responses["401"] = {{"description", "Unauthorized"}};
  j["responses"] = responses;
  j["x-kubernetes-action"] = op.action;
  j["x-kubernetes-group-version-kind"] = gvk;
  return j;
}

// Renders the paths of `gv` into `paths` with `render` (operationV3 or operationV2).
template <class Render, class RenderParam>
void renderPaths(const Definitions& defs, const GroupVersion& gv, json& paths, Render render,
                 RenderParam render_param) {
  const std::string tag = groupIdent(gv.group) + "_" + gv.version;
  for (const PathItem& item : groupVersionPaths(defs, gv)) {
    json p = json::object();
    json gvk = gvkOf(*item.resource);
    for (const Operation& op : item.ops) p[op.method] = render(defs, op, tag, gvk);
    json ps = json::array();
    for (const Param& prm : item.params) ps.push_back(render_param(prm));
    if (!ps.empty()) p["parameters"] = ps;
    paths[item.path] = p;
  }
}

json info() {
  return {{"title", "Kubernetes"}, {"version", kGitVersion}};
}

}  // namespace

std::vector<GroupVersion> servedGroupVersions() {
  std::vector<GroupVersion> out = {{"", "v1"}};
  for (GroupVersion& gv : groupVersions()) out.push_back(std::move(gv));
  return out;
}

std::string openApiV3Key(const GroupVersion& gv) {
  return urlPrefix(gv).substr(1);
}

json openApiV3Document(const Definitions& defs, const GroupVersion& gv) {
  json paths = json::object();
  renderPaths(defs, gv, paths, operationV3, paramV3);
  json schemas = json::object();
  for (const std::string& name : referencedDefinitions(defs, paths)) {
    auto it = defs.schemas.find(name);
    if (it != defs.schemas.end()) schemas[name] = it->second;
  }
  return json{{"openapi", "3.0.0"},
              {"info", info()},
              {"paths", paths},
              {"components",
               {{"schemas", schemas},
                {"securitySchemes",
                 {{"BearerToken",
                   {{"type", "apiKey"},
                    {"description", "Bearer Token authentication"},
                    {"name", "authorization"},
                    {"in", "header"}}}}}}},
              {"security", json::array({json{{"BearerToken", json::array()}}})}};
}

json swaggerV2Document(const Definitions& defs) {
  json paths = json::object();
  for (const GroupVersion& gv : servedGroupVersions()) {
    renderPaths(defs, gv, paths, operationV2, paramV2);
  }
  json definitions = json::object();
  for (const auto& [name, schema] : defs.schemas) definitions[name] = schema;
  return json{{"swagger", "2.0"},
              {"info", info()},
              {"paths", paths},
              {"definitions", definitions},
              {"securityDefinitions",
               {{"BearerToken",
                 {{"type", "apiKey"},
                  {"description", "Bearer Token authentication"},
                  {"name", "authorization"},
                  {"in", "header"}}}}},
              {"security", json::array({json{{"BearerToken", json::array()}}})}};
}

}  // namespace orch::apiserver::openapi
