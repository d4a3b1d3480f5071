#include "controlplane/apiserver/patch/managed_fields.h"

#include <gtest/gtest.h>

namespace orch::apiserver::patch {
namespace {

Json J(const char* text) {
  return Json::parse(text);
}

FieldSet setOf(const char* fields_v1) {
  auto r = FieldSet::fromJson(J(fields_v1));
  if (!r.ok()) std::abort();
  return *r;
}

TEST(FieldSet, JsonRoundTrip) {
  const char* text = R"({"f:metadata":{"f:labels":{".":{},"f:app":{}}},
      "f:spec":{"f:replicas":{},"f:template":{"f:spec":{"f:containers":{
        "k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{}}}}}}})";
  FieldSet s = setOf(text);
  EXPECT_EQ(s.toJson(), J(text));
  EXPECT_TRUE(s.contains({"f:metadata", "f:labels"}));
  EXPECT_TRUE(s.contains({"f:metadata", "f:labels", "f:app"}));
  EXPECT_FALSE(s.contains({"f:metadata"}));
  EXPECT_TRUE(s.containsPrefix({"f:metadata"}));
  EXPECT_TRUE(
      s.contains({"f:spec", "f:template", "f:spec", "f:containers", "k:{\"name\":\"nginx\"}"}));
  EXPECT_EQ(s.members().size(), 6u);
}

TEST(FieldSet, SetAlgebra) {
  FieldSet a = setOf(R"({"f:spec":{"f:replicas":{},"f:paused":{}}})");
  FieldSet b = setOf(R"({"f:spec":{"f:replicas":{},"f:minReadySeconds":{}}})");
  EXPECT_EQ(a.unionWith(b).toJson(),
            J(R"({"f:spec":{"f:replicas":{},"f:paused":{},"f:minReadySeconds":{}}})"));
  EXPECT_EQ(a.difference(b).toJson(), J(R"({"f:spec":{"f:paused":{}}})"));
  EXPECT_EQ(a.intersection(b).toJson(), J(R"({"f:spec":{"f:replicas":{}}})"));
  EXPECT_TRUE(a.difference(a).empty());
  EXPECT_EQ(a.difference(a).toJson(), J("{}"));
}

TEST(FieldSet, RejectsBadJson) {
  EXPECT_EQ(FieldSet::fromJson(J("[]")).status().code(), EINVAL);
  auto r = FieldSet::fromJson(J(R"({"f:spec":{"x:bad":{}}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(), "f:spec: fieldsV1: unknown path element \"x:bad\"");
}

TEST(FieldPath, PrintsLikeUpstream) {
  EXPECT_EQ(pathString({"f:spec", "f:replicas"}), ".spec.replicas");
  EXPECT_EQ(pathString({"f:spec", "f:containers", "k:{\"name\":\"nginx\"}", "f:image"}),
            ".spec.containers[name=\"nginx\"].image");
  EXPECT_EQ(pathString({"f:ports", "k:{\"containerPort\":80,\"protocol\":\"TCP\"}"}),
            ".ports[containerPort=80,protocol=\"TCP\"]");
  EXPECT_EQ(pathString({"f:metadata", "f:finalizers", "v:\"a\""}), ".metadata.finalizers[=\"a\"]");
}

TEST(CollectFields, ApplySetOfADeployment) {
  const Json obj = J(R"({"metadata":{"labels":{"app":"x"}},"spec":{"replicas":2,
      "selector":{"matchLabels":{"app":"x"}},
      "template":{"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]}}}})");
  FieldSet s;
  FieldPath p;
  ASSERT_TRUE(
      collectFields(obj, patchSchemaFor("apps", "Deployment"), SetMode::kApply, p, s).isOk());
  EXPECT_EQ(s.toJson(), J(R"({"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},
      "f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"c\"}":{".":{},
      "f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{
      ".":{},"f:containerPort":{}}}}}}}}})"));
}

TEST(CollectFields, UpdateSetMarksAddedMapsAndLists) {
  const Json obj = J(R"({"metadata":{"labels":{"app":"x"},"finalizers":["f"]},"data":{"k":"v"}})");
  FieldSet s;
  FieldPath p;
  ASSERT_TRUE(collectFields(obj, patchSchemaFor("", "ConfigMap"), SetMode::kUpdate, p, s).isOk());
  EXPECT_EQ(s.toJson(), J(R"({"f:data":{".":{},"f:k":{}},"f:metadata":{
      "f:finalizers":{".":{},"v:\"f\"":{}},"f:labels":{".":{},"f:app":{}}}})"));
}

TEST(CollectFields, ApplyRequiresListKeys) {
  const Json obj = J(R"({"spec":{"containers":[{"image":"i"}]}})");
  FieldSet s;
  FieldPath p;
  Status st = collectFields(obj, patchSchemaFor("", "Pod"), SetMode::kApply, p, s);
  EXPECT_EQ(st.code(), EINVAL);
  EXPECT_EQ(st.context(),
            ".spec.containers[0]: associative list item is missing its key field \"name\"");
}

TEST(CompareFields, ChangedAndRemoved) {
  const Json old_obj = J(R"({"spec":{"replicas":1,"paused":true,
      "template":{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b"}]}}}})");
  const Json new_obj = J(R"({"spec":{"replicas":2,
      "template":{"spec":{"containers":[{"name":"a","image":"2"},{"name":"c"}]}}}})");
  FieldDiff d = compareFields(old_obj, new_obj, patchSchemaFor("apps", "Deployment"));
  EXPECT_EQ(d.changed.toJson(), J(R"({"f:spec":{"f:replicas":{},"f:template":{"f:spec":{
      "f:containers":{"k:{\"name\":\"a\"}":{"f:image":{}},
      "k:{\"name\":\"c\"}":{".":{},"f:name":{}}}}}}})"));
  EXPECT_EQ(d.removed.toJson(), J(R"({"f:spec":{"f:paused":{},"f:template":{"f:spec":{
      "f:containers":{"k:{\"name\":\"b\"}":{".":{},"f:name":{}}}}}}})"));
}

TEST(ManagedFieldsCodec, DecodeEncodeSorted) {
  const Json obj = J(R"({"metadata":{"managedFields":[
      {"manager":"b","operation":"Update","apiVersion":"v1","time":"2026-01-01T00:00:00Z",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:x":{}}}},
      {"manager":"a","operation":"Apply","apiVersion":"v1","time":"2026-01-02T00:00:00Z",
       "fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:y":{}}}},
      {"manager":"c","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1",
       "fieldsV1":{}}]}})");
  auto r = decodeManagedFields(obj);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  Json out = encodeManagedFields(*r);
  ASSERT_EQ(out.size(), 2u);          // the empty entry is dropped
  EXPECT_EQ(out[0]["manager"], "a");  // Apply first
  EXPECT_EQ(out[1], obj["metadata"]["managedFields"][0]);
  EXPECT_EQ((*r)[0].describe(), "\"b\" using v1");
  EXPECT_EQ((*r)[1].describe(), "\"a\"");

  auto bad = decodeManagedFields(J(R"({"metadata":{"managedFields":[{"operation":"Patch"}]}})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().context(),
            "metadata.managedFields[0].operation must be Apply or Update, got \"Patch\"");
}

}  // namespace
}  // namespace orch::apiserver::patch
