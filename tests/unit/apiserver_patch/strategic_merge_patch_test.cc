#include "controlplane/apiserver/patch/strategic_merge_patch.h"

#include <gtest/gtest.h>

#include <string>

namespace orch::apiserver::patch {
namespace {

Json J(const char* text) {
  return Json::parse(text);
}

const PatchSchema& schemaOf(const char* group, const char* kind) {
  const PatchSchema* s = patchSchemaFor(group, kind);
  if (s == nullptr) std::abort();
  return *s;
}

struct Case {
  const char* name;
  const char* group;
  const char* kind;
  const char* doc;
  const char* patch;
  const char* want;
};

const Case kCases[] = {
    // strategicpatch's documented examples.
    {"containers_merge_by_name", "", "Pod",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}})",
     R"({"spec":{"containers":[{"name":"b","image":"b:2"}]}})",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:2"}]}})"},
    {"container_added", "", "Pod", R"({"spec":{"containers":[{"name":"a","image":"a:1"}]}})",
     R"({"spec":{"containers":[{"name":"c","image":"c:1"}]}})",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"c","image":"c:1"}]}})"},
    {"container_patch_delete", "", "Pod",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}})",
     R"({"spec":{"containers":[{"name":"a","$patch":"delete"}]}})",
     R"({"spec":{"containers":[{"name":"b","image":"b:1"}]}})"},
    {"list_patch_replace", "", "Pod",
     R"({"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}})",
     R"({"spec":{"containers":[{"name":"c","image":"c:1"},{"$patch":"replace"}]}})",
     R"({"spec":{"containers":[{"name":"c","image":"c:1"}]}})"},
    {"list_item_patch_merge", "", "Pod", R"({"spec":{"containers":[{"name":"a","image":"a:1"}]}})",
     R"({"spec":{"containers":[{"name":"a","image":"a:2","$patch":"merge"}]}})",
     R"({"spec":{"containers":[{"name":"a","image":"a:2"}]}})"},
    {"nested_env_and_ports", "", "Pod",
     R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"2"}],
         "ports":[{"containerPort":80,"name":"http"}]}]}})",
     R"({"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"3"}],
         "ports":[{"containerPort":443,"name":"https"}]}]}})",
     R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"},{"name":"Y","value":"3"}],
         "ports":[{"containerPort":80,"name":"http"},{"containerPort":443,"name":"https"}]}]}})"},
    {"map_patch_replace", "", "Pod", R"({"spec":{"nodeSelector":{"a":"1","b":"2"}}})",
     R"({"spec":{"nodeSelector":{"$patch":"replace","c":"3"}}})",
     R"({"spec":{"nodeSelector":{"c":"3"}}})"},
    {"map_patch_delete", "", "Pod", R"({"spec":{"nodeSelector":{"a":"1"}}})",
     R"({"spec":{"nodeSelector":{"$patch":"delete"}}})", R"({"spec":{"nodeSelector":{}}})"},
    {"map_patch_merge_is_the_default", "", "Pod", R"({"spec":{"nodeSelector":{"a":"1"}}})",
     R"({"spec":{"nodeSelector":{"$patch":"merge","b":"2"}}})",
     R"({"spec":{"nodeSelector":{"a":"1","b":"2"}}})"},
    {"primitive_list_patch_replace", "", "ConfigMap", R"({"metadata":{"finalizers":["a","b"]}})",
     R"({"metadata":{"finalizers":["c",{"$patch":"replace"}]}})",
     R"({"metadata":{"finalizers":["c"]}})"},
    {"null_deletes_key", "", "ConfigMap", R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
     R"({"metadata":{"labels":{"a":null}}})", R"({"metadata":{"labels":{"b":"2"}}})"},
    {"null_for_missing_key_is_ignored", "", "ConfigMap", R"({"data":{}})",
     R"({"data":{"x":null},"metadata":{"labels":{"k":null,"l":"v"}}})",
     R"({"data":{},"metadata":{"labels":{"l":"v"}}})"},
    {"finalizers_merge_as_set", "", "ConfigMap", R"({"metadata":{"finalizers":["a","b"]}})",
     R"({"metadata":{"finalizers":["b","c"]}})", R"({"metadata":{"finalizers":["a","b","c"]}})"},
    {"delete_from_primitive_list", "", "ConfigMap", R"({"metadata":{"finalizers":["a","b","c"]}})",
     R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["b"]}})",
     R"({"metadata":{"finalizers":["a","c"]}})"},
    {"set_element_order_reorders", "", "Pod",
     R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
     R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})",
     R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"},
    {"set_element_order_with_new_item", "", "Pod",
     R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
     R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"c"},{"name":"a"}],
         "containers":[{"name":"c","image":"c:1"}]}})",
     R"({"spec":{"containers":[{"name":"b"},{"name":"c","image":"c:1"},{"name":"a"}]}})"},
    {"set_element_order_primitives", "", "ConfigMap",
     R"({"metadata":{"finalizers":["a","b","c"]}})",
     R"({"metadata":{"$setElementOrder/finalizers":["c","b","a"]}})",
     R"({"metadata":{"finalizers":["c","b","a"]}})"},
    {"retain_keys_volume_source", "", "Pod",
     R"({"spec":{"volumes":[{"name":"v","emptyDir":{}},{"name":"w","emptyDir":{}}]}})",
     R"({"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"},"$retainKeys":["hostPath","name"]}]}})",
     R"({"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}},{"name":"w","emptyDir":{}}]}})"},
    {"retain_keys_deployment_strategy", "apps", "Deployment",
     R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
     R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
     R"({"spec":{"strategy":{"type":"Recreate"}}})"},
    {"deployment_template_uses_pod_rules", "apps", "Deployment",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b"}]}}}})",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2"}]}}}})",
     R"({"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2"},{"name":"b"}]}}}})"},
    {"tolerations_are_replaced", "", "Pod",
     R"({"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}})",
     R"({"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}})",
     R"({"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}})"},
    {"owner_references_by_uid", "apps", "ReplicaSet",
     R"({"metadata":{"ownerReferences":[{"uid":"1","name":"x"}]}})",
     R"({"metadata":{"ownerReferences":[{"uid":"2","name":"y"}]}})",
     R"({"metadata":{"ownerReferences":[{"uid":"1","name":"x"},{"uid":"2","name":"y"}]}})"},
    {"service_ports_by_port", "", "Service",
     R"({"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]}})",
     R"({"spec":{"ports":[{"port":80,"targetPort":9090}]}})",
     R"({"spec":{"ports":[{"port":80,"targetPort":9090},{"port":443}]}})"},
    {"node_addresses_by_type", "", "Node",
     R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.1"},{"type":"Hostname","address":"n"}]}})",
     R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"}]}})",
     R"({"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.2"},{"type":"Hostname","address":"n"}]}})"},
    {"conditions_by_type", "", "Pod",
     R"({"status":{"conditions":[{"type":"Ready","status":"False"},{"type":"Initialized","status":"True"}]}})",
     R"({"status":{"conditions":[{"type":"Ready","status":"True"}]}})",
     R"({"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Initialized","status":"True"}]}})"},
    {"type_change_takes_patch", "", "ConfigMap", R"({"data":{"a":"1"}})", R"({"data":"x"})",
     R"({"data":"x"})"},
    {"new_key_drops_nulls_and_directives", "", "Pod", R"({"spec":{}})",
     R"({"spec":{"containers":[{"name":"a","image":null},{"name":"b","$patch":"delete"}]}})",
     R"({"spec":{"containers":[{"name":"a"}]}})"},
    {"top_level_patch_replace", "", "ConfigMap", R"({"data":{"a":"1"},"kind":"ConfigMap"})",
     R"({"$patch":"replace","kind":"ConfigMap"})", R"({"kind":"ConfigMap"})"},
};

class SmpTable : public ::testing::TestWithParam<Case> {};

TEST_P(SmpTable, Applies) {
  const Case& c = GetParam();
  auto r = applyStrategicMergePatch(J(c.doc), J(c.patch), schemaOf(c.group, c.kind));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, J(c.want)) << r->dump();
}

INSTANTIATE_TEST_SUITE_P(StrategicPatch, SmpTable, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

std::string errorOf(const char* doc, const char* patch, const char* kind = "Pod") {
  auto r = applyStrategicMergePatch(J(doc), J(patch), schemaOf("", kind));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  return r.status().context();
}

TEST(StrategicMergePatch, BadInputNamesWhere) {
  EXPECT_EQ(errorOf("{}", "[]"),
            "strategic merge patch: the patch must be a JSON object, got array");
  EXPECT_EQ(errorOf("[]", "{}"),
            "strategic merge patch: the object must be a JSON object, got array");
  EXPECT_EQ(
      errorOf(R"({"spec":{"nodeSelector":{}}})", R"({"spec":{"nodeSelector":{"$patch":"frob"}}})"),
      "strategic merge patch: spec.nodeSelector: unknown patch type: \"frob\"");
  EXPECT_EQ(errorOf(R"({"spec":{"containers":[]}})",
                    R"({"spec":{"containers":[{"name":"a"},{"image":"x"}]}})"),
            "strategic merge patch: spec.containers[1]: map does not contain declared merge "
            "key: name");
  EXPECT_EQ(errorOf(R"({"spec":{"containers":[{"name":"a"}]}})",
                    R"({"spec":{"containers":[{"name":"a","$patch":"frob"}]}})"),
            "strategic merge patch: spec.containers[0]: unknown patch type: \"frob\"");
  EXPECT_EQ(
      errorOf(R"({"spec":{"containers":[]}})", R"({"spec":{"containers":[{"$patch":"delete"}]}})"),
      "strategic merge patch: spec.containers[0]: map does not contain declared merge "
      "key: name");
  EXPECT_EQ(errorOf(R"({"spec":{"containers":[]}})", R"({"spec":{"containers":["a"]}})"),
            "strategic merge patch: spec.containers[0]: list item must be an object, got string");
  EXPECT_EQ(errorOf(R"({"spec":{"strategy":{}}})",
                    R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}})"),
            "strategic merge patch: spec.strategy.rollingUpdate: not present in the $retainKeys "
            "list");
  EXPECT_EQ(errorOf(R"({"metadata":{}})",
                    R"({"metadata":{"$deleteFromPrimitiveList/finalizers":"a"}})", "ConfigMap"),
            "strategic merge patch: metadata: $deleteFromPrimitiveList/finalizers must be a list, "
            "got string");
  EXPECT_EQ(errorOf(R"({"spec":{}})", R"({"spec":{"$setElementOrder/containers":[{"x":1}]}})"),
            "strategic merge patch: spec.containers: $setElementOrder item 0 does not contain "
            "declared merge key: name");
  EXPECT_EQ(errorOf(R"({"spec":{}})", R"({"spec":{"$patch":7}})"),
            "strategic merge patch: spec: $patch must be a string");
}

TEST(StrategicMergePatch, InputUnchangedAndDeleteOfMissingItemIsNoop) {
  const Json doc = J(R"({"spec":{"containers":[{"name":"a"}]}})");
  auto r = applyStrategicMergePatch(
      doc, J(R"({"spec":{"containers":[{"name":"zz","$patch":"delete"}]}})"), schemaOf("", "Pod"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, doc);
  EXPECT_EQ(doc, J(R"({"spec":{"containers":[{"name":"a"}]}})"));
}

// createStrategicMergePatch(a, b) applied to a gives b.
TEST(CreateStrategicMergePatch, RoundTrips) {
  const struct {
    const char* kind;
    const char* original;
    const char* modified;
  } pairs[] = {
      {"Pod", R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"1"}]}})",
       R"({"spec":{"containers":[{"name":"c","image":"1"},{"name":"a","image":"2"}]}})"},
      {"Pod", R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
       R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"},
      {"Pod", R"({"metadata":{"finalizers":["x","y","z"],"labels":{"a":"1"}}})",
       R"({"metadata":{"finalizers":["z","w","x"],"labels":{"b":"2"}}})"},
      {"Pod", R"({"spec":{"volumes":[{"name":"v","emptyDir":{}}]}})",
       R"({"spec":{"volumes":[{"name":"v","hostPath":{"path":"/x"}}]}})"},
      {"Pod", R"({"spec":{"tolerations":[{"key":"a"}],"nodeName":"n"}})",
       R"({"spec":{"tolerations":[{"key":"b"}]}})"},
      {"Pod", R"({"spec":{"containers":[{"name":"a","env":[{"name":"X","value":"1"}],
          "ports":[{"containerPort":80}]}]}})",
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}],
          "ports":[{"containerPort":80},{"containerPort":81}]}]}})"},
  };
  for (const auto& p : pairs) {
    const Json original = J(p.original), modified = J(p.modified);
    const PatchSchema& schema = schemaOf("", p.kind);
    auto patch = createStrategicMergePatch(original, modified, schema);
    ASSERT_TRUE(patch.ok()) << patch.status().message();
    auto applied = applyStrategicMergePatch(original, *patch, schema);
    ASSERT_TRUE(applied.ok()) << applied.status().message() << " patch " << patch->dump();
    EXPECT_EQ(*applied, modified) << "patch " << patch->dump();
  }
}

TEST(CreateStrategicMergePatch, ShapeOfThePatch) {
  auto patch = createStrategicMergePatch(
      J(R"({"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]},"x":1})"),
      J(R"({"spec":{"containers":[{"name":"a","image":"2"}]}})"), schemaOf("", "Pod"));
  ASSERT_TRUE(patch.ok());
  EXPECT_EQ(*patch, J(R"({"x":null,"spec":{"$setElementOrder/containers":[{"name":"a"}],
      "containers":[{"name":"a","image":"2"},{"name":"b","$patch":"delete"}]}})"));
  auto same = createStrategicMergePatch(J(R"({"a":[1]})"), J(R"({"a":[1]})"), schemaOf("", "Pod"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, J("{}"));
  auto bad = createStrategicMergePatch(J(R"({"spec":{"containers":[{"image":"x"}]}})"),
                                       J(R"({"spec":{"containers":[]}})"), schemaOf("", "Pod"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().context(),
            "strategic merge patch: spec.containers[0]: map does not contain declared merge key: "
            "name");
}

TEST(PatchSchema, BuiltInKindsShareSubtrees) {
  const PatchSchema* pod = patchSchemaFor("", "Pod");
  const PatchSchema* deploy = patchSchemaFor("apps", "Deployment");
  const PatchSchema* ds = patchSchemaFor("apps", "DaemonSet");
  ASSERT_NE(pod, nullptr);
  ASSERT_NE(deploy, nullptr);
  ASSERT_NE(ds, nullptr);
  EXPECT_EQ(patchSchemaFor("example.com", "Widget"), nullptr);
  EXPECT_EQ(patchSchemaFor("apps", "Pod"), nullptr);
  const SchemaNode* pod_spec = pod->field("spec");
  const SchemaNode* tmpl_spec = deploy->field("spec")->field("template")->field("spec");
  EXPECT_EQ(pod_spec, tmpl_spec);
  EXPECT_EQ(ds->field("spec")->field("template")->field("spec"), pod_spec);
  EXPECT_EQ(pod->field("metadata"), deploy->field("metadata"));
  const SchemaNode* containers = pod_spec->field("containers");
  EXPECT_EQ(containers->merge_key, "name");
  EXPECT_EQ(containers->field("ports")->list_keys,
            (std::vector<std::string>{"containerPort", "protocol"}));
  EXPECT_EQ(pod_spec->field("tolerations"), nullptr);
  EXPECT_TRUE(pod_spec->field("volumes")->retain_keys);
  EXPECT_EQ(pod->field("metadata")->field("finalizers")->list_type, ListType::kSet);
}

}  // namespace
}  // namespace orch::apiserver::patch
