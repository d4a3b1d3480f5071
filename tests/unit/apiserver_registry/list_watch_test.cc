// Lists with selectors and pagination; watches with initial events, filters and versions.

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

const std::string kPods = "/api/v1/namespaces/default/pods";

std::vector<std::string> names(const api::Json& list) {
  std::vector<std::string> out;
  for (const api::Json& i : list["items"]) out.push_back(i["metadata"]["name"]);
  return out;
}

TEST_F(RegistryTest, ListFiltersBySelectors) {
  ASSERT_EQ(post(kPods, pod("a", "node-1")).status, 201);
  ASSERT_EQ(post(kPods, pod("b", "node-2")).status, 201);
  api::Json c = pod("c", "node-1");
  c["metadata"]["labels"]["app"] = "db";
  ASSERT_EQ(post(kPods, c).status, 201);

  Answer all = get(kPods);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.body["kind"], "PodList");
  EXPECT_EQ(all.body["apiVersion"], "v1");
  EXPECT_EQ(names(all.body), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(all.body["metadata"]["resourceVersion"].get<std::string>().empty());

  EXPECT_EQ(names(get(kPods + "?fieldSelector=spec.nodeName%3Dnode-1").body),
            (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(names(get("/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1,metadata.name!%3Da").body),
            (std::vector<std::string>{"c"}));
  EXPECT_EQ(names(get(kPods + "?labelSelector=app%3Dweb").body),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(
      names(get(kPods + "?labelSelector=app+in+(db)&fieldSelector=status.phase%3DPending").body),
      (std::vector<std::string>{"c"}));
  Answer bad = get(kPods + "?fieldSelector=spec.color%3Dred");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.text.find("spec.color"), std::string::npos);
  EXPECT_EQ(get(kPods + "?labelSelector=%3D%3D%3D").status, 400);
  // Other namespaces are not in a namespaced list.
  EXPECT_EQ(names(get("/api/v1/namespaces/kube-system/pods").body).size(), 0u);
}

TEST_F(RegistryTest, ListPaginatesWithContinueAtOneRevision) {
  for (int i = 0; i < 7; ++i) ASSERT_EQ(post(kPods, pod("p" + std::to_string(i))).status, 201);
  Answer first = get(kPods + "?limit=3");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(names(first.body), (std::vector<std::string>{"p0", "p1", "p2"}));
  std::string token = first.body["metadata"]["continue"];
  ASSERT_FALSE(token.empty());
  // A write between pages does not show up: the pages read the first page's revision.
  ASSERT_EQ(post(kPods, pod("p3a")).status, 201);
  Answer second = get(kPods + "?limit=3&continue=" + token);
  EXPECT_EQ(names(second.body), (std::vector<std::string>{"p3", "p4", "p5"}));
  Answer third =
      get(kPods + "?limit=3&continue=" + std::string(second.body["metadata"]["continue"]));
  EXPECT_EQ(names(third.body), (std::vector<std::string>{"p6"}));
  EXPECT_FALSE(third.body["metadata"].contains("continue"));
  EXPECT_EQ(get(kPods + "?limit=3&continue=garbage").status, 400);
  // Filtered pages still fill up to the limit.
  Answer filtered = get(kPods + "?limit=2&fieldSelector=metadata.name!%3Dp1");
  EXPECT_EQ(names(filtered.body), (std::vector<std::string>{"p0", "p2"}));
}

TEST_F(RegistryTest, WatchSendsInitialStateThenChanges) {
  ASSERT_EQ(post(kPods, pod("a")).status, 201);
  auto sink = watch(kPods + "?watch=1");
  auto initial = sink->waitForEvents(1);
  ASSERT_EQ(initial.size(), 1u);
  EXPECT_EQ(initial[0]["type"], "ADDED");
  EXPECT_EQ(initial[0]["object"]["metadata"]["name"], "a");

  Answer b = post(kPods, pod("b"));
  api::Json upd = b.body;
  upd["metadata"]["labels"]["x"] = "1";
  ASSERT_EQ(put(kPods + "/b", upd).status, 200);
  ASSERT_EQ(del(kPods + "/b").status, 200);
  auto events = sink->waitForEvents(4);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1]["type"], "ADDED");
  EXPECT_EQ(events[2]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["object"]["metadata"]["labels"]["x"], "1");
  EXPECT_EQ(events[3]["type"], "DELETED");
  EXPECT_EQ(events[3]["object"]["metadata"]["name"], "b");
  // Versions increase and match the objects'.
  EXPECT_EQ(events[1]["object"]["metadata"]["resourceVersion"],
            b.body["metadata"]["resourceVersion"]);
  sink->close();
}

TEST_F(RegistryTest, WatchFromAVersionAndWithSelectors) {
  Answer a = post(kPods, pod("a", "n1"));
  std::string rv = a.body["metadata"]["resourceVersion"];
  ASSERT_EQ(post(kPods, pod("b", "n2")).status, 201);
  ASSERT_EQ(post(kPods, pod("c", "n1")).status, 201);
  // From a's version: only what came after, filtered to node n1.
  auto sink =
      watch(kPods + "?watch=true&resourceVersion=" + rv + "&fieldSelector=spec.nodeName%3Dn1");
  auto events = sink->waitForEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[0]["object"]["metadata"]["name"], "c");
  // A label change moving an object out of a label selector is a DELETED for that watch.
  auto labeled = watch(kPods + "?watch=1&labelSelector=app%3Dweb");
  ASSERT_EQ(labeled->waitForEvents(3).size(), 3u);
  api::Json c = get(kPods + "/c").body;
  c["metadata"]["labels"]["app"] = "other";
  ASSERT_EQ(put(kPods + "/c", c).status, 200);
  auto more = labeled->waitForEvents(4);
  ASSERT_EQ(more.size(), 4u);
  EXPECT_EQ(more[3]["type"], "DELETED");
  EXPECT_EQ(more[3]["object"]["metadata"]["name"], "c");
  // The object as it is now (no longer matching), at the update's version.
  EXPECT_EQ(more[3]["object"]["metadata"]["labels"]["app"], "other");
  EXPECT_NE(more[3]["object"]["metadata"]["resourceVersion"], c["metadata"]["resourceVersion"]);
  sink->close();
  labeled->close();
}

TEST_F(RegistryTest, WatchOfCompactedHistoryGetsGone) {
  ASSERT_EQ(post(kPods, pod("a")).status, 201);
  ASSERT_EQ(post(kPods, pod("b")).status, 201);
  int64_t now = store_->currentRevision().value();
  ASSERT_TRUE(store_->compact(now).isOk());
  auto sink = watch(kPods + "?watch=1&resourceVersion=1");
  auto events = sink->waitForEvents(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "ERROR");
  EXPECT_EQ(events[0]["object"]["code"], 410);
  EXPECT_TRUE(sink->waitClosed());
}

TEST_F(RegistryTest, WatchersOfAResourceShareItsCache) {
  std::vector<std::shared_ptr<CollectingSink>> sinks;
  for (int i = 0; i < 20; ++i) sinks.push_back(watch(kPods + "?watch=1&resourceVersion=0"));
  ASSERT_EQ(post(kPods, pod("a")).status, 201);
  for (auto& s : sinks) {
    auto ev = s->waitForEvents(1);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0]["object"]["metadata"]["name"], "a");
  }
  auto cache = registry_->watchCache(*findResource("", "v1", "pods"));
  ASSERT_TRUE(cache.ok());
  EXPECT_EQ((*cache)->watcherCount(), 20u);  // all served by the one cache of pods
  for (auto& s : sinks) s->close();
}

}  // namespace
}  // namespace orch::apiserver::testing
