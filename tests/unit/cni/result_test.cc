#include <gtest/gtest.h>

#include "common/cni/error.h"
#include "common/cni/ip.h"
#include "common/cni/result.h"
#include "common/cni/version.h"

namespace orch::cni {
namespace {

using nlohmann::json;

TEST(IpTest, ParsesAndFormats) {
  auto a = IpAddr::parse("10.1.0.255");
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->isV4());
  EXPECT_EQ(a->next().toString(), "10.1.1.0");
  EXPECT_EQ(a->prev().toString(), "10.1.0.254");
  auto m = IpAddr::parse("::ffff:10.0.0.1");
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->isV4());
  EXPECT_EQ(m->toString(), "10.0.0.1");
  EXPECT_FALSE(IpAddr::parse("10.1.0").ok());
  auto n = IpNet::parse("fd00::5/64");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->network().toString(), "fd00::");
  EXPECT_EQ(n->last().toString(), "fd00::ffff:ffff:ffff:ffff");
  EXPECT_FALSE(IpNet::parse("10.0.0.0/33").ok());
  EXPECT_FALSE(IpNet::parse("10.0.0.0").ok());
  auto v4 = IpNet::parse("10.0.0.0/22");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->last().toString(), "10.0.3.255");
  EXPECT_TRUE(v4->contains(*IpAddr::parse("10.0.2.7")));
  EXPECT_FALSE(v4->contains(*IpAddr::parse("10.0.4.0")));
}

TEST(VersionTest, ComparesAndNegotiates) {
  EXPECT_LT(compareVersions("0.3.1", "0.4.0"), 0);
  EXPECT_GT(compareVersions("1.10.0", "1.9.0"), 0);
  EXPECT_EQ(compareVersions("1.0.0", "1.0.0"), 0);
  EXPECT_FALSE(isValidVersion("1.0"));
  EXPECT_TRUE(isSupportedVersion("0.3.0"));
  EXPECT_FALSE(isSupportedVersion("0.2.0"));
  EXPECT_EQ(negotiateVersion({"0.4.0", "1.1.0", "9.9.9"}, supportedVersions()), "1.1.0");
  EXPECT_EQ(negotiateVersion({"9.9.9"}, supportedVersions()), std::nullopt);
}

json sampleResult() {
  return json::parse(R"({
    "cniVersion": "1.1.0",
    "interfaces": [{"name": "eth0", "mac": "aa:bb:cc:dd:ee:ff", "mtu": 1400,
                    "sandbox": "/run/netns/x", "socketPath": "/s", "pciID": "0000:00:01.0"}],
    "ips": [{"address": "10.1.0.2/24", "gateway": "10.1.0.1", "interface": 0},
            {"address": "fd00::2/64", "interface": 0}],
    "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.0.1", "mtu": 1300, "priority": 5}],
    "dns": {"nameservers": ["10.0.0.10"], "search": ["a.local"]}
  })");
}

TEST(ResultTest, ConvertsTo1_1Unchanged) {
  auto r = CniResult::fromJson(sampleResult());
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto j = r->toJson("1.1.0");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*j, sampleResult());
}

TEST(ResultTest, ConvertsTo1_0DroppingNewFields) {
  auto r = CniResult::fromJson(sampleResult());
  ASSERT_TRUE(r.ok());
  auto j = r->toJson("1.0.0");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["cniVersion"], "1.0.0");
  EXPECT_FALSE((*j)["interfaces"][0].contains("mtu"));
  EXPECT_FALSE((*j)["interfaces"][0].contains("socketPath"));
  EXPECT_FALSE((*j)["routes"][0].contains("mtu"));
  EXPECT_FALSE((*j)["ips"][0].contains("version"));
  EXPECT_EQ((*j)["routes"][0]["gw"], "10.1.0.1");
}

TEST(ResultTest, ConvertsTo0_xWithIpVersion) {
  auto r = CniResult::fromJson(sampleResult());
  ASSERT_TRUE(r.ok());
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0"}) {
    auto j = r->toJson(v);
    ASSERT_TRUE(j.ok());
    EXPECT_EQ((*j)["cniVersion"], v);
    EXPECT_EQ((*j)["ips"][0]["version"], "4");
    EXPECT_EQ((*j)["ips"][1]["version"], "6");
    EXPECT_EQ((*j)["ips"][0]["gateway"], "10.1.0.1");
  }
  EXPECT_FALSE(r->toJson("0.2.0").ok());
}

TEST(ResultTest, Parses0_4AndUpconverts) {
  auto r = CniResult::fromJson(json::parse(
      R"({"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.0.0.5/16","gateway":"10.0.0.1"}]})"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  auto j = r->toJson("1.0.0");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(
      *j,
      json::parse(
          R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.5/16","gateway":"10.0.0.1"}],"dns":{}})"));
}

TEST(ResultTest, RejectsBadFieldsNamingThem) {
  auto r = CniResult::fromJson(json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"x"}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("result.ips[0].address"), std::string::npos);
  r = CniResult::fromJson(
      json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.1/8","interface":3}]})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("interface"), std::string::npos);
  r = CniResult::fromJson(json::parse(R"({"cniVersion":"7.0.0"})"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cniVersion"), std::string::npos);
}

TEST(ErrorTest, WireFormRoundTrips) {
  Error e{kErrTryAgainLater, "busy", "later"};
  json j = e.toJson("1.0.0");
  EXPECT_EQ(j, json::parse(R"({"cniVersion":"1.0.0","code":11,"msg":"busy","details":"later"})"));
  auto back = Error::fromJson(j);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->code, 11);
  EXPECT_EQ(back->details, "later");
  EXPECT_EQ(e.toStatus("x").code(), EAGAIN);
  EXPECT_FALSE(Error::fromJson(json::parse(R"({"msg":"no code"})")).has_value());
}

}  // namespace
}  // namespace orch::cni
