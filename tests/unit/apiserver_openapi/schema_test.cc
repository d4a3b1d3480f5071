// The schema visitor of the orch::api field lists (common/api/schema.h): each C++ field type
// maps to its JSON schema, structs to named definitions.

#include "common/api/schema.h"

#include <gtest/gtest.h>

#include "common/api/types.h"

namespace orch::api {
namespace {

using nlohmann::json;

SchemaRegistry registry(bool v3 = true) {
  return SchemaRegistry(SchemaRegistry::Options{
      .name_of = [](std::string_view n) { return "test." + std::string(n); },
      .ref_prefix = "#/defs/",
      .openapi_v3 = v3});
}

const json& props(const SchemaRegistry& reg, const std::string& name) {
  return reg.definitions().at(name).at("properties");
}

TEST(SchemaTest, ContainerFieldsAndTypes) {
  SchemaRegistry reg = registry();
  EXPECT_EQ(reg.schemaOf<Container>(), (json{{"$ref", "#/defs/test.Container"}}));
  const json& def = reg.definitions().at("test.Container");
  EXPECT_EQ(def.at("type"), "object");
  const json& p = def.at("properties");
  EXPECT_EQ(p.at("name"), (json{{"type", "string"}}));
  EXPECT_EQ(p.at("image"), (json{{"type", "string"}}));
  EXPECT_EQ(p.at("command"), (json{{"type", "array"}, {"items", {{"type", "string"}}}}));
  EXPECT_EQ(p.at("ports"),
            (json{{"type", "array"}, {"items", {{"$ref", "#/defs/test.ContainerPort"}}}}));
  EXPECT_EQ(p.at("resources"), (json{{"$ref", "#/defs/test.ResourceRequirements"}}));
  // std::optional<Probe> is the schema of Probe.
  EXPECT_EQ(p.at("livenessProbe"), (json{{"$ref", "#/defs/test.Probe"}}));
  EXPECT_EQ(p.at("stdin"), (json{{"type", "boolean"}}));
  EXPECT_FALSE(p.contains("unknown_fields"));
  EXPECT_EQ(reg.cppNames().at("test.Container"), "Container");

  // Nested structs were described on the way.
  const json& port = props(reg, "test.ContainerPort");
  EXPECT_EQ(port.at("containerPort"), (json{{"type", "integer"}, {"format", "int32"}}));
  EXPECT_EQ(port.at("hostPort"), (json{{"type", "integer"}, {"format", "int32"}}));
  EXPECT_EQ(port.at("protocol"), (json{{"type", "string"}}));
  const json& sc = props(reg, "test.SecurityContext");
  EXPECT_EQ(sc.at("runAsUser"), (json{{"type", "integer"}, {"format", "int64"}}));
}

TEST(SchemaTest, ObjectMetaRefMapsAndTime) {
  SchemaRegistry reg = registry();
  reg.schemaOf<Pod>();
  EXPECT_EQ(props(reg, "test.Pod").at("metadata"), (json{{"$ref", "#/defs/test.ObjectMeta"}}));
  const json& meta = props(reg, "test.ObjectMeta");
  EXPECT_EQ(meta.at("namespace"), (json{{"type", "string"}}));
  EXPECT_EQ(meta.at("generation"), (json{{"type", "integer"}, {"format", "int64"}}));
  EXPECT_EQ(meta.at("labels"),
            (json{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}));
  EXPECT_EQ(meta.at("ownerReferences").at("items"), (json{{"$ref", "#/defs/test.OwnerReference"}}));
  EXPECT_EQ(meta.at("creationTimestamp"), (json{{"$ref", "#/defs/test.Time"}}));
  const json& time = reg.definitions().at("test.Time");
  EXPECT_EQ(time.at("type"), "string");
  EXPECT_EQ(time.at("format"), "date-time");
  // Free-form JSON.
  EXPECT_EQ(meta.at("managedFields").at("type"), "object");
  EXPECT_EQ(meta.at("managedFields").at("x-kubernetes-preserve-unknown-fields"), true);
}

TEST(SchemaTest, QuantityAndIntOrStringFollowTheFlavor) {
  for (bool v3 : {true, false}) {
    SchemaRegistry reg = registry(v3);
    reg.schemaOf<Service>();
    reg.schemaOf<ResourceRequirements>();
    EXPECT_EQ(props(reg, "test.ServicePort").at("targetPort"),
              (json{{"$ref", "#/defs/test.IntOrString"}}));
    EXPECT_EQ(
        props(reg, "test.ResourceRequirements").at("limits"),
        (json{{"type", "object"}, {"additionalProperties", {{"$ref", "#/defs/test.Quantity"}}}}));
    const json& ios = reg.definitions().at("test.IntOrString");
    const json& qty = reg.definitions().at("test.Quantity");
    EXPECT_EQ(ios.at("format"), "int-or-string");
    if (v3) {
      EXPECT_EQ(ios.at("oneOf"), (json::array({{{"type", "integer"}}, {{"type", "string"}}})));
      EXPECT_EQ(qty.at("oneOf"), (json::array({{{"type", "string"}}, {{"type", "number"}}})));
      EXPECT_FALSE(qty.contains("type"));
    } else {
      EXPECT_EQ(ios.at("type"), "string");
      EXPECT_EQ(qty.at("type"), "string");
      EXPECT_FALSE(qty.contains("oneOf"));
    }
  }
}

TEST(SchemaTest, Base64MapsAndMicroTime) {
  SchemaRegistry reg = registry();
  reg.schemaOf<Secret>();
  reg.schemaOf<Lease>();
  EXPECT_EQ(props(reg, "test.Secret").at("data"),
            (json{{"type", "object"},
                  {"additionalProperties", {{"type", "string"}, {"format", "byte"}}}}));
  EXPECT_EQ(props(reg, "test.Secret").at("stringData"),
            (json{{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}));
  EXPECT_EQ(props(reg, "test.LeaseSpec").at("renewTime"),
            (json{{"$ref", "#/defs/test.MicroTime"}}));
  EXPECT_EQ(reg.definitions().at("test.MicroTime").at("format"), "date-time");
}

TEST(SchemaTest, EachStructIsDescribedOnce) {
  SchemaRegistry reg = registry();
  reg.schemaOf<Deployment>();
  size_t before = reg.definitions().size();
  // PodSpec (reached through the template) is known already: a ref, no new definitions.
  EXPECT_EQ(reg.schemaOf<std::vector<PodSpec>>(),
            (json{{"type", "array"}, {"items", {{"$ref", "#/defs/test.PodSpec"}}}}));
  EXPECT_EQ(reg.definitions().size(), before);
  EXPECT_EQ(reg.define<Pod>(), "test.Pod");
  EXPECT_TRUE(reg.definitions().count("test.PodStatus"));
  EXPECT_EQ(reg.define<Pod>(), "test.Pod");
}

}  // namespace
}  // namespace orch::api
