#include <gtest/gtest.h>

#include "common/api/codec.h"
#include "common/api/field_selector.h"
#include "common/api/label_selector.h"

namespace orch::api {
namespace {

Selector sel(std::string_view s) {
  auto r = Selector::parse(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? *r : Selector::nothing();
}

const Labels kWeb = {{"app", "web"}, {"tier", "frontend"}, {"env", "prod"}, {"replicas", "3"}};

TEST(LabelSelectorTest, EveryOperator) {
  EXPECT_TRUE(sel("app=web").matches(kWeb));
  EXPECT_FALSE(sel("app=db").matches(kWeb));
  EXPECT_TRUE(sel("app==web").matches(kWeb));
  EXPECT_TRUE(sel("app!=db").matches(kWeb));
  EXPECT_FALSE(sel("app!=web").matches(kWeb));
  EXPECT_TRUE(sel("missing!=x").matches(kWeb));  // != matches a missing label
  EXPECT_TRUE(sel("env in (prod,staging)").matches(kWeb));
  EXPECT_FALSE(sel("env in (dev,staging)").matches(kWeb));
  EXPECT_FALSE(sel("missing in (x)").matches(kWeb));
  EXPECT_TRUE(sel("env notin (dev,staging)").matches(kWeb));
  EXPECT_FALSE(sel("env notin (prod)").matches(kWeb));
  EXPECT_TRUE(sel("missing notin (x)").matches(kWeb));
  EXPECT_TRUE(sel("tier").matches(kWeb));
  EXPECT_FALSE(sel("missing").matches(kWeb));
  EXPECT_TRUE(sel("!missing").matches(kWeb));
  EXPECT_FALSE(sel("!tier").matches(kWeb));
  EXPECT_TRUE(sel("replicas>2").matches(kWeb));
  EXPECT_FALSE(sel("replicas>3").matches(kWeb));
  EXPECT_TRUE(sel("replicas<4").matches(kWeb));
  EXPECT_FALSE(sel("app>1").matches(kWeb));  // non-integer label value never matches
}

TEST(LabelSelectorTest, CombinedAndCanonicalString) {
  Selector s = sel("tier!=backend, app = web,env in (staging, prod),f notin (z),g,!h");
  EXPECT_FALSE(s.matches(kWeb));  // no label g
  Labels with_g = kWeb;
  with_g["g"] = "";
  EXPECT_TRUE(s.matches(with_g));
  with_g["h"] = "1";
  EXPECT_FALSE(s.matches(with_g));
  // Sorted by key, values sorted.
  EXPECT_EQ(s.toString(), "app=web,env in (prod,staging),f notin (z),g,!h,tier!=backend");
  // The canonical string parses back to the same selector.
  EXPECT_EQ(sel(s.toString()).toString(), s.toString());
  EXPECT_EQ(sel("a==b").toString(), "a==b");
  EXPECT_EQ(sel("a=").toString(), "a=");
  EXPECT_TRUE(sel("a=").matches({{"a", ""}}));
}

TEST(LabelSelectorTest, EmptyMatchesEverythingNothingMatchesNothing) {
  EXPECT_TRUE(sel("").matches(kWeb));
  EXPECT_TRUE(sel("  ").empty());
  EXPECT_TRUE(Selector::everything().matches({}));
  EXPECT_FALSE(Selector::nothing().matches(kWeb));
}

TEST(LabelSelectorTest, QualifiedKeys) {
  EXPECT_TRUE(sel("app.kubernetes.io/name=web").matches({{"app.kubernetes.io/name", "web"}}));
  EXPECT_TRUE(sel("x in (a.b-c_d)").matches({{"x", "a.b-c_d"}}));
}

TEST(LabelSelectorTest, InvalidInputIsAClearError) {
  for (const char* bad :
       {"a=b c", "a in b", "a in (b", "a in ()", "=b", "a,", ",a", "!", "a b", "a=(b)", "-a=b",
        "a=-b", "a>b", "Bad/x=y", "a/b/c=d", "a=b,", "x in (a b)", "a!", "a<>1"}) {
    auto r = Selector::parse(bad);
    EXPECT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), EINVAL);
    }
  }
  auto r = Selector::parse("app=web,-bad=x");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().context().find("invalid label key \"-bad\""), std::string::npos)
      << r.status().context();
  auto v = Selector::parse("app=" + std::string(64, 'a'));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().context().find("invalid label value"), std::string::npos);
}

TEST(LabelSelectorTest, FromSet) {
  auto s = Selector::fromSet({{"app", "web"}, {"tier", "frontend"}});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->toString(), "app=web,tier=frontend");
  EXPECT_TRUE(s->matches(kWeb));
  EXPECT_FALSE(Selector::fromSet({{"bad key", "x"}}).ok());
}

TEST(LabelSelectorTest, ApiStructToSelector) {
  auto ls = parse<LabelSelector>(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "env", "operator": "In", "values": ["prod", "staging"]},
      {"key": "tier", "operator": "NotIn", "values": ["backend"]},
      {"key": "replicas", "operator": "Exists"},
      {"key": "canary", "operator": "DoesNotExist"}
    ]})");
  ASSERT_TRUE(ls.ok()) << ls.status().message();
  auto s = toSelector(*ls);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_TRUE(s->matches(kWeb));
  EXPECT_EQ(s->toString(), "app=web,!canary,env in (prod,staging),replicas,tier notin (backend)");
  Labels canary = kWeb;
  canary["canary"] = "true";
  EXPECT_FALSE(s->matches(canary));

  // Empty selects everything; nil (nullopt) selects nothing.
  EXPECT_TRUE(toSelector(LabelSelector{})->matches(kWeb));
  EXPECT_FALSE(toSelector(std::optional<LabelSelector>())->matches(kWeb));

  LabelSelector bad;
  bad.matchExpressions.push_back({.key = "a", .operator_ = "Equals", .values = {"b"}});
  auto e = toSelector(bad);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().context().find("matchExpressions[0].operator"), std::string::npos);
  LabelSelector empty_in;
  empty_in.matchExpressions.push_back({.key = "a", .operator_ = "In"});
  EXPECT_FALSE(toSelector(empty_in).ok());
}

TEST(FieldSelectorTest, ParseAndMatch) {
  auto s = FieldSelector::parse("metadata.name=x,spec.nodeName!=y,status.phase==Running");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->requirements().size(), 3u);
  std::map<std::string, std::string> f = {
      {"metadata.name", "x"}, {"spec.nodeName", "node-1"}, {"status.phase", "Running"}};
  EXPECT_TRUE(s->matches(f));
  f["spec.nodeName"] = "y";
  EXPECT_FALSE(s->matches(f));
  EXPECT_EQ(s->toString(), "metadata.name=x,spec.nodeName!=y,status.phase==Running");
  EXPECT_EQ(s->requiresExactMatch("metadata.name"), std::optional<std::string>("x"));
  EXPECT_EQ(s->requiresExactMatch("spec.nodeName"), std::nullopt);

  // Through a getter; an unknown field reads as "".
  auto g = FieldSelector::parse("spec.nodeName=,metadata.namespace=shop");
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->matches([](std::string_view field) -> std::optional<std::string> {
    if (field == "metadata.namespace") return "shop";
    return std::nullopt;
  }));
  EXPECT_TRUE(FieldSelector::parse("")->matches(
      [](std::string_view) { return std::optional<std::string>(); }));
}

TEST(FieldSelectorTest, EscapedValues) {
  auto s = FieldSelector::parse(R"(metadata.name=a\,b\=c\\d)");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->requirements()[0].value, R"(a,b=c\d)");
  EXPECT_EQ(s->toString(), R"(metadata.name=a\,b\=c\\d)");
}

TEST(FieldSelectorTest, InvalidInput) {
  for (const char* bad : {"metadata.name", "=x", "a=b=c", R"(a=b\)", R"(a=\x)", "a=b,,c=d"}) {
    auto s = FieldSelector::parse(bad);
    EXPECT_FALSE(s.ok()) << "accepted \"" << bad << "\"";
  }
}

}  // namespace
}  // namespace orch::api
