#include "controlplane/apiserver/patch/server_side_apply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "controlplane/apiserver/patch/managed_fields.h"

namespace orch::apiserver::patch {
namespace {

Json J(const char* text) {
  return Json::parse(text);
}

constexpr const char* kT1 = "2026-11-27T10:00:00Z";
constexpr const char* kT2 = "2026-11-27T11:00:00Z";
constexpr const char* kT3 = "2026-11-27T12:00:00Z";

const char* kDeployment = R"({"apiVersion":"apps/v1","kind":"Deployment",
  "metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
  "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
    "template":{"metadata":{"labels":{"app":"web"}},
      "spec":{"containers":[{"name":"nginx","image":"nginx:1"}]}}}})";

ApplyOptions applyOpts(const char* manager, const char* now, bool force = false) {
  ApplyOptions o;
  o.manager = manager;
  o.force = force;
  o.api_version = "apps/v1";
  o.schema = patchSchemaFor("apps", "Deployment");
  o.now_rfc3339 = now;
  return o;
}

UpdateOptions updateOpts(const char* manager, const char* now, const char* subresource = "") {
  UpdateOptions o;
  o.manager = manager;
  o.api_version = "apps/v1";
  o.subresource = subresource;
  o.now_rfc3339 = now;
  o.schema = patchSchemaFor("apps", "Deployment");
  return o;
}

Json apply(const Json& live, const Json& cfg, const ApplyOptions& opts) {
  auto r = serverSideApply(live, cfg, opts);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : Json();
}

// The fieldsV1 of `manager`'s entry (null when it has none).
Json fieldsOf(const Json& obj, const std::string& manager, const std::string& op = "") {
  for (const Json& e : obj["metadata"]["managedFields"]) {
    if (e["manager"] == manager && (op.empty() || e["operation"] == op)) return e["fieldsV1"];
  }
  return Json();
}

Json withoutManagedFields(Json obj) {
  obj["metadata"].erase("managedFields");
  return obj;
}

// A deployment created by an ordinary write of `manager`.
Json createdBy(const char* manager, Json obj) {
  updateManagedFields(obj, Json(), updateOpts(manager, kT1));
  return obj;
}

TEST(ServerSideApply, CreateViaApply) {
  const Json cfg = J(kDeployment);
  Json obj = apply(Json(), cfg, applyOpts("kubectl", kT1));
  EXPECT_EQ(withoutManagedFields(obj), cfg);
  EXPECT_EQ(obj["metadata"]["managedFields"], J(R"([{"manager":"kubectl","operation":"Apply",
      "apiVersion":"apps/v1","time":"2026-11-27T10:00:00Z","fieldsType":"FieldsV1",
      "fieldsV1":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},
        "f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
        "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},
        "f:name":{}}}}}}}}])"));
}

TEST(ServerSideApply, ReapplyingTheSameConfigurationChangesNothing) {
  const Json cfg = J(kDeployment);
  Json live = apply(Json(), cfg, applyOpts("kubectl", kT1));
  // What the registry adds on create must not disturb the comparison.
  live["metadata"]["uid"] = "u-1";
  live["metadata"]["resourceVersion"] = "7";
  live["metadata"]["creationTimestamp"] = kT1;
  live["status"] = J(R"({"replicas":2})");
  live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent";
  EXPECT_EQ(apply(live, cfg, applyOpts("kubectl", kT2)), live);
  EXPECT_EQ(apply(live, cfg, applyOpts("kubectl", kT3)), live);
}

TEST(ServerSideApply, ConflictWithAnotherManagerAndForce) {
  Json live = createdBy("kubectl-client-side-apply", J(kDeployment));
  Json cfg = J(kDeployment);
  cfg["spec"]["replicas"] = 3;

  std::vector<ApplyConflict> conflicts;
  auto r = serverSideApply(live, cfg, applyOpts("kubectl", kT2), &conflicts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBUSY);
  EXPECT_EQ(r.status().context(),
            "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using "
            "apps/v1: .spec.replicas");
  ASSERT_EQ(conflicts.size(), 1u);
  EXPECT_EQ(conflicts[0].manager, "kubectl-client-side-apply");
  EXPECT_EQ(conflicts[0].field, ".spec.replicas");
  EXPECT_EQ(conflicts[0].message, "conflict with \"kubectl-client-side-apply\" using apps/v1");

  // The same value is no conflict: both own it.
  Json shared = apply(live, J(kDeployment), applyOpts("kubectl", kT2));
  EXPECT_EQ(fieldsOf(shared, "kubectl")["f:spec"]["f:replicas"], Json::object());
  EXPECT_EQ(fieldsOf(shared, "kubectl-client-side-apply")["f:spec"]["f:replicas"], Json::object());

  // Force takes the field away from the other manager.
  Json forced = apply(live, cfg, applyOpts("kubectl", kT2, /*force=*/true));
  EXPECT_EQ(forced["spec"]["replicas"], 3);
  EXPECT_FALSE(fieldsOf(forced, "kubectl-client-side-apply")["f:spec"].contains("f:replicas"));
  EXPECT_TRUE(fieldsOf(forced, "kubectl-client-side-apply")["f:spec"].contains("f:template"));
  EXPECT_EQ(fieldsOf(forced, "kubectl")["f:spec"]["f:replicas"], Json::object());
}

TEST(ServerSideApply, SeveralConflictsAreListedPerManager) {
  Json live = createdBy("kubectl-client-side-apply", J(kDeployment));
  Json cfg = J(kDeployment);
  cfg["spec"]["replicas"] = 3;
  cfg["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  std::vector<ApplyConflict> conflicts;
  auto r = serverSideApply(live, cfg, applyOpts("kubectl", kT2), &conflicts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(),
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image");
  ASSERT_EQ(conflicts.size(), 2u);
  EXPECT_EQ(conflicts[1].field, ".spec.template.spec.containers[name=\"nginx\"].image");
}

TEST(ServerSideApply, FieldDroppedFromTheConfigurationIsRemoved) {
  Json cfg = J(kDeployment);
  cfg["metadata"]["labels"]["tier"] = "front";
  Json live = apply(Json(), cfg, applyOpts("kubectl", kT1));
  ASSERT_EQ(live["metadata"]["labels"]["tier"], "front");

  Json next = apply(live, J(kDeployment), applyOpts("kubectl", kT2));
  EXPECT_FALSE(next["metadata"]["labels"].contains("tier"));
  EXPECT_EQ(next["metadata"]["labels"]["app"], "web");
  EXPECT_FALSE(fieldsOf(next, "kubectl")["f:metadata"]["f:labels"].contains("f:tier"));
  EXPECT_EQ(next["metadata"]["managedFields"][0]["time"], kT2);

  // ... unless another manager also owns it.
  Json other = J(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web","labels":{"tier":"front"}}})");
  Json both = apply(live, other, applyOpts("labeller", kT2));
  Json kept = apply(both, J(kDeployment), applyOpts("kubectl", kT3));
  EXPECT_EQ(kept["metadata"]["labels"]["tier"], "front");
  EXPECT_FALSE(fieldsOf(kept, "kubectl")["f:metadata"]["f:labels"].contains("f:tier"));
  EXPECT_TRUE(fieldsOf(kept, "labeller")["f:metadata"]["f:labels"].contains("f:tier"));
}

TEST(ServerSideApply, TwoManagersOwnDifferentItemsOfAKeyedList) {
  const char* a = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
      "spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"}]}}}})";
  const char* b = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
      "spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:1"}]}}}})";
  Json live = apply(Json(), J(a), applyOpts("mgr-a", kT1));
  live = apply(live, J(b), applyOpts("mgr-b", kT1));
  EXPECT_EQ(live["spec"]["template"]["spec"]["containers"],
            J(R"([{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}])"));

  // A changes its own container without conflict and without touching B's.
  Json a2 = J(a);
  a2["spec"]["template"]["spec"]["containers"][0]["image"] = "a:2";
  live = apply(live, a2, applyOpts("mgr-a", kT2));
  EXPECT_EQ(live["spec"]["template"]["spec"]["containers"],
            J(R"([{"name":"a","image":"a:2"},{"name":"b","image":"b:1"}])"));

  // A touching B's container's image conflicts with B only.
  Json a3 = J(a);
  a3["spec"]["template"]["spec"]["containers"].push_back(J(R"({"name":"b","image":"b:9"})"));
  auto r = serverSideApply(live, a3, applyOpts("mgr-a", kT2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(),
            "Apply failed with 1 conflict: conflict with \"mgr-b\": "
            ".spec.template.spec.containers[name=\"b\"].image");

  // A stops applying its container: it goes, B's stays.
  live = apply(live, J(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
      "spec":{"replicas":1}})"),
               applyOpts("mgr-a", kT3));
  EXPECT_EQ(live["spec"]["template"]["spec"]["containers"], J(R"([{"name":"b","image":"b:1"}])"));
  EXPECT_EQ(live["spec"]["replicas"], 1);
}

TEST(ServerSideApply, ItemPartlyOwnedByAnotherManagerKeepsItsKey) {
  const char* a = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},
      "spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1","args":["x"]}]}}}})";
  Json live = apply(Json(), J(a), applyOpts("mgr-a", kT1));
  Json edited = live;
  edited["spec"]["template"]["spec"]["containers"][0]["image"] = "a:2";
  updateManagedFields(edited, live, updateOpts("editor", kT2));
  Json next = apply(edited, J(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web"},"spec":{"replicas":1}})"),
                    applyOpts("mgr-a", kT3));
  EXPECT_EQ(next["spec"]["template"]["spec"]["containers"], J(R"([{"name":"a","image":"a:2"}])"));
}

TEST(ServerSideApply, UpdateAfterApplyMovesOwnership) {
  Json live = apply(Json(), J(kDeployment), applyOpts("kubectl", kT1));
  Json scaled = live;
  scaled["spec"]["replicas"] = 5;
  updateManagedFields(scaled, live, updateOpts("hpa", kT2));
  EXPECT_FALSE(fieldsOf(scaled, "kubectl")["f:spec"].contains("f:replicas"));
  EXPECT_EQ(fieldsOf(scaled, "hpa", "Update"), J(R"({"f:spec":{"f:replicas":{}}})"));

  auto r = serverSideApply(scaled, J(kDeployment), applyOpts("kubectl", kT3));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EBUSY);
  EXPECT_EQ(r.status().context(),
            "Apply failed with 1 conflict: conflict with \"hpa\" using apps/v1: .spec.replicas");

  // Dropping replicas from the configuration leaves them to the hpa.
  Json cfg = J(kDeployment);
  cfg["spec"].erase("replicas");
  Json next = apply(scaled, cfg, applyOpts("kubectl", kT3));
  EXPECT_EQ(next["spec"]["replicas"], 5);
}

TEST(ServerSideApply, ObjectWithoutManagedFieldsIsOwnedBeforeFirstApply) {
  Json live = J(kDeployment);
  live["spec"]["replicas"] = 1;
  Json cfg = J(kDeployment);
  cfg["spec"]["replicas"] = 3;
  auto r = serverSideApply(live, cfg, applyOpts("kubectl", kT2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(),
            "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: "
            ".spec.replicas");
}

TEST(ServerSideApply, SetsAndStatusOfTheMainResource) {
  ApplyOptions o = applyOpts("ctl", kT1);
  o.schema = patchSchemaFor("", "ConfigMap");
  o.api_version = "v1";
  Json live = apply(Json(), J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c",
      "finalizers":["a"]},"data":{"k":"v"},"status":{"x":1}})"),
                    o);
  EXPECT_FALSE(live.contains("status"));  // reset for the main resource
  EXPECT_EQ(fieldsOf(live, "ctl"), J(R"({"f:data":{"f:k":{}},
      "f:metadata":{"f:finalizers":{"v:\"a\"":{}}}})"));
  o.manager = "other";
  live = apply(live, J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c",
      "finalizers":["b"]}})"),
               o);
  EXPECT_EQ(live["metadata"]["finalizers"], J(R"(["a","b"])"));
}

TEST(ServerSideApply, BadInput) {
  auto code = [](const Json& live, const Json& cfg, ApplyOptions o) {
    auto r = serverSideApply(live, cfg, o);
    EXPECT_FALSE(r.ok());
    return std::pair(r.status().code(), r.status().context());
  };
  EXPECT_EQ(code(Json(), J(kDeployment), applyOpts("", kT1)),
            std::pair(EINVAL, std::string("apply: fieldManager is required for apply requests")));
  EXPECT_EQ(code(Json(), J("[]"), applyOpts("m", kT1)),
            std::pair(EINVAL, std::string("apply: the configuration must be an object, got "
                                          "array")));
  EXPECT_EQ(code(J("3"), J("{}"), applyOpts("m", kT1)),
            std::pair(EINVAL, std::string("apply: the live object must be an object, got "
                                          "integer")));
  EXPECT_EQ(code(Json(), J(R"({"metadata":{"managedFields":[]}})"), applyOpts("m", kT1)),
            std::pair(EINVAL, std::string("apply: metadata.managedFields must be nil")));
  EXPECT_EQ(code(Json(), J(R"({"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}})"),
                 applyOpts("m", kT1)),
            std::pair(EINVAL, std::string("apply: .spec.template.spec.containers[0]: associative "
                                          "list item is missing its key field \"name\"")));
  EXPECT_EQ(code(Json(), J(R"({"spec":{"template":{"spec":{"containers":[{"name":"x"},
      {"name":"x"}]}}}})"),
                 applyOpts("m", kT1)),
            std::pair(EINVAL, std::string("apply: .spec.template.spec.containers[1]: duplicate "
                                          "entries for key {\"name\":\"x\"}")));
}

TEST(UpdateManagedFields, CreateUpdateAndNoop) {
  Json cm = J(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"u",
      "labels":{"a":"1"}},"data":{"k":"v"}})");
  UpdateOptions o;
  o.manager = "kubectl-create";
  o.api_version = "v1";
  o.now_rfc3339 = kT1;
  o.schema = patchSchemaFor("", "ConfigMap");
  Json created = cm;
  updateManagedFields(created, Json(), o);
  EXPECT_EQ(created["metadata"]["managedFields"], J(R"([{"manager":"kubectl-create",
      "operation":"Update","apiVersion":"v1","time":"2026-11-27T10:00:00Z",
      "fieldsType":"FieldsV1","fieldsV1":{"f:data":{".":{},"f:k":{}},
      "f:metadata":{"f:labels":{".":{},"f:a":{}}}}}])"));

  // A write that changes nothing keeps the entry (and its time).
  Json same = created;
  o.now_rfc3339 = kT2;
  updateManagedFields(same, created, o);
  EXPECT_EQ(same, created);

  // A PUT without managedFields keeps the old ones; another writer takes what it changes.
  Json put = cm;
  put["data"]["k"] = "w";
  put["data"]["n"] = "x";
  o.manager = "kubectl-edit";
  updateManagedFields(put, created, o);
  EXPECT_EQ(fieldsOf(put, "kubectl-create"), J(R"({"f:data":{},
      "f:metadata":{"f:labels":{".":{},"f:a":{}}}})"));
  EXPECT_EQ(fieldsOf(put, "kubectl-edit"), J(R"({"f:data":{"f:k":{},"f:n":{}}})"));

  // Removing a field takes it from everyone; an emptied entry is dropped.
  Json removed = put;
  removed["metadata"]["labels"].erase("a");
  removed["metadata"].erase("labels");
  removed["data"].erase("n");
  removed["data"].erase("k");
  removed.erase("data");
  updateManagedFields(removed, put, o);
  EXPECT_FALSE(removed["metadata"].contains("managedFields")) << removed.dump();

  // Status of the main resource is not tracked.
  Json status = created;
  status["status"] = J(R"({"phase":"x"})");
  o.manager = "someone";
  updateManagedFields(status, created, o);
  EXPECT_EQ(status["metadata"]["managedFields"], created["metadata"]["managedFields"]);
}

TEST(UpdateManagedFields, StatusSubresourceAndReset) {
  Json live = createdBy("kubectl-create", J(kDeployment));
  Json st = live;
  st["status"] = J(R"({"replicas":2,"conditions":[{"type":"Available","status":"True"}]})");
  st["spec"]["replicas"] = 9;  // ignored by the status subresource
  updateManagedFields(st, live, updateOpts("controller", kT2, "status"));
  Json entries = st["metadata"]["managedFields"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[1]["manager"], "controller");
  EXPECT_EQ(entries[1]["subresource"], "status");
  EXPECT_EQ(entries[1]["fieldsV1"], J(R"({"f:status":{"f:conditions":{".":{},
      "k:{\"type\":\"Available\"}":{".":{},"f:status":{},"f:type":{}}},"f:replicas":{}}})"));
  EXPECT_EQ(entries[0], live["metadata"]["managedFields"][0]);

  Json reset = live;
  reset["metadata"]["managedFields"] = J("[{}]");
  updateManagedFields(reset, live, updateOpts("x", kT2));
  EXPECT_FALSE(reset["metadata"].contains("managedFields"));

  // An empty list does not reset (clients unaware of managedFields send none).
  Json empty = live;
  empty["metadata"]["managedFields"] = J("[]");
  updateManagedFields(empty, live, updateOpts("x", kT2));
  EXPECT_EQ(empty, live);
}

}  // namespace
}  // namespace orch::apiserver::patch
