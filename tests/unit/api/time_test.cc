#include <gtest/gtest.h>

#include "common/api/codec.h"
#include "common/api/int_or_string.h"
#include "common/api/object_key.h"
#include "common/api/time.h"

namespace orch::api {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TimeTest, ParsesZuluAndOffsets) {
  auto t = Time::parse("2026-11-27T16:25:49Z");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->unixSeconds(), 1795796749);
  EXPECT_EQ(t->format(), "2026-11-27T16:25:49Z");

  auto plus = Time::parse("2026-11-27T18:25:49+02:00");
  ASSERT_TRUE(plus.ok());
  EXPECT_EQ(*plus, *t);
  auto minus = Time::parse("2026-11-27T11:55:49-04:30");
  ASSERT_TRUE(minus.ok());
  EXPECT_EQ(*minus, *t);
  auto lower = Time::parse("2026-11-27t16:25:49z");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, *t);
}

TEST(TimeTest, FractionalSeconds) {
  auto t = Time::parse("2026-11-27T16:25:49.5Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->timePoint().time_since_epoch(), std::chrono::duration_cast<WallTime::duration>(
                                                   seconds(1795796749) + milliseconds(500)));
  // metav1.Time is written with whole seconds.
  EXPECT_EQ(t->format(), "2026-11-27T16:25:49Z");
  EXPECT_EQ(t->truncated(), *Time::parse("2026-11-27T16:25:49Z"));

  auto m = MicroTime::parse("2026-11-27T16:25:49.123456789Z");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->format(), "2026-11-27T16:25:49.123456Z");
  auto m2 = MicroTime::parse("2026-11-27T17:25:49.1+01:00");
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->format(), "2026-11-27T16:25:49.100000Z");
}

TEST(TimeTest, FormatsBeforeEpochAndLeapDays) {
  EXPECT_EQ(Time::fromUnixSeconds(0).format(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Time::fromUnixSeconds(-1).format(), "1969-12-31T23:59:59Z");
  auto leap = Time::parse("2028-02-29T23:59:59Z");
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->format(), "2028-02-29T23:59:59Z");
  EXPECT_EQ(formatRfc3339(WallTime(microseconds(1500)), 3), "1970-01-01T00:00:00.001Z");
}

TEST(TimeTest, InvalidInputIsAClearError) {
  for (const char* bad :
       {"", "2026-11-27", "2026-11-27T16:25:49", "2026-11-27 16:25:49Z", "2026-13-01T00:00:00Z",
        "2027-02-29T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T16:60:00Z",
        "2026-11-27T16:25:60Z", "2026-11-27T16:25:49.Z", "2026-11-27T16:25:49+0200",
        "2026-11-27T16:25:49Zjunk", "26-11-27T16:25:49Z", "2026-11-27T16:25:49+24:00"}) {
    auto t = Time::parse(bad);
    EXPECT_FALSE(t.ok()) << "accepted \"" << bad << "\"";
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), EINVAL);
      EXPECT_NE(t.status().context().find(bad), std::string::npos);
    }
  }
}

TEST(TimeTest, JsonErrorsNameTheField) {
  auto t = decode<Time>(Json(5));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().context(), "expected string, got integer");
}

TEST(IntOrStringTest, JsonBothForms) {
  auto i = decode<IntOrString>(Json(8080));
  ASSERT_TRUE(i.ok());
  EXPECT_TRUE(i->isInt());
  EXPECT_EQ(i->intValue(), 8080);
  EXPECT_EQ(encode(*i), Json(8080));
  auto s = decode<IntOrString>(Json("http"));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->isString());
  EXPECT_EQ(s->strValue(), "http");
  EXPECT_EQ(encode(*s), Json("http"));
  EXPECT_EQ(s->toString(), "http");
  EXPECT_EQ(IntOrString(5).toString(), "5");
  EXPECT_FALSE(decode<IntOrString>(Json(1.5)).ok());
  EXPECT_FALSE(decode<IntOrString>(Json(int64_t{1} << 40)).ok());
  EXPECT_FALSE(decode<IntOrString>(Json::array()).ok());
}

TEST(IntOrStringTest, ScaledPercent) {
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString(3), 10, true), 3);
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString("25%"), 10, true), 3);
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString("25%"), 10, false), 2);
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString("100%"), 7, false), 7);
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString("0%"), 7, true), 0);
  EXPECT_EQ(*scaledValueFromIntOrPercent(IntOrString("10%"), 0, true), 0);
  for (const char* bad : {"25", "%", "x%", "2.5%", "-5%", "25 %"}) {
    auto r = scaledValueFromIntOrPercent(IntOrString(bad), 10, true);
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(ObjectKeyTest, NamespacedAndClusterScoped) {
  ObjectMeta m;
  m.name = "web";
  EXPECT_EQ(objectKey(m), "web");
  m.namespace_ = "shop";
  EXPECT_EQ(objectKey(m), "shop/web");
  auto split = splitObjectKey("shop/web");
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->first, "shop");
  EXPECT_EQ(split->second, "web");
  auto cluster = splitObjectKey("node-1");
  ASSERT_TRUE(cluster.ok());
  EXPECT_EQ(cluster->first, "");
  EXPECT_FALSE(splitObjectKey("a/b/c").ok());
  EXPECT_FALSE(splitObjectKey("").ok());
}

TEST(Base64Test, RoundTripAndErrors) {
  for (std::string bytes :
       {std::string(""), std::string("f"), std::string("fo"), std::string("foo"),
        std::string("foob"), std::string("\0\xff\x10", 3)}) {
    auto back = base64Decode(base64Encode(bytes));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, bytes);
  }
  EXPECT_EQ(base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  for (const char* bad : {"Zm8", "Zm=8", "Z===", "Zm9v!mFy", "=Zm8"}) {
    EXPECT_FALSE(base64Decode(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace orch::api
