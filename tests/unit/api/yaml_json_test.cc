#include "common/api/yaml_json.h"

#include <gtest/gtest.h>

#include <cmath>

namespace orch::api {
namespace {

TEST(YamlJson, ScalarsResolveAsTheCoreSchemaSays) {
  auto j = yamlToJson(
      "a: 1\nb: -2\nc: 1.5\nd: true\ne: null\nf: ~\ng: hello\nh: \"1\"\ni: '2'\nj: 0x1f\nk: .inf\n"
      "l: 1e3\nm: !!str 3\nn: yes\no: \"\"\np: 99999999999999999999\n");
  ASSERT_TRUE(j.ok()) << j.status().message();
  EXPECT_EQ((*j)["a"], 1);
  EXPECT_EQ((*j)["b"], -2);
  EXPECT_EQ((*j)["c"], 1.5);
  EXPECT_EQ((*j)["d"], true);
  EXPECT_TRUE((*j)["e"].is_null());
  EXPECT_TRUE((*j)["f"].is_null());
  EXPECT_EQ((*j)["g"], "hello");
  EXPECT_EQ((*j)["h"], "1");
  EXPECT_EQ((*j)["i"], "2");
  EXPECT_EQ((*j)["j"], 31);
  EXPECT_TRUE(std::isinf((*j)["k"].get<double>()));
  EXPECT_EQ((*j)["l"], 1000.0);
  EXPECT_EQ((*j)["m"], "3");
  EXPECT_EQ((*j)["n"], "yes");  // YAML 1.2: only true/false are booleans
  EXPECT_EQ((*j)["o"], "");
  EXPECT_TRUE((*j)["p"].is_number_float());
}

TEST(YamlJson, NestingAnchorsAndDocuments) {
  auto j = yamlToJson("base: &b {x: 1}\nlist:\n- *b\n- [1, two]\n");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["list"][0]["x"], 1);
  EXPECT_EQ((*j)["list"][1][1], "two");
  auto docs = yamlDocumentsToJson("a: 1\n---\n---\nb: 2\n");
  ASSERT_TRUE(docs.ok());
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_EQ((*docs)[1]["b"], 2);
  EXPECT_FALSE(yamlToJson("a: 1\n---\nb: 2\n").ok());
  EXPECT_TRUE(yamlToJson("").value().is_null());
}

TEST(YamlJson, SyntaxErrorsNameTheLine) {
  auto j = yamlToJson("a: 1\nb: [1, 2\n");
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().context().find("line"), std::string::npos) << j.status().context();
  auto k = yamlToJson("? [a]\n: 1\n");
  EXPECT_FALSE(k.ok());
}

TEST(YamlJson, RoundTripThroughYamlKeepsTypes) {
  Json in = {{"s", "123"},    {"t", "true"},          {"n", 5}, {"b", false}, {"e", ""},
             {"l", {1, "x"}}, {"m", {{"k", nullptr}}}};
  auto back = yamlToJson(jsonToYaml(in));
  ASSERT_TRUE(back.ok()) << jsonToYaml(in);
  EXPECT_EQ(*back, in) << jsonToYaml(in);
}

}  // namespace
}  // namespace orch::api
