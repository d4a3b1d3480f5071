// FieldError rendering (field.Error.ErrorBody / Error) and the 422 Status body.

#include "controlplane/apiserver/validation/field_errors.h"

#include <gtest/gtest.h>

#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::j;

TEST(FieldErrorTest, MessagesAsUpstream) {
  EXPECT_EQ(fe::required("spec.containers[0].image").message(), "Required value");
  EXPECT_EQ(fe::required("metadata.name", "name or generateName is required").message(),
            "Required value: name or generateName is required");
  EXPECT_EQ(fe::invalidStr("metadata.name", "Foo", "bad").message(), "Invalid value: \"Foo\": bad");
  EXPECT_EQ(fe::invalidInt("spec.replicas", -1, "must be greater than or equal to 0").message(),
            "Invalid value: -1: must be greater than or equal to 0");
  EXPECT_EQ(fe::notSupported("spec.restartPolicy", "X", {"Always", "OnFailure"}).message(),
            "Unsupported value: \"X\": supported values: \"Always\", \"OnFailure\"");
  EXPECT_EQ(fe::duplicate("spec.containers[1].name", fe::quote("a")).message(),
            "Duplicate value: \"a\"");
  EXPECT_EQ(fe::forbidden("spec", "nope").message(), "Forbidden: nope");
  EXPECT_EQ(fe::tooLong("[]", "", 1048576).message(),
            "Too long: may not be more than 1048576 bytes");
  EXPECT_EQ(fe::tooMany("endpoints", 1001, 1000).message(),
            "Too many: 1001: must have at most 1000 items");
  EXPECT_EQ(fe::notFound("spec.containers[0].volumeMounts[0].name", fe::quote("v")).message(),
            "Not found: \"v\"");
  EXPECT_EQ(fe::required("a.b").toString(), "a.b: Required value");
}

TEST(FieldErrorTest, Reasons) {
  EXPECT_EQ(fe::required("a").reason(), "FieldValueRequired");
  EXPECT_EQ(fe::invalid("a", "", "x").reason(), "FieldValueInvalid");
  EXPECT_EQ(fe::notSupported("a", "x", {}).reason(), "FieldValueNotSupported");
  EXPECT_EQ(fe::duplicate("a", "1").reason(), "FieldValueDuplicate");
  EXPECT_EQ(fe::forbidden("a", "x").reason(), "FieldValueForbidden");
  EXPECT_EQ(fe::tooLong("a", "", 1).reason(), "FieldValueTooLong");
  EXPECT_EQ(fe::tooMany("a", 2, 1).reason(), "FieldValueTooMany");
  EXPECT_EQ(fe::notFound("a", "x").reason(), "FieldValueNotFound");
}

TEST(FieldErrorTest, QuoteLikeGo) {
  EXPECT_EQ(fe::quote("a\"b\\c\n\t"), R"("a\"b\\c\n\t")");
  EXPECT_EQ(fe::quote(std::string("\x01", 1)), R"("\x01")");
  EXPECT_EQ(fe::quoteList({"a", "b"}), R"([]string{"a", "b"})");
  EXPECT_EQ(fe::quoteMap({{"app", "web"}, {"a", "b"}}),
            R"(map[string]string{"a":"b", "app":"web"})");
}

TEST(FieldErrorTest, AggregateDropsDuplicatesAndBrackets) {
  FieldErrors one = {fe::required("spec.containers")};
  EXPECT_EQ(aggregateMessage(one), "spec.containers: Required value");
  FieldErrors two = {fe::required("a"), fe::required("a"), fe::forbidden("b", "no")};
  EXPECT_EQ(aggregateMessage(two), "[a: Required value, b: Forbidden: no]");
  FieldErrors same = {fe::required("a"), fe::required("a")};
  EXPECT_EQ(aggregateMessage(same), "a: Required value");
  EXPECT_EQ(aggregateMessage({}), "");
}

TEST(InvalidStatusTest, CoreKindShape) {
  FieldErrors errs = {fe::required("spec.containers[0].image")};
  Json got = invalidStatus("", "Pod", "web", errs);
  Json want = j(R"({
    "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
    "message": "Pod \"web\" is invalid: spec.containers[0].image: Required value",
    "reason": "Invalid",
    "details": {"name": "web", "kind": "Pod",
                "causes": [{"reason": "FieldValueRequired", "message": "Required value",
                            "field": "spec.containers[0].image"}]},
    "code": 422})");
  EXPECT_EQ(got, want) << got.dump(2);
}

TEST(InvalidStatusTest, GroupQualifiedKindAndSeveralCauses) {
  FieldErrors errs = {fe::required("spec.selector"),
                      fe::invalidInt("spec.replicas", -1, "must be greater than or equal to 0")};
  Json got = invalidStatus("apps", "Deployment", "web", errs);
  EXPECT_EQ(got["message"],
            "Deployment.apps \"web\" is invalid: [spec.selector: Required value, spec.replicas: "
            "Invalid value: -1: must be greater than or equal to 0]");
  EXPECT_EQ(got["details"]["group"], "apps");
  EXPECT_EQ(got["details"]["kind"], "Deployment");
  ASSERT_EQ(got["details"]["causes"].size(), 2u);
  EXPECT_EQ(got["details"]["causes"][1], j(R"({"reason": "FieldValueInvalid",
                  "message": "Invalid value: -1: must be greater than or equal to 0",
                  "field": "spec.replicas"})"));
  EXPECT_EQ(got["code"], 422);
}

TEST(InvalidStatusTest, NoErrors) {
  Json got = invalidStatus("", "ConfigMap", "c", {});
  EXPECT_EQ(got["message"], "ConfigMap \"c\" is invalid");
  EXPECT_EQ(got["details"], j(R"({"name": "c", "kind": "ConfigMap"})"));
}

}  // namespace
}  // namespace orch::apiserver
