// Deletion: preconditions, graceful pod deletion, finalizers, namespaces; delete collection.

#include <thread>

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

const std::string kPods = "/api/v1/namespaces/default/pods";

TEST_F(RegistryTest, UnscheduledPodsGoAtOnceScheduledOnesGracefully) {
  ASSERT_EQ(post(kPods, pod("pending")).status, 201);
  EXPECT_EQ(del(kPods + "/pending").status, 200);
  EXPECT_EQ(get(kPods + "/pending").status, 404);

  ASSERT_EQ(post(kPods, pod("running", "node-1")).status, 201);
  Answer marked = del(kPods + "/running");
  ASSERT_EQ(marked.status, 200) << marked.text;
  EXPECT_TRUE(marked.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(marked.body["metadata"]["deletionGracePeriodSeconds"], 30);
  // Still there until the node confirms with grace 0.
  EXPECT_EQ(get(kPods + "/running").status, 200);
  // A longer grace period does not extend it; a shorter one shortens it.
  EXPECT_EQ(
      del(kPods + "/running?gracePeriodSeconds=60").body["metadata"]["deletionGracePeriodSeconds"],
      30);
  EXPECT_EQ(
      del(kPods + "/running?gracePeriodSeconds=5").body["metadata"]["deletionGracePeriodSeconds"],
      5);
  EXPECT_EQ(del(kPods + "/running", R"({"gracePeriodSeconds":0})").status, 200);
  EXPECT_EQ(get(kPods + "/running").status, 404);
}

TEST_F(RegistryTest, DeletePreconditions) {
  Answer c = post(kPods, pod("web"));
  Answer wrong = del(kPods + "/web", R"({"preconditions":{"uid":"not-it"}})");
  EXPECT_EQ(wrong.status, 409);
  EXPECT_NE(wrong.text.find("Precondition failed"), std::string::npos);
  api::Json opts = {{"preconditions",
                     {{"uid", c.body["metadata"]["uid"]},
                      {"resourceVersion", c.body["metadata"]["resourceVersion"]}}}};
  EXPECT_EQ(del(kPods + "/web", opts.dump()).status, 200);
  EXPECT_EQ(del(kPods + "/web").status, 404);
  EXPECT_EQ(del(kPods + "/x?propagationPolicy=Sideways").status, 400);
}

TEST_F(RegistryTest, FinalizersHoldTheObjectUntilRemoved) {
  api::Json cm = {{"apiVersion", "v1"},
                  {"kind", "ConfigMap"},
                  {"metadata", {{"name", "held"}, {"finalizers", {"example.com/hold"}}}}};
  const std::string path = "/api/v1/namespaces/default/configmaps";
  ASSERT_EQ(post(path, cm).status, 201);
  Answer d = del(path + "/held");
  ASSERT_EQ(d.status, 200);
  EXPECT_TRUE(d.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(get(path + "/held").status, 200);
  Answer released =
      patch(path + "/held", "application/merge-patch+json", R"({"metadata":{"finalizers":null}})");
  EXPECT_EQ(released.status, 200) << released.text;
  EXPECT_EQ(get(path + "/held").status, 404);
}

TEST_F(RegistryTest, DeleteCollectionBySelector) {
  ASSERT_EQ(post(kPods, pod("a")).status, 201);
  api::Json b = pod("b");
  b["metadata"]["labels"]["app"] = "db";
  ASSERT_EQ(post(kPods, b).status, 201);
  Answer d = del(kPods + "?labelSelector=app%3Dweb");
  ASSERT_EQ(d.status, 200) << d.text;
  EXPECT_EQ(d.body["items"].size(), 1u);
  EXPECT_EQ(get(kPods + "/a").status, 404);
  EXPECT_EQ(get(kPods + "/b").status, 200);
}

TEST_F(RegistryTest, NamespaceDeletionEmptiesItThenRemovesIt) {
  ASSERT_EQ(post("/api/v1/namespaces", api::Json{{"metadata", {{"name", "team"}}}}).status, 201);
  Answer ns = get("/api/v1/namespaces/team");
  EXPECT_EQ(ns.body["status"]["phase"], "Active");
  EXPECT_EQ(ns.body["spec"]["finalizers"], api::Json({"kubernetes"}));
  ASSERT_EQ(post("/api/v1/namespaces/team/pods", pod("p")).status, 201);
  ASSERT_EQ(
      post("/api/v1/namespaces/team/configmaps", api::Json{{"metadata", {{"name", "c"}}}}).status,
      201);
  Answer d = del("/api/v1/namespaces/team");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body["status"]["phase"], "Terminating");
  // New content is refused while it terminates.
  Answer refused =
      post("/api/v1/namespaces/team/configmaps", api::Json{{"metadata", {{"name", "late"}}}});
  if (refused.status != 404) {  // unless it is already gone
    EXPECT_EQ(refused.status, 403);
  }
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = get("/api/v1/namespaces/team").status == 404;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone);
  EXPECT_EQ(get("/api/v1/namespaces/team/pods/p").status, 404);
  EXPECT_EQ(get("/api/v1/namespaces/team/configmaps/c").status, 404);
}

TEST_F(RegistryTest, SystemNamespacesExist) {
  for (const char* ns : {"default", "kube-system", "kube-public", "kube-node-lease"})
    EXPECT_EQ(get(std::string("/api/v1/namespaces/") + ns).status, 200) << ns;
}

TEST_F(RegistryTest, DryRunWritesNothing) {
  const int64_t before = store_->currentRevision().value();
  Answer a = call("POST", kPods + "?dryRun=All", pod("dry").dump());
  EXPECT_EQ(a.status, 200) << a.text;
  EXPECT_EQ(a.body["metadata"]["name"], "dry");
  EXPECT_EQ(get(kPods + "/dry").status, 404);
  EXPECT_EQ(store_->currentRevision().value(), before);
  EXPECT_EQ(call("POST", kPods + "?dryRun=Some", pod("dry").dump()).status, 400);
}

}  // namespace
}  // namespace orch::apiserver::testing

namespace orch::apiserver::testing {
namespace {

// A ReplicaSet owning two pods (one of which has a second, live owner).
class GcTest : public RegistryTest {
 protected:
  void SetUp() override {
    RegistryTest::SetUp();
    api::Json rs = {{"apiVersion", "apps/v1"},
                    {"kind", "ReplicaSet"},
                    {"metadata", {{"name", "rs"}}},
                    {"spec",
                     {{"selector", {{"matchLabels", {{"app", "web"}}}}},
                      {"template",
                       {{"metadata", {{"labels", {{"app", "web"}}}}},
                        {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}}}};
    Answer a = post("/apis/apps/v1/namespaces/default/replicasets", rs);
    ASSERT_EQ(a.status, 201) << a.text;
    rs_uid_ = a.body["metadata"]["uid"];
    Answer cm =
        post("/api/v1/namespaces/default/configmaps", api::Json{{"metadata", {{"name", "other"}}}});
    ASSERT_EQ(cm.status, 201);
    for (const char* name : {"p1", "p2"}) {
      api::Json p = pod(name);
      p["metadata"]["ownerReferences"] = {{{"apiVersion", "apps/v1"},
                                           {"kind", "ReplicaSet"},
                                           {"name", "rs"},
                                           {"uid", rs_uid_},
                                           {"controller", true}}};
      if (std::string(name) == "p2")
        p["metadata"]["ownerReferences"].push_back({{"apiVersion", "v1"},
                                                    {"kind", "ConfigMap"},
                                                    {"name", "other"},
                                                    {"uid", cm.body["metadata"]["uid"]}});
      ASSERT_EQ(post(kPods, p).status, 201);
    }
  }
  bool eventually(const std::function<bool()>& cond) {
    for (int i = 0; i < 100; ++i) {
      if (cond()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return cond();
  }
  std::string rs_uid_;
};

TEST_F(GcTest, BackgroundDeletesDependentsWithoutOtherOwners) {
  ASSERT_EQ(del("/apis/apps/v1/namespaces/default/replicasets/rs").status, 200);
  EXPECT_TRUE(eventually([&] { return get(kPods + "/p1").status == 404; }));
  // p2 has a live owner: it stays and loses only the dangling reference.
  EXPECT_TRUE(eventually(
      [&] { return get(kPods + "/p2").body["metadata"]["ownerReferences"].size() == 1; }));
  EXPECT_EQ(get(kPods + "/p2").body["metadata"]["ownerReferences"][0]["kind"], "ConfigMap");
}

TEST_F(GcTest, OrphanKeepsDependentsAndDropsTheirReferences) {
  Answer d = del("/apis/apps/v1/namespaces/default/replicasets/rs?propagationPolicy=Orphan");
  ASSERT_EQ(d.status, 200);
  EXPECT_TRUE(eventually(
      [&] { return get("/apis/apps/v1/namespaces/default/replicasets/rs").status == 404; }));
  Answer p1 = get(kPods + "/p1");
  ASSERT_EQ(p1.status, 200);
  EXPECT_FALSE(p1.body["metadata"].contains("ownerReferences")) << p1.text;
}

TEST_F(GcTest, ForegroundWaitsForDependents) {
  Answer d = del("/apis/apps/v1/namespaces/default/replicasets/rs",
                 R"({"propagationPolicy":"Foreground"})");
  ASSERT_EQ(d.status, 200);
  EXPECT_EQ(d.body["metadata"]["finalizers"], api::Json({"foregroundDeletion"}));
  EXPECT_TRUE(eventually(
      [&] { return get("/apis/apps/v1/namespaces/default/replicasets/rs").status == 404; }));
  EXPECT_EQ(get(kPods + "/p1").status, 404);
}

}  // namespace
}  // namespace orch::apiserver::testing
