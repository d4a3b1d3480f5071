#include "common/client/rest_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/api/apps.h"
#include "common/api/config.h"
#include "common/api/lease.h"
#include "common/api/node.h"
#include "common/api/pod.h"
#include "tests/unit/client/client_fixture.h"

namespace orch::client {
namespace {

using api::ConfigMap;
using testing::ClientTest;
using testing::eventually;

ConfigMap configMap(const std::string& name, std::map<std::string, std::string> data,
                    std::map<std::string, std::string> labels = {}) {
  ConfigMap cm;
  cm.metadata.name = name;
  cm.metadata.namespace_ = "default";
  cm.metadata.labels = std::move(labels);
  cm.data = std::move(data);
  return cm;
}

TEST(RestPaths, CoreGroupedNamespacedAndClusterScoped) {
  EXPECT_EQ(resourcePath("", "v1", "pods", true, "default", "web", "status"),
            "/api/v1/namespaces/default/pods/web/status");
  EXPECT_EQ(resourcePath("", "v1", "pods", true, ""), "/api/v1/pods");
  EXPECT_EQ(resourcePath("apps", "v1", "deployments", true, "ns", "d"),
            "/apis/apps/v1/namespaces/ns/deployments/d");
  EXPECT_EQ(resourcePath("", "v1", "nodes", false, "ignored", "n1"), "/api/v1/nodes/n1");
  EXPECT_EQ(resourcePath("coordination.k8s.io", "v1", "leases", true, "kube-system"),
            "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases");
  ListOptions lo;
  lo.labelSelector = "app=web,tier in (a,b)";
  lo.limit = 10;
  lo.continue_ = "tok";
  EXPECT_EQ(listQuery(lo),
            "?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&limit=10&continue=tok");
  WatchOptions wo;
  wo.resourceVersion = "42";
  wo.timeoutSeconds = 300;
  EXPECT_EQ(watchQuery(wo),
            "?watch=1&resourceVersion=42&allowWatchBookmarks=true&timeoutSeconds=300");
}

TEST_F(ClientTest, CreateGetUpdateDelete) {
  auto created = client_->create(configMap("cfg", {{"a", "1"}}));
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_FALSE(created->metadata.resourceVersion.empty());
  EXPECT_EQ(created->data.at("a"), "1");

  auto got = client_->get<ConfigMap>("default", "cfg");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->metadata.uid, created->metadata.uid);

  ConfigMap changed = *got;
  changed.data["b"] = "2";
  auto updated = client_->update(changed);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_NE(updated->metadata.resourceVersion, got->metadata.resourceVersion);
  EXPECT_EQ(updated->data.at("b"), "2");

  // A write based on the old version loses the race.
  auto stale = client_->update(*got);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(isConflict(stale.status())) << stale.status().message();
  EXPECT_FALSE(isAlreadyExists(stale.status()));

  auto again = client_->create(configMap("cfg", {}));
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(isAlreadyExists(again.status())) << again.status().message();
  EXPECT_FALSE(isConflict(again.status()));
  EXPECT_NE(again.status().message().find("already exists"), std::string::npos);

  EXPECT_TRUE(client_->remove<ConfigMap>("default", "cfg").isOk());
  auto gone = client_->get<ConfigMap>("default", "cfg");
  ASSERT_FALSE(gone.ok());
  EXPECT_TRUE(isNotFound(gone.status()));
  EXPECT_NE(gone.status().message().find("GET /api/v1/namespaces/default/configmaps/cfg: 404 "
                                         "NotFound"),
            std::string::npos)
      << gone.status().message();
  EXPECT_TRUE(isNotFound(client_->remove<ConfigMap>("default", "cfg")));
}

TEST_F(ClientTest, NamespaceDefaultsToTheConfigs) {
  ConfigMap cm = configMap("x", {});
  cm.metadata.namespace_.clear();
  auto created = client_->create(cm);
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->metadata.namespace_, "default");
  EXPECT_TRUE(client_->get<ConfigMap>("", "x").ok());
}

TEST_F(ClientTest, DeletePreconditionsAndOptions) {
  auto created = client_->create(configMap("cfg", {}));
  ASSERT_TRUE(created.ok());
  DeleteOptions o;
  o.preconditionUid = "someone-else";
  EXPECT_TRUE(isConflict(client_->remove<ConfigMap>("default", "cfg", o)));
  o.preconditionUid = created->metadata.uid;
  o.preconditionResourceVersion = created->metadata.resourceVersion;
  o.gracePeriodSeconds = 0;
  o.propagationPolicy = "Foreground";
  EXPECT_TRUE(client_->remove<ConfigMap>("default", "cfg", o).isOk());
  auto body = nlohmann::json::parse(deleteBody(o));
  EXPECT_EQ(body["gracePeriodSeconds"], 0);
  EXPECT_EQ(body["propagationPolicy"], "Foreground");
  EXPECT_EQ(body["preconditions"]["uid"], created->metadata.uid);
}

TEST_F(ClientTest, MergeAndJsonPatch) {
  ASSERT_TRUE(client_->create(configMap("cfg", {{"a", "1"}, {"b", "2"}})).ok());
  auto merged = client_->patch<ConfigMap>("default", "cfg", R"({"data":{"a":"9","b":null}})");
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(merged->data, (std::map<std::string, std::string>{{"a", "9"}}));
  auto patched = client_->patch<ConfigMap>(
      "default", "cfg", R"([{"op":"add","path":"/data/c","value":"3"}])", PatchType::kJson);
  ASSERT_TRUE(patched.ok()) << patched.status().message();
  EXPECT_EQ(patched->data.at("c"), "3");
  EXPECT_EQ(server_.requestCount("PATCH"), 2);
  auto missing = client_->patch<ConfigMap>("default", "nope", "{}");
  EXPECT_TRUE(isNotFound(missing.status()));
}

TEST_F(ClientTest, UpdateStatusUsesTheSubresource) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  api::Container c;
  c.name = "app";
  c.image = "busybox";
  pod.spec.containers.push_back(c);
  auto created = client_->create(pod);
  ASSERT_TRUE(created.ok()) << created.status().message();
  api::Pod p = *created;
  p.status.phase = "Running";
  auto updated = client_->updateStatus(p);
  ASSERT_TRUE(updated.ok()) << updated.status().message();
  EXPECT_EQ(updated->status.phase, "Running");
  EXPECT_EQ(server_.requestCount("PUT", "/api/v1/namespaces/default/pods/web/status"), 1);
  auto status_patch = client_->patch<api::Pod>("default", "web", R"({"status":{"phase":"Failed"}})",
                                               PatchType::kMerge, "status");
  ASSERT_TRUE(status_patch.ok()) << status_patch.status().message();
  EXPECT_EQ(status_patch->status.phase, "Failed");
}

TEST_F(ClientTest, ClusterScopedAndGroupedKinds) {
  api::Node n;
  n.metadata.name = "node-1";
  n.metadata.namespace_ = "ignored";
  ASSERT_TRUE(client_->create(n).ok());
  EXPECT_TRUE(server_.get("/api/v1/nodes/node-1").has_value());
  api::Deployment d;
  d.metadata.name = "web";
  d.metadata.namespace_ = "prod";
  ASSERT_TRUE(client_->create(d).ok());
  EXPECT_TRUE(server_.get("/apis/apps/v1/namespaces/prod/deployments/web").has_value());
  auto got = client_->get<api::Deployment>("prod", "web");
  ASSERT_TRUE(got.ok()) << got.status().message();
}

TEST_F(ClientTest, ListWithSelectorsAndPages) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(
        client_
            ->create(configMap("cm" + std::to_string(i), {}, {{"app", i % 2 == 0 ? "web" : "db"}}))
            .ok());
  }
  ConfigMap other = configMap("elsewhere", {});
  other.metadata.namespace_ = "other";
  ASSERT_TRUE(client_->create(other).ok());

  auto all = client_->list<ConfigMap>("default");
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->items.size(), 5u);
  EXPECT_EQ(all->metadata.resourceVersion, std::to_string(server_.resourceVersion()));
  auto everywhere = client_->list<ConfigMap>("");
  ASSERT_TRUE(everywhere.ok());
  EXPECT_EQ(everywhere->items.size(), 6u);

  ListOptions sel;
  sel.labelSelector = "app=web";
  auto web = client_->list<ConfigMap>("default", sel);
  ASSERT_TRUE(web.ok());
  EXPECT_EQ(web->items.size(), 3u);
  sel.labelSelector = "app in (db)";
  EXPECT_EQ(client_->list<ConfigMap>("default", sel)->items.size(), 2u);
  ListOptions byName;
  byName.fieldSelector = "metadata.name=cm3";
  auto one = client_->list<ConfigMap>("default", byName);
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0].metadata.name, "cm3");

  ListOptions page;
  page.limit = 2;
  std::vector<std::string> names;
  int pages = 0;
  while (true) {
    auto p = client_->list<ConfigMap>("default", page);
    ASSERT_TRUE(p.ok());
    ++pages;
    for (auto& it : p->items) names.push_back(it.metadata.name);
    if (p->metadata.continue_.empty()) break;
    page.continue_ = p->metadata.continue_;
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"cm0", "cm1", "cm2", "cm3", "cm4"}));
}

TEST_F(ClientTest, ErrorMapping) {
  using Inj = orch::testing::FakeApiServer::InjectedError;
  server_.injectError(Inj{.method = "GET", .code = 410, .reason = "Gone", .message = "gone"});
  auto r = client_->get<ConfigMap>("default", "x");
  EXPECT_TRUE(isGone(r.status())) << r.status().message();

  nlohmann::json invalid = {
      {"kind", "Status"},
      {"apiVersion", "v1"},
      {"status", "Failure"},
      {"reason", "Invalid"},
      {"code", 422},
      {"message", "ConfigMap \"x\" is invalid"},
      {"details",
       {{"name", "x"},
        {"kind", "ConfigMap"},
        {"causes",
         {{{"reason", "FieldValueInvalid"}, {"message", "bad key"}, {"field", "data[a b]"}},
          {{"reason", "FieldValueRequired"},
           {"message", "Required value"},
           {"field", "metadata.name"}}}}}}};
  server_.injectError(Inj{.method = "POST", .code = 422, .body = invalid});
  auto c = client_->create(configMap("x", {}));
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(isInvalid(c.status()));
  EXPECT_NE(c.status().message().find("data[a b]: bad key"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("metadata.name: Required value"), std::string::npos);

  server_.injectError(Inj{.code = 429, .reason = "TooManyRequests", .retryAfterSeconds = 3});
  r = client_->get<ConfigMap>("default", "x");
  EXPECT_TRUE(isTooManyRequests(r.status())) << r.status().message();
  EXPECT_NE(r.status().message().find("retry after 3s"), std::string::npos);

  server_.injectError(Inj{.code = 500, .body = nlohmann::json("not a status")});
  r = client_->get<ConfigMap>("default", "x");
  EXPECT_EQ(r.status().code(), EIO);
  server_.injectError(Inj{.code = 403, .reason = "Forbidden"});
  EXPECT_TRUE(isForbidden(client_->get<ConfigMap>("default", "x").status()));

  // A body that is not the asked-for type: EINVAL naming the field.
  ASSERT_TRUE(server_
                  .create("/api/v1/namespaces/default/configmaps",
                          {{"metadata", {{"name", "bad"}}}, {"data", {{"k", 5}}}})
                  .ok());
  auto bad = client_->get<ConfigMap>("default", "bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("data.k"), std::string::npos) << bad.status().message();
}

TEST_F(ClientTest, TooManyRequestsIsRetriedAfterRetryAfter) {
  RestClient::Options o;
  o.maxRetries = 2;
  auto retrying = makeClient(o);
  ASSERT_TRUE(client_->create(configMap("cfg", {})).ok());
  server_.injectError({.method = "GET",
                       .code = 429,
                       .reason = "TooManyRequests",
                       .retryAfterSeconds = 1,
                       .times = 1});
  auto r = retrying->get<ConfigMap>("default", "cfg");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(server_.requestCount("GET", "/configmaps/cfg"), 2);
}

TEST_F(ClientTest, ConnectionRefusedIsATransportError) {
  RestConfig cfg;
  cfg.server = "http://127.0.0.1:1";
  auto c = RestClient::create(cfg);
  ASSERT_TRUE(c.ok());
  auto r = (*c)->get<ConfigMap>("default", "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ECONNREFUSED) << r.status().message();
}

TEST_F(ClientTest, KeepAliveReusesOneConnectionAndConcurrentCallersWork) {
  ASSERT_TRUE(client_->create(configMap("cfg", {})).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client_->get<ConfigMap>("default", "cfg").ok());
  EXPECT_EQ(server_.connectionsAccepted(), 1);
  EXPECT_EQ(client_->http().connectionsOpened(), 1u);

  std::atomic<int> ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (client_->get<ConfigMap>("default", "cfg").ok()) ++ok;
      }
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_LE(client_->http().connectionsOpened(), 5u);
}

TEST_F(ClientTest, StaleKeepAliveConnectionIsRetriedOnAFreshOne) {
  ASSERT_TRUE(client_->create(configMap("cfg", {})).ok());
  ASSERT_EQ(server_.connectionsAccepted(), 1);
  // The server closes the idle keep-alive connection; the next call notices and reconnects.
  server_.closeConnections();
  auto r = client_->get<ConfigMap>("default", "cfg");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(server_.connectionsAccepted(), 2);
}

}  // namespace
}  // namespace orch::client
