#include "controlplane/apiserver/patch/merge_patch.h"

#include <gtest/gtest.h>

namespace orch::apiserver::patch {
namespace {

Json J(const char* text) {
  return Json::parse(text);
}

// RFC 7386 appendix A, every row.
TEST(MergePatch, Rfc7386AppendixA) {
  const struct {
    const char* target;
    const char* patch;
    const char* want;
  } rows[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"(["a","b"])", R"(["c","d"])", R"(["c","d"])"},
      {R"({"a":"b"})", R"(["c"])", R"(["c"])"},
      {R"({"a":"foo"})", "null", "null"},
      {R"({"a":"foo"})", R"("bar")", R"("bar")"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(mergePatchValue(J(row.target), J(row.patch)), J(row.want))
        << row.target << " + " << row.patch;
  }
}

// RFC 7386 section 3's example.
TEST(MergePatch, Rfc7386Example) {
  auto r = applyMergePatch(J(R"({"title":"Goodbye!","author":{"givenName":"John",
      "familyName":"Doe"},"tags":["example","sample"],"content":"This will be unchanged"})"),
                           J(R"({"title":"Hello!","phoneNumber":"+01-123-456-7890",
      "author":{"familyName":null},"tags":["example"]})"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, J(R"({"title":"Hello!","author":{"givenName":"John"},"tags":["example"],
      "content":"This will be unchanged","phoneNumber":"+01-123-456-7890"})"));
}

TEST(MergePatch, ObjectsRequired) {
  auto r = applyMergePatch(J(R"({"a":1})"), J(R"(["c"])"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  EXPECT_EQ(r.status().context(), "merge patch: the patch must be a JSON object, got array");
  r = applyMergePatch(J("3"), J("{}"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().context(), "merge patch: the object must be a JSON object, got integer");
}

}  // namespace
}  // namespace orch::apiserver::patch
