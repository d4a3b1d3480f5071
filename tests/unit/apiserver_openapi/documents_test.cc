// The OpenAPI definitions and documents of orch-apiserver: upstream names, the kind
// extensions kubectl looks for, operations and their parameters, and the HTTP handlers
// (ETag, hash, 304, 301, 406).

#include <gtest/gtest.h>

#include <set>

#include "controlplane/apiserver/openapi/definitions.h"
#include "controlplane/apiserver/openapi/documents.h"
#include "controlplane/apiserver/openapi/openapi.h"
#include "controlplane/apiserver/openapi/schema_tables.h"
#include "controlplane/apiserver/resources.h"

namespace orch::apiserver::openapi {
namespace {

using nlohmann::json;

const Definitions& v3Defs() {
  static const Definitions d = buildDefinitions(Flavor::kV3);
  return d;
}
const Definitions& v2Defs() {
  static const Definitions d = buildDefinitions(Flavor::kV2);
  return d;
}

// Every "$ref" inside `j`.
void collectRefs(const json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) {
        out.push_back(it->get<std::string>());
      } else {
        collectRefs(*it, out);
      }
    }
  } else if (j.is_array()) {
    for (const json& e : j) collectRefs(e, out);
  }
}

TEST(DefinitionsTest, UpstreamNames) {
  EXPECT_EQ(definitionName("Container"), "io.k8s.api.core.v1.Container");
  EXPECT_EQ(definitionName("ObjectMeta"), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
  EXPECT_EQ(definitionName("ApiStatus"), "io.k8s.apimachinery.pkg.apis.meta.v1.Status");
  EXPECT_EQ(definitionName("Deployment"), "io.k8s.api.apps.v1.Deployment");
  EXPECT_EQ(definitionName("SlicePort"), "io.k8s.api.discovery.v1.EndpointPort");
  EXPECT_EQ(definitionName("IntOrString"), "io.k8s.apimachinery.pkg.util.intstr.IntOrString");
  EXPECT_EQ(definitionName("Quantity"), "io.k8s.apimachinery.pkg.api.resource.Quantity");
  EXPECT_EQ(packageOf("rbac.authorization.k8s.io", "v1"), "io.k8s.api.rbac.v1");
  EXPECT_EQ(packageOf("coordination.k8s.io", "v1"), "io.k8s.api.coordination.v1");
}

TEST(DefinitionsTest, EveryServedKindHasASchemaAndAList) {
  for (const ResourceInfo& r : resources()) {
    const KindSchema* k = v3Defs().findKind(r.group, r.version, r.kind);
    ASSERT_NE(k, nullptr) << r.kind;
    const json& def = v3Defs().schemas.at(k->definition);
    EXPECT_EQ(def.at("x-kubernetes-group-version-kind"),
              (json::array({{{"group", r.group}, {"kind", r.kind}, {"version", r.version}}})))
        << r.kind;
    const json& list = v3Defs().schemas.at(k->list_definition);
    EXPECT_EQ(list.at("x-kubernetes-group-version-kind")[0].at("kind"), r.kind + "List");
    EXPECT_EQ(list.at("properties").at("items").at("items").at("$ref"),
              "#/components/schemas/" + k->definition);
  }
  EXPECT_EQ(v3Defs().findKind("", "v1", "Pod")->definition, "io.k8s.api.core.v1.Pod");
  EXPECT_EQ(v3Defs().findKind("apps", "v1", "Deployment")->list_definition,
            "io.k8s.api.apps.v1.DeploymentList");
}

TEST(DefinitionsTest, EveryDefinitionHasAnUpstreamNameAndEveryRefResolves) {
  for (const Definitions* d : {&v3Defs(), &v2Defs()}) {
    const std::string prefix = refPrefix(d->flavor);
    std::vector<std::string> refs;
    for (const auto& [name, schema] : d->schemas) {
      EXPECT_EQ(name.rfind("io.k8s.", 0), 0u) << name;
      collectRefs(schema, refs);
    }
    for (const std::string& r : refs) {
      ASSERT_EQ(r.rfind(prefix, 0), 0u) << r;
      EXPECT_TRUE(d->schemas.count(r.substr(prefix.size()))) << r;
    }
  }
}

TEST(DefinitionsTest, RequiredDescriptionsAndMergeRules) {
  const auto& s = v3Defs().schemas;
  const json& container = s.at("io.k8s.api.core.v1.Container");
  EXPECT_EQ(container.at("required"), json::array({"name"}));
  EXPECT_FALSE(container.at("description").get<std::string>().empty());
  const json& pod_spec = s.at("io.k8s.api.core.v1.PodSpec");
  const json& containers = pod_spec.at("properties").at("containers");
  EXPECT_EQ(containers.at("type"), "array");
  EXPECT_EQ(containers.at("x-kubernetes-patch-strategy"), "merge");
  EXPECT_EQ(containers.at("x-kubernetes-patch-merge-key"), "name");
  EXPECT_EQ(containers.at("x-kubernetes-list-type"), "map");
  EXPECT_EQ(containers.at("x-kubernetes-list-map-keys"), json::array({"name"}));
  EXPECT_EQ(containers.at("items").at("$ref"), "#/components/schemas/io.k8s.api.core.v1.Container");
  const json& ports = container.at("properties").at("ports");
  EXPECT_EQ(ports.at("x-kubernetes-patch-merge-key"), "containerPort");
  EXPECT_EQ(ports.at("x-kubernetes-list-map-keys"), json::array({"containerPort", "protocol"}));

  // A described $ref is wrapped in allOf in OpenAPI 3 (siblings of $ref are ignored there),
  // and stays a sibling in Swagger 2.0, as upstream's documents have it.
  const json& spec3 = s.at("io.k8s.api.core.v1.Pod").at("properties").at("spec");
  EXPECT_EQ(spec3.at("allOf"),
            json::array({{{"$ref", "#/components/schemas/io.k8s.api.core.v1.PodSpec"}}}));
  EXPECT_FALSE(spec3.at("description").get<std::string>().empty());
  const json& spec2 = v2Defs().schemas.at("io.k8s.api.core.v1.Pod").at("properties").at("spec");
  EXPECT_EQ(spec2.at("$ref"), "#/definitions/io.k8s.api.core.v1.PodSpec");

  // managedFields as upstream types it, not as the free-form JSON orch keeps it in.
  const json& mf =
      s.at("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").at("properties").at("managedFields");
  EXPECT_EQ(mf.at("type"), "array");
  EXPECT_EQ(mf.at("items").at("$ref"),
            "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ManagedFieldsEntry");
  // One C++ struct, two upstream types: each field refers to its upstream name.
  const json& anti = s.at("io.k8s.api.core.v1.Affinity").at("properties").at("podAntiAffinity");
  EXPECT_EQ(anti.at("$ref"), "#/components/schemas/io.k8s.api.core.v1.PodAntiAffinity");
  EXPECT_EQ(s.at("io.k8s.api.core.v1.PodAntiAffinity").at("properties"),
            s.at("io.k8s.api.core.v1.PodAffinity").at("properties"));
  EXPECT_EQ(s.at("io.k8s.api.apps.v1.DaemonSetStatus")
                .at("properties")
                .at("conditions")
                .at("items")
                .at("$ref"),
            "#/components/schemas/io.k8s.api.apps.v1.DaemonSetCondition");
  EXPECT_EQ(s.at("io.k8s.api.apps.v1.DaemonSetCondition").at("required"),
            json::array({"type", "status"}));
  // Only fields that exist are required.
  for (const auto& [name, def] : s) {
    if (!def.contains("required")) continue;
    for (const json& r : def.at("required")) {
      EXPECT_TRUE(def.at("properties").contains(r.get<std::string>())) << name << " " << r;
    }
  }
}

const json& operation(const json& doc, const std::string& path, const std::string& method) {
  static const json kNull;
  auto p = doc.at("paths").find(path);
  if (p == doc.at("paths").end() || !p->contains(method)) return kNull;
  return p->at(method);
}

bool hasParam(const json& op, const std::string& name) {
  if (!op.contains("parameters")) return false;
  for (const json& p : op.at("parameters")) {
    if (p.at("name") == name && p.at("in") == "query") return true;
  }
  return false;
}

TEST(DocumentsTest, CoreV1OperationsCarryKindAndFieldValidation) {
  json doc = openApiV3Document(v3Defs(), {"", "v1"});
  EXPECT_EQ(doc.at("openapi"), "3.0.0");
  const json pod_gvk = {{"group", ""}, {"kind", "Pod"}, {"version", "v1"}};

  const json& patch = operation(doc, "/api/v1/namespaces/{namespace}/pods/{name}", "patch");
  ASSERT_FALSE(patch.is_null());
  EXPECT_EQ(patch.at("x-kubernetes-group-version-kind"), pod_gvk);
  EXPECT_EQ(patch.at("x-kubernetes-action"), "patch");
  EXPECT_TRUE(hasParam(patch, "fieldValidation"));
  EXPECT_TRUE(hasParam(patch, "fieldManager"));
  EXPECT_TRUE(hasParam(patch, "force"));
  EXPECT_TRUE(
      patch.at("requestBody").at("content").contains("application/strategic-merge-patch+json"));
  EXPECT_EQ(patch.at("operationId"), "patchCoreV1NamespacedPod");

  const json& create = operation(doc, "/api/v1/namespaces/{namespace}/pods", "post");
  ASSERT_FALSE(create.is_null());
  EXPECT_TRUE(hasParam(create, "fieldValidation"));
  EXPECT_EQ(create.at("requestBody").at("content").at("*/*").at("schema").at("$ref"),
            "#/components/schemas/io.k8s.api.core.v1.Pod");
  EXPECT_EQ(create.at("responses").at("201").at("content").at("application/json").at("schema"),
            (json{{"$ref", "#/components/schemas/io.k8s.api.core.v1.Pod"}}));

  const json& put = operation(doc, "/api/v1/namespaces/{namespace}/pods/{name}", "put");
  EXPECT_TRUE(hasParam(put, "fieldValidation"));
  const json& list = operation(doc, "/api/v1/namespaces/{namespace}/pods", "get");
  EXPECT_TRUE(hasParam(list, "labelSelector"));
  EXPECT_TRUE(hasParam(list, "watch"));
  EXPECT_EQ(list.at("x-kubernetes-action"), "list");
  EXPECT_EQ(list.at("responses").at("200").at("content").at("application/json").at("schema"),
            (json{{"$ref", "#/components/schemas/io.k8s.api.core.v1.PodList"}}));
  EXPECT_FALSE(operation(doc, "/api/v1/pods", "get").is_null());
  EXPECT_FALSE(
      operation(doc, "/api/v1/namespaces/{namespace}/pods/{name}/status", "patch").is_null());
  EXPECT_FALSE(operation(doc, "/api/v1/watch/namespaces/{namespace}/pods", "get").is_null());
  // Cluster-scoped kinds have no namespace segment.
  const json& node = operation(doc, "/api/v1/nodes/{name}", "get");
  ASSERT_FALSE(node.is_null());
  EXPECT_EQ(node.at("x-kubernetes-group-version-kind").at("kind"), "Node");
  // Services have no deletecollection, as upstream.
  EXPECT_TRUE(operation(doc, "/api/v1/namespaces/{namespace}/services", "delete").is_null());
  EXPECT_FALSE(operation(doc, "/api/v1/namespaces/{namespace}/pods", "delete").is_null());

  // The path-level parameters.
  const json& item = doc.at("paths").at("/api/v1/namespaces/{namespace}/pods/{name}");
  std::set<std::string> names;
  for (const json& p : item.at("parameters")) names.insert(p.at("name").get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"name", "namespace", "pretty"}));

  // Only the core group's kinds, and everything they reference.
  const json& schemas = doc.at("components").at("schemas");
  EXPECT_TRUE(schemas.contains("io.k8s.api.core.v1.Pod"));
  EXPECT_TRUE(schemas.contains("io.k8s.api.core.v1.Container"));
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"));
  EXPECT_TRUE(schemas.contains("io.k8s.apimachinery.pkg.apis.meta.v1.Status"));
  EXPECT_FALSE(schemas.contains("io.k8s.api.apps.v1.Deployment"));
  std::vector<std::string> refs;
  collectRefs(doc, refs);
  for (const std::string& r : refs) {
    ASSERT_EQ(r.rfind("#/components/schemas/", 0), 0u) << r;
    EXPECT_TRUE(schemas.contains(r.substr(21))) << r;
  }
}

TEST(DocumentsTest, EveryGroupVersionHasADocument) {
  std::vector<GroupVersion> gvs = servedGroupVersions();
  ASSERT_FALSE(gvs.empty());
  EXPECT_EQ(openApiV3Key(gvs[0]), "api/v1");
  std::set<std::string> keys;
  for (const GroupVersion& gv : gvs) keys.insert(openApiV3Key(gv));
  EXPECT_TRUE(keys.count("apis/apps/v1"));
  EXPECT_TRUE(keys.count("apis/rbac.authorization.k8s.io/v1"));
  for (const GroupVersion& gv : gvs) {
    json doc = openApiV3Document(v3Defs(), gv);
    for (const ResourceInfo* r : resourcesOf(gv.group, gv.version)) {
      std::string path = "/" + openApiV3Key(gv) +
                         (r->namespaced ? "/namespaces/{namespace}/" : "/") + r->plural + "/{name}";
      const json& patch = operation(doc, path, "patch");
      ASSERT_FALSE(patch.is_null()) << path;
      EXPECT_EQ(patch.at("x-kubernetes-group-version-kind").at("kind"), r->kind);
      EXPECT_TRUE(hasParam(patch, "fieldValidation")) << path;
    }
  }
  json apps = openApiV3Document(v3Defs(), {"apps", "v1"});
  EXPECT_EQ(
      operation(apps, "/apis/apps/v1/namespaces/{namespace}/deployments", "post").at("operationId"),
      "createAppsV1NamespacedDeployment");
  json rbac = openApiV3Document(v3Defs(), {"rbac.authorization.k8s.io", "v1"});
  EXPECT_EQ(operation(rbac, "/apis/rbac.authorization.k8s.io/v1/clusterroles", "get").at("tags"),
            json::array({"rbacAuthorization_v1"}));
}

TEST(DocumentsTest, SwaggerV2) {
  json doc = swaggerV2Document(v2Defs());
  EXPECT_EQ(doc.at("swagger"), "2.0");
  const json& create = operation(doc, "/apis/apps/v1/namespaces/{namespace}/deployments", "post");
  ASSERT_FALSE(create.is_null());
  bool body = false;
  for (const json& p : create.at("parameters")) {
    if (p.at("in") == "body") {
      body = true;
      EXPECT_EQ(p.at("schema").at("$ref"), "#/definitions/io.k8s.api.apps.v1.Deployment");
    }
  }
  EXPECT_TRUE(body);
  EXPECT_TRUE(hasParam(create, "fieldValidation"));
  EXPECT_EQ(create.at("responses").at("201").at("schema").at("$ref"),
            "#/definitions/io.k8s.api.apps.v1.Deployment");
  const json& patch = operation(doc, "/api/v1/namespaces/{namespace}/pods/{name}", "patch");
  EXPECT_EQ(patch.at("consumes").size(), 4u);
  std::vector<std::string> refs;
  collectRefs(doc, refs);
  for (const std::string& r : refs) {
    ASSERT_EQ(r.rfind("#/definitions/", 0), 0u) << r;
    EXPECT_TRUE(doc.at("definitions").contains(r.substr(14))) << r;
  }
}

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

Request get(const std::string& path, std::multimap<std::string, std::string> query = {},
            std::map<std::string, std::string> headers = {}) {
  Request req;
  req.method = "GET";
  req.path = path;
  req.query = std::move(query);
  req.headers = std::move(headers);
  return req;
}

TEST(HandlersTest, IndexLinksEveryDocumentByHash) {
  auto docs = buildOpenApiDocuments();
  Response index = serveOpenApiV3Index(*docs, get("/openapi/v3"));
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.content_type, "application/json");
  json j = json::parse(index.body);
  ASSERT_EQ(j.at("paths").size(), servedGroupVersions().size());
  for (const GroupVersion& gv : servedGroupVersions()) {
    std::string key = openApiV3Key(gv);
    const CachedDocument& doc = docs->v3.at(key);
    EXPECT_EQ(doc.etag.size(), 128u);  // SHA-512 in hex
    EXPECT_EQ(j.at("paths").at(key).at("serverRelativeURL"),
              "/openapi/v3/" + key + "?hash=" + doc.etag);
    EXPECT_EQ(json::parse(doc.body).at("openapi"), "3.0.0");
  }
}

TEST(HandlersTest, HashCachingRedirectAndNotModified) {
  auto docs = buildOpenApiDocuments();
  const CachedDocument& doc = docs->v3.at("apis/apps/v1");

  Response plain = serveOpenApiV3(*docs, "apis/apps/v1", get("/openapi/v3/apis/apps/v1"));
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, doc.body);
  EXPECT_EQ(header(plain, "ETag"), "\"" + doc.etag + "\"");
  EXPECT_EQ(header(plain, "Cache-Control"), "no-cache, private");

  Response hashed =
      serveOpenApiV3(*docs, "apis/apps/v1", get("/openapi/v3/apis/apps/v1", {{"hash", doc.etag}}));
  EXPECT_EQ(hashed.status, 200);
  EXPECT_EQ(header(hashed, "Cache-Control"), "public, immutable");
  EXPECT_NE(header(hashed, "Expires"), "");

  Response stale =
      serveOpenApiV3(*docs, "apis/apps/v1", get("/openapi/v3/apis/apps/v1", {{"hash", "ABC"}}));
  EXPECT_EQ(stale.status, 301);
  EXPECT_EQ(header(stale, "Location"), "/openapi/v3/apis/apps/v1?hash=" + doc.etag);

  Response cached = serveOpenApiV3(
      *docs, "apis/apps/v1",
      get("/openapi/v3/apis/apps/v1", {}, {{"if-none-match", "\"" + doc.etag + "\""}}));
  EXPECT_EQ(cached.status, 304);
  EXPECT_TRUE(cached.body.empty());

  EXPECT_EQ(serveOpenApiV3(*docs, "apis/nope/v1", get("/openapi/v3/apis/nope/v1")).status, 404);
}

TEST(HandlersTest, V2IsJsonOnly) {
  auto docs = buildOpenApiDocuments();
  Response json_doc =
      serveOpenApiV2(*docs, get("/openapi/v2", {}, {{"accept", "application/json"}}));
  EXPECT_EQ(json_doc.status, 200);
  EXPECT_EQ(json::parse(json_doc.body).at("swagger"), "2.0");
  // What kubectl asks for: protobuf only.
  Response pb = serveOpenApiV2(
      *docs, get("/openapi/v2", {},
                 {{"accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}}));
  EXPECT_EQ(pb.status, 406);
}

TEST(HandlersTest, AcceptsJson) {
  EXPECT_TRUE(acceptsJson(""));
  EXPECT_TRUE(acceptsJson("*/*"));
  EXPECT_TRUE(acceptsJson("application/json"));
  EXPECT_TRUE(acceptsJson("application/json, */*"));
  EXPECT_TRUE(
      acceptsJson("application/com.github.proto-openapi.spec.v3@v1.0+protobuf, "
                  "application/json;q=0.9"));
  EXPECT_TRUE(acceptsJson("Application/*"));
  EXPECT_FALSE(acceptsJson("application/com.github.proto-openapi.spec.v2@v1.0+protobuf"));
  EXPECT_FALSE(acceptsJson("application/json;q=0"));
  EXPECT_FALSE(acceptsJson("text/html"));
}

}  // namespace
}  // namespace orch::apiserver::openapi
