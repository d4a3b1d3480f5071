// Name syntax checks with upstream's exact messages.

#include "controlplane/apiserver/validation/name_rules.h"

#include <gtest/gtest.h>

#include "controlplane/apiserver/validation/kind_rules.h"
#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::hasError;
using testing::j;

TEST(NamesTest, Dns1123Label) {
  EXPECT_TRUE(names::dns1123Label("my-name").empty());
  EXPECT_TRUE(names::dns1123Label("123-abc").empty());
  auto m = names::dns1123Label("Foo");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  EXPECT_EQ(names::dns1123Label(std::string(64, 'a')),
            names::Msgs{"must be no more than 63 characters"});
}

TEST(NamesTest, Dns1123Subdomain) {
  EXPECT_TRUE(names::dns1123Subdomain("example.com").empty());
  auto m = names::dns1123Subdomain("a_b");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(
      m[0],
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
      "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
      "regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(names::dns1123Subdomain(std::string(254, 'a')).size(), 1u);
}

TEST(NamesTest, Dns1035Label) {
  EXPECT_TRUE(names::dns1035Label("web").empty());
  auto m = names::dns1035Label("1web");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. "
            "'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
}

TEST(NamesTest, QualifiedNameAndLabelValue) {
  EXPECT_TRUE(names::qualifiedName("app").empty());
  EXPECT_TRUE(names::qualifiedName("example.com/My_Name").empty());
  EXPECT_EQ(names::qualifiedName("/a"), names::Msgs{"prefix part must be non-empty"});
  auto m = names::qualifiedName("a/b/c");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0],
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
            "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
            "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
            "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
  auto n = names::qualifiedName("-bad");
  ASSERT_EQ(n.size(), 1u);
  EXPECT_TRUE(n[0].starts_with("name part must consist of alphanumeric characters"));
  EXPECT_TRUE(names::labelValue("").empty());
  EXPECT_TRUE(names::labelValue("my_value").empty());
  auto v = names::labelValue("bad value");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0],
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
            "or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
}

TEST(NamesTest, PortsEnvKeysAndAddresses) {
  EXPECT_TRUE(names::portNum(80).empty());
  EXPECT_EQ(names::portNum(70000), names::Msgs{"must be between 1 and 65535, inclusive"});
  EXPECT_EQ(names::portNum(0), names::Msgs{"must be between 1 and 65535, inclusive"});
  EXPECT_TRUE(names::portName("http").empty());
  EXPECT_EQ(names::portName("1234"), names::Msgs{"must contain at least one letter (a-z)"});
  EXPECT_EQ(names::portName("a--b"), names::Msgs{"must not contain consecutive hyphens (-)"});
  EXPECT_EQ(names::portName("very-long-port-name").front(), "must be no more than 15 characters");
  EXPECT_TRUE(names::envVarName("MY_VAR.1-x").empty());
  EXPECT_EQ(names::envVarName("A=B"),
            names::Msgs{"a valid environment variable name must consist only of printable ASCII "
                        "characters other than '='"});
  EXPECT_TRUE(names::configMapKey("key.name").empty());
  EXPECT_EQ(names::configMapKey("..x"), names::Msgs{"must not start with '..'"});
  EXPECT_EQ(names::configMapKey("a/b").size(), 1u);
  EXPECT_TRUE(names::isIPv4("10.0.0.1"));
  EXPECT_FALSE(names::isIPv4("10.0.0"));
  EXPECT_TRUE(names::isIPv6("fd00::1"));
  EXPECT_TRUE(names::isCIDR("10.244.0.0/24"));
  EXPECT_FALSE(names::isCIDR("10.244.0.0/33"));
  EXPECT_FALSE(names::isCIDR("10.244.0.0"));
  EXPECT_EQ(names::pathSegmentName("a/b", false), names::Msgs{"may not contain '/'"});
  EXPECT_EQ(names::pathSegmentName("..", false), names::Msgs{"may not be '..'"});
  EXPECT_TRUE(names::pathSegmentName("system:node:Foo", false).empty());
}

TEST(NamesTest, HugeValuesAreRejectedNotCrashed) {
  std::string huge(300 * 1024, 'a');
  EXPECT_EQ(names::qualifiedName(huge),
            names::Msgs{"name part must be no more than 63 characters"});
  EXPECT_EQ(
      names::dns1123Subdomain(huge + "."),
      (names::Msgs{"must be no more than 253 characters", names::dns1123Subdomain("a.").at(0)}));
  EXPECT_TRUE(names::configMapKey(huge).size() == 1u);
}

TEST(ObjectMetaTest, NameRulesPerKind) {
  auto meta = [](std::string name) { return Json{{"name", name}, {"namespace", "default"}}; };
  EXPECT_TRUE(validateObjectMeta(meta("web.v1"), true, "ConfigMap").empty());
  EXPECT_FALSE(validateObjectMeta(meta("web.v1"), true, "Service").empty());
  EXPECT_TRUE(validateObjectMeta(meta("system:controller:x"), true, "Role").empty());
  EXPECT_FALSE(validateObjectMeta(meta("system:controller:x"), true, "ConfigMap").empty());
  EXPECT_TRUE(hasError(validateObjectMeta(j(R"({"name": "a.b"})"), false, "Namespace"),
                       "metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label must "
                       "consist of lower case alphanumeric characters or '-', and must start and "
                       "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
                       "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
}

TEST(ObjectMetaTest, RequiredAndForbidden) {
  auto errs = validateObjectMeta(j("{}"), true, "ConfigMap");
  EXPECT_TRUE(hasError(errs, "metadata.name: Required value: name or generateName is required"));
  EXPECT_TRUE(hasError(errs, "metadata.namespace: Required value"));
  auto cluster = validateObjectMeta(j(R"({"name": "n", "namespace": "x"})"), false, "Node");
  EXPECT_TRUE(hasError(cluster, "metadata.namespace: Forbidden: not allowed on this type"));
  // generateName may end in '-'; the name is still required (the registry generates it
  // before validating, as upstream's BeforeCreate does).
  auto gen = validateObjectMeta(j(R"({"generateName": "web-", "namespace": "d"})"), true, "Pod");
  ASSERT_EQ(gen.size(), 1u) << testing::dump(gen);
  EXPECT_EQ(gen[0].field, "metadata.name");
  EXPECT_TRUE(validateObjectMeta(j(R"({"generateName": "web-", "name": "web-x7k2p",
                                       "namespace": "d"})"),
                                 true, "Pod")
                  .empty());
  EXPECT_TRUE(hasError(validateObjectMeta(j(R"({"generateName": "Web-", "name": "a",
                                                "namespace": "d"})"),
                                          true, "Pod"),
                       "metadata.generateName: Invalid value: \"Web-\": a lowercase RFC 1123 "
                       "subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                       "and must start and end with an alphanumeric character (e.g. "
                       "'example.com', regex used for validation is "
                       "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
}

TEST(ObjectMetaTest, LabelsAnnotationsFinalizersOwners) {
  auto errs =
      validateObjectMeta(j(R"({"name": "a", "namespace": "d", "labels": {"app": "bad value"},
            "annotations": {"-x": "1"}, "finalizers": ["bad finalizer"],
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p"}]})"),
                         true, "ConfigMap");
  EXPECT_TRUE(testing::find(errs, "metadata.labels") != nullptr) << testing::dump(errs);
  EXPECT_TRUE(testing::find(errs, "metadata.annotations") != nullptr);
  EXPECT_TRUE(testing::find(errs, "metadata.finalizers") != nullptr);
  EXPECT_TRUE(hasError(errs,
                       "metadata.ownerReferences.uid: Invalid value: \"\": uid must not be "
                       "empty"));
  auto fin = validateObjectMeta(
      j(R"({"name": "a", "namespace": "d", "finalizers": ["custom", "example.com/f", "orphan"]})"),
      true, "ConfigMap");
  ASSERT_EQ(fin.size(), 1u) << testing::dump(fin);
  EXPECT_EQ(fin[0].toString(),
            "metadata.finalizers[0]: Invalid value: \"custom\": name is neither a standard "
            "finalizer name nor is it fully qualified");
  // Kinds that are not built in get apimachinery's generic checks only.
  EXPECT_TRUE(
      validateObjectMeta(j(R"({"name": "a", "finalizers": ["custom"]})"), false, "Widget").empty());
  EXPECT_EQ(
      validateObjectMeta(j(R"({"name": "a", "finalizers": ["custom"]})"), false, "ClusterRole")
          .size(),
      1u);
  std::string big(256 * 1024, 'x');
  auto tooBig = validateObjectMeta(
      Json{{"name", "a"}, {"namespace", "d"}, {"annotations", {{"k", big}}}}, true, "ConfigMap");
  EXPECT_TRUE(
      hasError(tooBig, "metadata.annotations: Too long: may not be more than 262144 bytes"));
}

}  // namespace
}  // namespace orch::apiserver
