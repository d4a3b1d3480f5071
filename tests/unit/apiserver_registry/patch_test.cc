// PATCH in every format, server-side apply, and the pod/scale subresources.

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

const std::string kPods = "/api/v1/namespaces/default/pods";
const std::string kDeploys = "/apis/apps/v1/namespaces/default/deployments";

api::Json deployment(const std::string& name, int replicas) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"replicas", replicas},
            {"selector", {{"matchLabels", {{"app", name}}}}},
            {"template",
             {{"metadata", {{"labels", {{"app", name}}}}},
              {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx:1.25"}}}}}}}}}}};
}

TEST_F(RegistryTest, MergeJsonAndStrategicPatches) {
  ASSERT_EQ(post(kPods, pod("web")).status, 201);
  Answer m = patch(kPods + "/web", "application/merge-patch+json",
                   R"({"metadata":{"labels":{"tier":"front"}}})");
  ASSERT_EQ(m.status, 200) << m.text;
  EXPECT_EQ(m.body["metadata"]["labels"]["tier"], "front");
  EXPECT_EQ(m.body["metadata"]["labels"]["app"], "web");

  Answer j = patch(kPods + "/web", "application/json-patch+json",
                   R"([{"op":"replace","path":"/metadata/labels/tier","value":"back"}])");
  ASSERT_EQ(j.status, 200) << j.text;
  EXPECT_EQ(j.body["metadata"]["labels"]["tier"], "back");
  Answer failed_test = patch(kPods + "/web", "application/json-patch+json",
                             R"([{"op":"test","path":"/metadata/labels/tier","value":"x"}])");
  EXPECT_EQ(failed_test.status, 422) << failed_test.text;

  // Strategic merge: containers merge by name.
  Answer s = patch(kPods + "/web", "application/strategic-merge-patch+json",
                   R"({"spec":{"containers":[{"name":"c","image":"busybox:1.37"}]}})");
  ASSERT_EQ(s.status, 200) << s.text;
  EXPECT_EQ(s.body["spec"]["containers"].size(), 1u);
  EXPECT_EQ(s.body["spec"]["containers"][0]["image"], "busybox:1.37");
  EXPECT_EQ(s.body["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");

  // A stale resourceVersion in the patch is a precondition.
  Answer stale = patch(kPods + "/web", "application/merge-patch+json",
                       R"({"metadata":{"resourceVersion":"1","labels":{"x":"y"}}})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(patch(kPods + "/web", "text/plain", "{}").status, 415);
  EXPECT_EQ(patch(kPods + "/nope", "application/merge-patch+json", "{}").status, 404);
}

TEST_F(RegistryTest, ServerSideApplyCreatesIsIdempotentAndReportsConflicts) {
  std::string cfg = deployment("app", 2).dump();
  Answer created =
      call("PATCH", kDeploys + "/app?fieldManager=alice", cfg, "application/apply-patch+yaml");
  ASSERT_EQ(created.status, 201) << created.text;
  EXPECT_EQ(created.body["spec"]["replicas"], 2);
  ASSERT_TRUE(created.body["metadata"]["managedFields"].is_array());
  EXPECT_EQ(created.body["metadata"]["managedFields"][0]["manager"], "alice");
  EXPECT_EQ(created.body["metadata"]["managedFields"][0]["operation"], "Apply");

  Answer again =
      call("PATCH", kDeploys + "/app?fieldManager=alice", cfg, "application/apply-patch+yaml");
  ASSERT_EQ(again.status, 200) << again.text;
  EXPECT_EQ(again.body["metadata"]["resourceVersion"], created.body["metadata"]["resourceVersion"]);

  std::string bob = deployment("app", 5).dump();
  Answer conflict =
      call("PATCH", kDeploys + "/app?fieldManager=bob", bob, "application/apply-patch+yaml");
  EXPECT_EQ(conflict.status, 409) << conflict.text;
  EXPECT_NE(conflict.text.find(".spec.replicas"), std::string::npos);
  Answer forced = call("PATCH", kDeploys + "/app?fieldManager=bob&force=true", bob,
                       "application/apply-patch+yaml");
  ASSERT_EQ(forced.status, 200) << forced.text;
  EXPECT_EQ(forced.body["spec"]["replicas"], 5);
  EXPECT_EQ(call("PATCH", kDeploys + "/app", bob, "application/apply-patch+yaml").status, 400);
}

TEST_F(RegistryTest, ScaleSubresource) {
  ASSERT_EQ(post(kDeploys, deployment("web", 1)).status, 201);
  Answer s = get(kDeploys + "/web/scale");
  ASSERT_EQ(s.status, 200) << s.text;
  EXPECT_EQ(s.body["kind"], "Scale");
  EXPECT_EQ(s.body["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(s.body["spec"]["replicas"], 1);
  EXPECT_EQ(s.body["status"]["selector"], "app=web");
  Answer p =
      patch(kDeploys + "/web/scale", "application/merge-patch+json", R"({"spec":{"replicas":4}})");
  ASSERT_EQ(p.status, 200) << p.text;
  EXPECT_EQ(p.body["spec"]["replicas"], 4);
  EXPECT_EQ(get(kDeploys + "/web").body["spec"]["replicas"], 4);
  api::Json scale = p.body;
  scale["spec"]["replicas"] = -1;
  EXPECT_EQ(put(kDeploys + "/web/scale", scale).status, 422);
  EXPECT_EQ(get(kPods + "/x/scale").status, 404);
}

TEST_F(RegistryTest, BindingAssignsANodeOnce) {
  ASSERT_EQ(post(kPods, pod("web")).status, 201);
  api::Json binding = {{"apiVersion", "v1"},
                       {"kind", "Binding"},
                       {"metadata", {{"name", "web"}}},
                       {"target", {{"kind", "Node"}, {"name", "node-1"}}}};
  Answer b = post(kPods + "/web/binding", binding);
  ASSERT_EQ(b.status, 201) << b.text;
  EXPECT_EQ(b.body["status"], "Success");
  Answer p = get(kPods + "/web");
  EXPECT_EQ(p.body["spec"]["nodeName"], "node-1");
  bool scheduled = false;
  for (const api::Json& c : p.body["status"]["conditions"])
    scheduled = scheduled || (c["type"] == "PodScheduled" && c["status"] == "True");
  EXPECT_TRUE(scheduled);
  binding["target"]["name"] = "node-2";
  Answer again = post(kPods + "/web/binding", binding);
  EXPECT_EQ(again.status, 409);
  EXPECT_NE(again.text.find("already assigned"), std::string::npos);
}

TEST_F(RegistryTest, EvictionDeletesThePod) {
  ASSERT_EQ(post(kPods, pod("web")).status, 201);
  api::Json ev = {
      {"apiVersion", "policy/v1"}, {"kind", "Eviction"}, {"metadata", {{"name", "web"}}}};
  Answer e = post(kPods + "/web/eviction", ev);
  ASSERT_EQ(e.status, 201) << e.text;
  EXPECT_EQ(get(kPods + "/web").status, 404);
}

}  // namespace
}  // namespace orch::apiserver::testing
