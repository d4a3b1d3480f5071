#include "common/api/quantity.h"

#include <gtest/gtest.h>

#include "common/api/codec.h"

namespace orch::api {
namespace {

std::string canon(std::string_view in) {
  auto q = Quantity::parse(in);
  EXPECT_TRUE(q.ok()) << in << ": " << q.status().message();
  return q.ok() ? q->toString() : "<error>";
}

TEST(QuantityTest, CanonicalFormsAsUpstream) {
  // Expected strings from k8s.io/apimachinery resource quantity tests.
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"0", "0"},
      {"0Mi", "0"},
      {"0m", "0"},
      {"100m", "100m"},
      {"1000m", "1"},
      {"0.1", "100m"},
      {"0.5", "500m"},
      {"1e3", "1e3"},
      {"1.5e3", "1500"},
      {"1E", "1E"},
      {"12E", "12E"},
      {"1.5Gi", "1536Mi"},
      {"1Ki", "1Ki"},
      {"1024Mi", "1Gi"},
      {"1000M", "1G"},
      {"2Ki", "2Ki"},
      {"0.5Ki", "512"},
      {"1025", "1025"},
      {".001Ki", "1024m"},
      {".000001Ki", "1024u"},
      {".000000001Ki", "1024n"},
      {".000000000001Ki", "2n"},
      {"+1", "1"},
      {"-5", "-5"},
      {"1E-3", "1e-3"},
      {"80e-3", "80e-3"},
      {"300e6", "300e6"},
      {"1.", "1"},
      {"1.G", "1G"},
      {".001", "1m"},
      {"3.001n", "4n"},
      {"0.00000012345", "124n"},
      {"100.035k", "100035"},
      {"10.035M", "10035k"},
      {"1.01E", "1010P"},
      {"1000E", "1e21"},
      {"5300m", "5300m"},
      {"5.4", "5400m"},
      {"1080m", "1080m"},
      {"1.08", "1080m"},
      {"-1.5Gi", "-1536Mi"},
      {"300Mi", "300Mi"},
      {"307200Ki", "300Mi"},
      {"1001Gi", "1001Gi"},
      {"3Ei", "3Ei"},
      {"9Ei", "9223372036854775807"},  // binary SI is capped at 2^63-1, as upstream
  };
  for (const auto& c : cases) EXPECT_EQ(canon(c.in), c.out) << "input " << c.in;
}

TEST(QuantityTest, FormatFollowsSuffix) {
  EXPECT_EQ(Quantity::mustParse("1Gi").format(), Quantity::Format::kBinarySI);
  EXPECT_EQ(Quantity::mustParse("1G").format(), Quantity::Format::kDecimalSI);
  EXPECT_EQ(Quantity::mustParse("5").format(), Quantity::Format::kDecimalSI);
  EXPECT_EQ(Quantity::mustParse("1e3").format(), Quantity::Format::kDecimalExponent);
  EXPECT_EQ(Quantity::mustParse("1E3").format(), Quantity::Format::kDecimalExponent);
}

TEST(QuantityTest, InvalidInputIsAClearError) {
  for (const char* bad : {"",     " 1",  "1 ",  "1.1.M",  "1+1.0M",  "0.1mi",        "0.1am",
                          "aoeu", ".5i", "1i",  "-3.01i", "-3.01e-", "1e4294967297", "Ki",
                          "-",    "+",   "1KI", "1e",     "1.5.5",   "--1",          "1e3.5"}) {
    auto q = Quantity::parse(bad);
    EXPECT_FALSE(q.ok()) << "accepted \"" << bad << "\" as " << (q.ok() ? q->toString() : "");
    if (!q.ok()) {
      EXPECT_EQ(q.status().code(), EINVAL);
      EXPECT_NE(q.status().context().find("invalid quantity"), std::string::npos);
    }
  }
  // "." is zero upstream (an empty number); keep that.
  EXPECT_EQ(canon("."), "0");
}

TEST(QuantityTest, OutOfRangeIsRejected) {
  auto q = Quantity::parse("1e40");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().context().find("out of range"), std::string::npos);
}

TEST(QuantityTest, ValueAndMilliValueRoundAwayFromZero) {
  EXPECT_EQ(Quantity::mustParse("1").milliValue(), 1000);
  EXPECT_EQ(Quantity::mustParse("250m").milliValue(), 250);
  EXPECT_EQ(Quantity::mustParse("250m").value(), 1);
  EXPECT_EQ(Quantity::mustParse("1.5Gi").value(), 1610612736);
  EXPECT_EQ(Quantity::mustParse("1n").milliValue(), 1);
  EXPECT_EQ(Quantity::mustParse("-1n").milliValue(), -1);
  EXPECT_EQ(Quantity::mustParse("-9.01").value(), -10);
  EXPECT_EQ(Quantity::mustParse("2k").value(), 2000);
  EXPECT_EQ(Quantity::mustParse("1E").value(), 1000000000000000000LL);
  EXPECT_EQ(Quantity::mustParse("100E").value(), INT64_MAX);  // saturates
}

TEST(QuantityTest, Compare) {
  EXPECT_EQ(Quantity::mustParse("0").compare(Quantity::mustParse("0")), 0);
  EXPECT_EQ(Quantity::mustParse("100m").compare(Quantity::mustParse("50m")), 1);
  EXPECT_EQ(Quantity::mustParse("50m").compare(Quantity::mustParse("100m")), -1);
  EXPECT_EQ(Quantity::mustParse("10000T").compare(Quantity::mustParse("100Gi")), 1);
  EXPECT_TRUE(Quantity::mustParse("1Ki") == Quantity::mustParse("1024"));
  EXPECT_TRUE(Quantity::mustParse("1") == Quantity::mustParse("1000m"));
  EXPECT_TRUE(Quantity::mustParse("999m") < Quantity::mustParse("1"));
  EXPECT_TRUE(Quantity::mustParse("-1") < Quantity::mustParse("0"));
}

TEST(QuantityTest, AddSub) {
  Quantity q = Quantity::mustParse("100m");
  q += Quantity::mustParse("900m");
  EXPECT_EQ(q.toString(), "1");
  q -= Quantity::mustParse("1500m");
  EXPECT_EQ(q.toString(), "-500m");
  EXPECT_EQ((Quantity::mustParse("1Gi") + Quantity::mustParse("512Mi")).toString(), "1536Mi");
  EXPECT_EQ((Quantity::mustParse("1Gi") - Quantity::mustParse("1Gi")).toString(), "0");
  // A zero receiver takes the other's format, so 0 + 1Gi prints 1Gi (as upstream).
  EXPECT_EQ((Quantity() + Quantity::mustParse("1Gi")).toString(), "1Gi");
  EXPECT_EQ((Quantity::mustParse("100m") + Quantity()).toString(), "100m");
  EXPECT_EQ((Quantity() - Quantity::mustParse("1Gi")).toString(), "-1Gi");
  EXPECT_EQ((-Quantity::mustParse("9.01")).toString(), "-9010m");
  // Saturates instead of overflowing.
  Quantity big = Quantity::mustParse("100000000E");
  for (int i = 0; i < 20; ++i) big += big;
  EXPECT_GT(big.compare(Quantity::mustParse("100000000E")), 0);
}

TEST(QuantityTest, Constructors) {
  EXPECT_EQ(Quantity::fromValue(5 * 1024 * 1024 * 1024LL, Quantity::Format::kBinarySI).toString(),
            "5Gi");
  EXPECT_EQ(Quantity::fromValue(5000000000LL).toString(), "5G");
  EXPECT_EQ(Quantity::fromMilli(5300).toString(), "5300m");
}

TEST(QuantityTest, JsonStringAndNumberInput) {
  auto q = decode<Quantity>(Json("1.5Gi"));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(encode(*q), Json("1536Mi"));
  auto n = decode<Quantity>(Json(2));
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(n->toString(), "2");
  auto f = decode<Quantity>(Json(0.5));
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->toString(), "500m");
  auto b = decode<Quantity>(Json(true));
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().context().find("expected quantity string, got boolean"), std::string::npos);
}

}  // namespace
}  // namespace orch::api
