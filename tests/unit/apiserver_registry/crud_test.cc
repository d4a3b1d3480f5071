// Create, get, update and delete through the REST routes, with kube-apiserver's answers.

#include "tests/unit/apiserver_registry/registry_fixture.h"

namespace orch::apiserver::testing {
namespace {

const std::string kPods = "/api/v1/namespaces/default/pods";

TEST_F(RegistryTest, CreateFillsServerFieldsAndGetReturnsTheObject) {
  Answer c = post(kPods, pod("web"));
  ASSERT_EQ(c.status, 201) << c.text;
  const api::Json& m = c.body["metadata"];
  EXPECT_EQ(m["namespace"], "default");
  EXPECT_EQ(m["uid"].get<std::string>().size(), 36u);
  EXPECT_TRUE(m.contains("creationTimestamp"));
  EXPECT_EQ(m["generation"], 1);
  EXPECT_EQ(c.body["status"]["phase"], "Pending");
  EXPECT_EQ(c.body["status"]["qosClass"], "BestEffort");
  // Defaults as upstream.
  EXPECT_EQ(c.body["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(c.body["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");

  Answer g = get(kPods + "/web");
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(g.body, c.body);
  // resourceVersion is the store revision.
  EXPECT_EQ(m["resourceVersion"].get<std::string>(),
            std::to_string(store_->currentRevision().value()));
}

TEST_F(RegistryTest, ErrorsAreMetav1Statuses) {
  Answer missing = get(kPods + "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["reason"], "NotFound");
  EXPECT_EQ(missing.body["message"], "pods \"nope\" not found");
  EXPECT_EQ(missing.body["details"]["kind"], "pods");

  ASSERT_EQ(post(kPods, pod("web")).status, 201);
  Answer dup = post(kPods, pod("web"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body["reason"], "AlreadyExists");

  Answer bad_json = call("POST", kPods, "{not json");
  EXPECT_EQ(bad_json.status, 400);
  api::Json wrong_kind = pod("x");
  wrong_kind["kind"] = "Service";
  Answer wk = post(kPods, wrong_kind);
  EXPECT_EQ(wk.status, 400);
  EXPECT_NE(wk.body["message"].get<std::string>().find("kind"), std::string::npos);

  Answer no_ns = post("/api/v1/namespaces/ghost/pods", pod("x"));
  EXPECT_EQ(no_ns.status, 404);
  EXPECT_EQ(no_ns.body["message"], "namespaces \"ghost\" not found");

  api::Json other_ns = pod("x");
  other_ns["metadata"]["namespace"] = "kube-system";
  EXPECT_EQ(post(kPods, other_ns).status, 400);
  EXPECT_EQ(call("POST", kPods, pod("y").dump(), "application/protobuf").status, 415);
  EXPECT_EQ(get("/api/v1/namespaces/default/widgets").status, 404);
}

TEST_F(RegistryTest, InvalidObjectsGet422NamingTheFieldsAndStoreNothing) {
  const int64_t before = store_->currentRevision().value();
  api::Json p = pod("Bad_Name");
  p["spec"]["containers"][0].erase("image");
  Answer a = post(kPods, p);
  ASSERT_EQ(a.status, 422) << a.text;
  EXPECT_EQ(a.body["reason"], "Invalid");
  std::vector<std::string> fields;
  for (const api::Json& c : a.body["details"]["causes"]) fields.push_back(c["field"]);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "metadata.name"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "spec.containers[0].image"), fields.end());
  EXPECT_EQ(store_->currentRevision().value(), before);

  api::Json mistyped = pod("typed");
  mistyped["spec"]["containers"][0]["ports"] = {{{"containerPort", "eighty"}}};
  Answer t = post(kPods, mistyped);
  EXPECT_EQ(t.status, 400) << t.text;
  EXPECT_NE(t.text.find("spec.containers[0].ports[0].containerPort"), std::string::npos);
  EXPECT_EQ(store_->currentRevision().value(), before);
}

TEST_F(RegistryTest, UnknownFieldsFollowFieldValidation) {
  api::Json p = pod("strict");
  p["spec"]["bogus"] = 1;
  Answer strict = call("POST", kPods + "?fieldValidation=Strict", p.dump());
  EXPECT_EQ(strict.status, 400);
  EXPECT_NE(strict.text.find("unknown field \\\"spec.bogus\\\""), std::string::npos) << strict.text;
  Answer warn = call("POST", kPods + "?fieldValidation=Warn", p.dump());
  EXPECT_EQ(warn.status, 201);
  bool warned = false;
  for (const auto& [k, v] : warn.headers)
    warned = warned || (k == "Warning" && v.find("spec.bogus") != std::string::npos);
  EXPECT_TRUE(warned);
  p["metadata"]["name"] = "ignored";
  EXPECT_EQ(call("POST", kPods + "?fieldValidation=Ignore", p.dump()).status, 201);
  EXPECT_EQ(call("POST", kPods + "?fieldValidation=Loose", p.dump()).status, 400);
}

TEST_F(RegistryTest, DeeplyNestedBodiesAreRefused) {
  const int64_t before = store_->currentRevision().value();
  std::string deep = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":)";
  deep += std::string(5000, '[') + std::string(5000, ']') + "}";
  Answer a = call("POST", "/api/v1/namespaces/default/configmaps", deep);
  EXPECT_EQ(a.status, 400);
  EXPECT_NE(a.text.find("nested deeper"), std::string::npos) << a.text;
  EXPECT_EQ(store_->currentRevision().value(), before);
}

TEST_F(RegistryTest, GenerateNameMakesUniqueNames) {
  api::Json p = pod("");
  p["metadata"].erase("name");
  p["metadata"]["generateName"] = "web-";
  Answer a = post(kPods, p), b = post(kPods, p);
  ASSERT_EQ(a.status, 201) << a.text;
  ASSERT_EQ(b.status, 201);
  std::string na = a.body["metadata"]["name"], nb = b.body["metadata"]["name"];
  EXPECT_EQ(na.rfind("web-", 0), 0u);
  EXPECT_EQ(na.size(), 9u);
  EXPECT_NE(na, nb);
}

TEST_F(RegistryTest, UpdateChecksResourceVersionAndSkipsNoOps) {
  Answer c = post(kPods, pod("web"));
  api::Json obj = c.body;
  obj["metadata"]["labels"]["tier"] = "front";
  Answer u = put(kPods + "/web", obj);
  ASSERT_EQ(u.status, 200) << u.text;
  EXPECT_EQ(u.body["metadata"]["labels"]["tier"], "front");
  EXPECT_NE(u.body["metadata"]["resourceVersion"], c.body["metadata"]["resourceVersion"]);

  // The same stale version again: 409 Conflict, nothing written.
  obj["metadata"]["labels"]["tier"] = "back";
  Answer stale = put(kPods + "/web", obj);
  EXPECT_EQ(stale.status, 409);
  EXPECT_EQ(stale.body["reason"], "Conflict");
  EXPECT_EQ(get(kPods + "/web").body["metadata"]["labels"]["tier"], "front");

  // Without a resourceVersion the update is unconditional.
  obj["metadata"].erase("resourceVersion");
  Answer unconditional = put(kPods + "/web", obj);
  ASSERT_EQ(unconditional.status, 200) << unconditional.text;
  EXPECT_EQ(unconditional.body["metadata"]["labels"]["tier"], "back");

  // Writing the same object again changes nothing.
  Answer same = put(kPods + "/web", unconditional.body);
  EXPECT_EQ(same.body["metadata"]["resourceVersion"],
            unconditional.body["metadata"]["resourceVersion"]);

  api::Json renamed = unconditional.body;
  renamed["metadata"]["name"] = "other";
  EXPECT_EQ(put(kPods + "/web", renamed).status, 400);
  EXPECT_EQ(put(kPods + "/ghost", pod("ghost")).status, 404);
}

TEST_F(RegistryTest, StatusSubresourceAndGeneration) {
  api::Json d = {{"apiVersion", "apps/v1"},
                 {"kind", "Deployment"},
                 {"metadata", {{"name", "web"}}},
                 {"spec",
                  {{"selector", {{"matchLabels", {{"app", "web"}}}}},
                   {"template",
                    {{"metadata", {{"labels", {{"app", "web"}}}}},
                     {"spec", {{"containers", {{{"name", "c"}, {"image", "nginx"}}}}}}}}}}};
  const std::string path = "/apis/apps/v1/namespaces/default/deployments";
  Answer c = post(path, d);
  ASSERT_EQ(c.status, 201) << c.text;
  EXPECT_EQ(c.body["metadata"]["generation"], 1);
  EXPECT_EQ(c.body["spec"]["replicas"], 1);

  // A status write changes status only.
  api::Json s = c.body;
  s["status"] = {{"replicas", 3}};
  s["spec"]["replicas"] = 7;
  Answer st = put(path + "/web/status", s);
  ASSERT_EQ(st.status, 200) << st.text;
  EXPECT_EQ(st.body["status"]["replicas"], 3);
  EXPECT_EQ(st.body["spec"]["replicas"], 1);
  EXPECT_EQ(st.body["metadata"]["generation"], 1);

  // A main write changes spec only, and bumps generation.
  api::Json m = st.body;
  m["spec"]["replicas"] = 2;
  m["status"] = {{"replicas", 9}};
  Answer u = put(path + "/web", m);
  ASSERT_EQ(u.status, 200) << u.text;
  EXPECT_EQ(u.body["spec"]["replicas"], 2);
  EXPECT_EQ(u.body["status"]["replicas"], 3);
  EXPECT_EQ(u.body["metadata"]["generation"], 2);

  // A metadata-only change keeps the generation.
  api::Json l = u.body;
  l["metadata"]["labels"] = {{"x", "y"}};
  EXPECT_EQ(put(path + "/web", l).body["metadata"]["generation"], 2);
}

TEST_F(RegistryTest, YamlBodiesAreAccepted) {
  std::string yaml =
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  port: \"8080\"\n  on: "
      "'yes'\n";
  Answer a = call("POST", "/api/v1/namespaces/default/configmaps", yaml, "application/yaml");
  ASSERT_EQ(a.status, 201) << a.text;
  EXPECT_EQ(a.body["data"]["port"], "8080");
  EXPECT_EQ(a.body["data"]["on"], "yes");
}

}  // namespace
}  // namespace orch::apiserver::testing
