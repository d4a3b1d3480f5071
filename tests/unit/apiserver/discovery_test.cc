#include "controlplane/apiserver/discovery.h"

#include <gtest/gtest.h>

#include "controlplane/apiserver/resources.h"

namespace orch::apiserver {
namespace {

using nlohmann::json;

const json* findNamed(const json& list, const std::string& key, const std::string& name) {
  for (const json& e : list) {
    if (e.value(key, "") == name) return &e;
  }
  return nullptr;
}

TEST(DiscoveryTest, CoreResourceList) {
  json list = apiResourceList("", "v1");
  ASSERT_FALSE(list.is_null());
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["groupVersion"], "v1");
  const json& rs = list["resources"];
  const json* pods = findNamed(rs, "name", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ((*pods)["kind"], "Pod");
  EXPECT_EQ((*pods)["namespaced"], true);
  EXPECT_EQ((*pods)["shortNames"], json({"po"}));
  EXPECT_EQ((*pods)["categories"], json({"all"}));
  EXPECT_EQ((*pods)["verbs"], json({"create", "delete", "deletecollection", "get", "list", "patch",
                                    "update", "watch"}));
  const json* eviction = findNamed(rs, "name", "pods/eviction");
  ASSERT_NE(eviction, nullptr);
  EXPECT_EQ((*eviction)["group"], "policy");
  EXPECT_EQ((*eviction)["kind"], "Eviction");
  EXPECT_EQ((*eviction)["verbs"], json({"create"}));
  for (const char* name : {"pods/status", "pods/binding", "pods/log", "services/status",
                           "nodes/status", "namespaces/status", "resourcequotas/status"}) {
    EXPECT_NE(findNamed(rs, "name", name), nullptr) << name;
  }
  const json* nodes = findNamed(rs, "name", "nodes");
  ASSERT_NE(nodes, nullptr);
  EXPECT_EQ((*nodes)["namespaced"], false);
  std::map<std::string, std::string> shorts = {
      {"services", "svc"},  {"endpoints", "ep"},         {"nodes", "no"},
      {"namespaces", "ns"}, {"configmaps", "cm"},        {"serviceaccounts", "sa"},
      {"events", "ev"},     {"resourcequotas", "quota"}, {"limitranges", "limits"}};
  for (const auto& [name, short_name] : shorts) {
    const json* r = findNamed(rs, "name", name);
    ASSERT_NE(r, nullptr) << name;
    EXPECT_EQ((*r)["shortNames"], json({short_name})) << name;
  }
  EXPECT_NE(findNamed(rs, "name", "secrets"), nullptr);
  EXPECT_EQ(findNamed(rs, "name", "secrets")->count("shortNames"), 0u);
}

TEST(DiscoveryTest, NamedGroups) {
  json groups = apiGroupList();
  EXPECT_EQ(groups["kind"], "APIGroupList");
  for (const char* g :
       {"apps", "rbac.authorization.k8s.io", "coordination.k8s.io", "discovery.k8s.io"}) {
    const json* group = findNamed(groups["groups"], "name", g);
    ASSERT_NE(group, nullptr) << g;
    EXPECT_EQ((*group)["preferredVersion"]["groupVersion"], std::string(g) + "/v1");
  }
  json apps = apiResourceList("apps", "v1");
  const json* deploy = findNamed(apps["resources"], "name", "deployments");
  ASSERT_NE(deploy, nullptr);
  EXPECT_EQ((*deploy)["shortNames"], json({"deploy"}));
  const json* scale = findNamed(apps["resources"], "name", "deployments/scale");
  ASSERT_NE(scale, nullptr);
  EXPECT_EQ((*scale)["group"], "autoscaling");
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_NE(findNamed(apps["resources"], "name", "replicasets/scale"), nullptr);
  EXPECT_EQ(findNamed(apps["resources"], "name", "daemonsets/scale"), nullptr);
  EXPECT_NE(findNamed(apps["resources"], "name", "daemonsets/status"), nullptr);
  json rbac = apiResourceList("rbac.authorization.k8s.io", "v1");
  EXPECT_EQ(findNamed(rbac["resources"], "name", "clusterroles")->at("namespaced"), false);
  EXPECT_EQ(findNamed(rbac["resources"], "name", "roles")->at("namespaced"), true);
  EXPECT_TRUE(apiResourceList("batch", "v1").is_null());
  EXPECT_TRUE(apiGroup("batch").is_null());
}

TEST(DiscoveryTest, AggregatedDiscovery) {
  json core = aggregatedDiscovery(true);
  EXPECT_EQ(core["kind"], "APIGroupDiscoveryList");
  EXPECT_EQ(core["apiVersion"], "apidiscovery.k8s.io/v2");
  ASSERT_EQ(core["items"].size(), 1u);
  const json& v1 = core["items"][0]["versions"][0];
  EXPECT_EQ(v1["version"], "v1");
  const json* pods = findNamed(v1["resources"], "resource", "pods");
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ((*pods)["scope"], "Namespaced");
  EXPECT_EQ((*pods)["responseKind"]["kind"], "Pod");
  EXPECT_NE(findNamed((*pods)["subresources"], "subresource", "log"), nullptr);
  json named = aggregatedDiscovery(false);
  bool saw_apps = false;
  for (const json& item : named["items"]) saw_apps = saw_apps || item["metadata"]["name"] == "apps";
  EXPECT_TRUE(saw_apps);
}

TEST(DiscoveryTest, AcceptHeaderParsing) {
  // What kubectl 1.2x sends for /api and /apis.
  EXPECT_TRUE(acceptsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/"
      "json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"));
  EXPECT_FALSE(acceptsAggregatedDiscovery(
      "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/"
      "json"));
  EXPECT_FALSE(acceptsAggregatedDiscovery("application/json, */*"));
  EXPECT_FALSE(acceptsAggregatedDiscovery(""));
}

TEST(ResourcesTest, TableLookups) {
  const ResourceInfo* r = findResource("apps", "v1", "replicasets");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->kind, "ReplicaSet");
  EXPECT_EQ(r->groupVersion(), "apps/v1");
  EXPECT_EQ(findResource("", "v1", "replicasets"), nullptr);
  EXPECT_EQ(findResource("", "v1", "leases"), nullptr);
  EXPECT_NE(findResource("coordination.k8s.io", "v1", "leases"), nullptr);
  EXPECT_NE(findResource("discovery.k8s.io", "v1", "endpointslices"), nullptr);
}

}  // namespace
}  // namespace orch::apiserver
