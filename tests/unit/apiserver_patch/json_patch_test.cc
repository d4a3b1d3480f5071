#include "controlplane/apiserver/patch/json_patch.h"

#include <gtest/gtest.h>

#include <string>

namespace orch::apiserver::patch {
namespace {

Json J(const char* text) {
  return Json::parse(text);
}

struct Case {
  const char* name;
  const char* doc;
  const char* patch;
  const char* want;  // nullptr: an EINVAL error is expected
};

// RFC 6902 appendix A, plus copy and the pointer escapes.
const Case kCases[] = {
    {"A1_add_member", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
     R"({"baz":"qux","foo":"bar"})"},
    {"A2_add_array_element", R"({"foo":["bar","baz"]})",
     R"([{"op":"add","path":"/foo/1","value":"qux"}])", R"({"foo":["bar","qux","baz"]})"},
    {"A3_remove_member", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])",
     R"({"foo":"bar"})"},
    {"A4_remove_array_element", R"({"foo":["bar","qux","baz"]})",
     R"([{"op":"remove","path":"/foo/1"}])", R"({"foo":["bar","baz"]})"},
    {"A5_replace", R"({"baz":"qux","foo":"bar"})",
     R"([{"op":"replace","path":"/baz","value":"boo"}])", R"({"baz":"boo","foo":"bar"})"},
    {"A6_move_value", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
     R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
     R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
    {"A7_move_array_element", R"({"foo":["all","grass","cows","eat"]})",
     R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])",
     R"({"foo":["all","cows","eat","grass"]})"},
    {"A8_test_success", R"({"baz":"qux","foo":["a",2,"c"]})",
     R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
     R"({"baz":"qux","foo":["a",2,"c"]})"},
    {"A9_test_error", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])",
     nullptr},
    {"A10_add_nested", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
     R"({"foo":"bar","child":{"grandchild":{}}})"},
    {"A11_ignore_unknown_members", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
    {"A12_add_to_missing_parent", R"({"foo":"bar"})",
     R"([{"op":"add","path":"/baz/bat","value":"qux"}])", nullptr},
    {"A14_escape_ordering", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
     R"({"/":9,"~1":10})"},
    {"A15_string_is_not_number", R"({"/":9,"~1":10})",
     R"([{"op":"test","path":"/~01","value":"10"}])", nullptr},
    {"A16_add_array_value", R"({"foo":["bar"]})",
     R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])", R"({"foo":["bar",["abc","def"]]})"},
    {"test_numbers_by_value", R"({"a":1})", R"([{"op":"test","path":"/a","value":1.0}])",
     R"({"a":1})"},
    {"copy", R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])",
     R"({"a":{"b":1},"c":{"b":1}})"},
    {"slash_escape", R"({"a/b":1})", R"([{"op":"replace","path":"/a~1b","value":2}])",
     R"({"a/b":2})"},
    {"replace_root", R"({"a":1})", R"([{"op":"replace","path":"","value":{"b":2}}])", R"({"b":2})"},
    {"add_at_end_index", R"({"a":[1]})", R"([{"op":"add","path":"/a/1","value":2}])",
     R"({"a":[1,2]})"},
    {"add_past_end", R"({"a":[1]})", R"([{"op":"add","path":"/a/2","value":2}])", nullptr},
    {"remove_missing", R"({"a":1})", R"([{"op":"remove","path":"/b"}])", nullptr},
    {"replace_missing", R"({"a":1})", R"([{"op":"replace","path":"/b","value":1}])", nullptr},
    {"dash_only_for_add", R"({"a":[1]})", R"([{"op":"replace","path":"/a/-","value":2}])", nullptr},
    {"leading_zero_index", R"({"a":[1,2]})", R"([{"op":"remove","path":"/a/01"}])", nullptr},
    {"move_into_own_child", R"({"a":{"b":{}}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])",
     nullptr},
    {"failed_op_applies_nothing", R"({"a":1})",
     R"([{"op":"add","path":"/b","value":2},{"op":"test","path":"/a","value":3}])", nullptr},
};

class JsonPatchTable : public ::testing::TestWithParam<Case> {};

TEST_P(JsonPatchTable, Applies) {
  const Case& c = GetParam();
  const Json doc = J(c.doc);
  auto r = applyJsonPatch(doc, J(c.patch));
  if (c.want == nullptr) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), EINVAL);
  } else {
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(*r, J(c.want));
  }
  EXPECT_EQ(doc, J(c.doc));  // the input is never modified
}

INSTANTIATE_TEST_SUITE_P(Rfc6902, JsonPatchTable, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.name); });

std::string errorOf(const char* doc, const char* patch) {
  auto r = applyJsonPatch(J(doc), J(patch));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  return r.status().context();
}

TEST(JsonPatch, MessagesNameTheOperationAndPath) {
  EXPECT_EQ(errorOf(R"({"spec":{}})", R"([{"op":"test","path":"/spec/x","value":1}])"),
            "jsonpatch test operation does not apply: doc is missing path: /spec/x "
            "(operation 0)");
  EXPECT_EQ(errorOf(R"({"spec":{"x":2}})",
                    R"([{"op":"test","path":"/spec/x","value":2},
                        {"op":"test","path":"/spec/x","value":1}])"),
            "testing value /spec/x failed: test failed (operation 1)");
  EXPECT_EQ(errorOf(R"({})", R"([{"op":"remove","path":"/a/b"}])"),
            "jsonpatch remove operation does not apply: doc is missing path: /a/b (operation 0)");
}

TEST(JsonPatch, MalformedPatches) {
  EXPECT_EQ(errorOf("{}", R"({"op":"add"})"),
            "json patch: the patch must be an array of operations, got object");
  EXPECT_EQ(errorOf("{}", R"([1])"), "operation must be an object, got integer (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"path":"/a"}])"), "missing \"op\" (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"add","value":1}])"), "missing \"path\" (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"add","path":"/a"}])"),
            "\"add\" operation missing \"value\" (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"frob","path":"/a"}])"),
            "unknown operation \"frob\" (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"add","path":"a","value":1}])"),
            "JSON pointer \"a\" does not start with '/' (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"add","path":"/a~2","value":1}])"),
            "JSON pointer \"/a~2\" has a '~' not followed by 0 or 1 (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"move","path":"/a"}])"), "missing \"from\" (operation 0)");
  EXPECT_EQ(errorOf("{}", R"([{"op":"add","path":7,"value":1}])"),
            "\"path\" must be a string, got integer (operation 0)");
}

}  // namespace
}  // namespace orch::apiserver::patch
