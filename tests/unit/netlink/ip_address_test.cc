#include "common/netlink/ip_address.h"

#include <gtest/gtest.h>

namespace orch::netlink {
namespace {

IpAddress ip(const char* s) {
  return IpAddress::parse(s).value();
}
IpPrefix pfx(const char* s) {
  return IpPrefix::parse(s).value();
}

TEST(IpAddressTest, ParsesAndFormatsV4) {
  IpAddress a = ip("10.1.2.3");
  EXPECT_TRUE(a.isV4());
  EXPECT_EQ(a.toString(), "10.1.2.3");
  EXPECT_EQ(a.v4Value(), 0x0a010203u);
  EXPECT_EQ(IpAddress::v4(0x0a010203u), a);
}

TEST(IpAddressTest, ParsesAndFormatsV6Canonically) {
  IpAddress a = ip("FD00:0:0:0:0:0:0:1");
  EXPECT_TRUE(a.isV6());
  EXPECT_EQ(a.toString(), "fd00::1");
  EXPECT_EQ(a.bitLength(), 128);
}

TEST(IpAddressTest, RejectsGarbage) {
  for (const char* bad :
       {"", "10.1.2", "10.1.2.256", "fd00::1::2", "abc", "10.1.2.3/24", " 10.1.2.3"}) {
    auto r = IpAddress::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), EINVAL);
    }
  }
  EXPECT_NE(IpAddress::parse("nope").status().message().find("\"nope\""), std::string::npos);
}

TEST(IpAddressTest, NextAndPrevCarryAndStopAtTheEnds) {
  EXPECT_EQ(ip("10.0.0.255").next()->toString(), "10.0.1.0");
  EXPECT_EQ(ip("10.0.1.0").prev()->toString(), "10.0.0.255");
  EXPECT_EQ(ip("fd00::ffff").next()->toString(), "fd00::1:0");
  EXPECT_FALSE(ip("255.255.255.255").next().has_value());
  EXPECT_FALSE(ip("0.0.0.0").prev().has_value());
  EXPECT_FALSE(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next().has_value());
}

TEST(IpAddressTest, OrdersV4BeforeV6ThenByValue) {
  EXPECT_LT(ip("10.0.0.2"), ip("10.0.0.10"));
  EXPECT_LT(ip("255.255.255.255"), ip("::"));
  EXPECT_EQ(ip("::1"), ip("0::1"));
}

TEST(IpAddressTest, FromBytesChecksLength) {
  uint8_t b[16] = {192, 0, 2, 1};
  EXPECT_EQ(IpAddress::fromBytes(b, 4)->toString(), "192.0.2.1");
  EXPECT_TRUE(IpAddress::fromBytes(b, 16)->isV6());
  EXPECT_FALSE(IpAddress::fromBytes(b, 5).ok());
}

TEST(IpPrefixTest, ParsesKeepingHostBits) {
  IpPrefix p = pfx("10.1.2.3/24");
  EXPECT_EQ(p.address().toString(), "10.1.2.3");
  EXPECT_EQ(p.length(), 24);
  EXPECT_EQ(p.toString(), "10.1.2.3/24");
  EXPECT_EQ(p.masked().toString(), "10.1.2.0/24");
}

TEST(IpPrefixTest, RejectsBadCidrs) {
  for (const char* bad : {"10.1.2.3", "10.1.2.3/", "10.1.2.3/33", "fd00::/129", "10.1.2.3/2a",
                          "/24", "10.1.2.3/-1", "10.1.2.3/0024"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).ok()) << bad;
  }
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0").ok());
  EXPECT_TRUE(IpPrefix::parse("::/0").ok());
}

TEST(IpPrefixTest, NetworkBroadcastNetmask) {
  IpPrefix p = pfx("10.1.2.3/22");
  EXPECT_EQ(p.network().toString(), "10.1.0.0");
  EXPECT_EQ(p.broadcast().toString(), "10.1.3.255");
  EXPECT_EQ(p.netmask().toString(), "255.255.252.0");
  IpPrefix v6 = pfx("fd00:1:2:3::5/64");
  EXPECT_EQ(v6.network().toString(), "fd00:1:2:3::");
  EXPECT_EQ(v6.broadcast().toString(), "fd00:1:2:3:ffff:ffff:ffff:ffff");
  EXPECT_EQ(pfx("10.1.2.3/32").network().toString(), "10.1.2.3");
  EXPECT_EQ(pfx("10.1.2.3/0").network().toString(), "0.0.0.0");
  EXPECT_EQ(pfx("10.1.2.3/0").broadcast().toString(), "255.255.255.255");
}

TEST(IpPrefixTest, Contains) {
  IpPrefix p = pfx("10.1.0.0/16");
  EXPECT_TRUE(p.contains(ip("10.1.255.255")));
  EXPECT_TRUE(p.contains(ip("10.1.0.0")));
  EXPECT_FALSE(p.contains(ip("10.2.0.0")));
  EXPECT_FALSE(p.contains(ip("::ffff:10.1.0.1")));  // other family
  EXPECT_TRUE(p.contains(pfx("10.1.5.0/24")));
  EXPECT_FALSE(p.contains(pfx("10.0.0.0/8")));
  EXPECT_TRUE(pfx("::/0").contains(ip("fd00::1")));
  EXPECT_FALSE(pfx("::/0").contains(ip("10.0.0.1")));
}

TEST(IpPrefixTest, HostPrefix) {
  EXPECT_EQ(IpPrefix::host(ip("10.0.0.1")).toString(), "10.0.0.1/32");
  EXPECT_EQ(IpPrefix::host(ip("fd00::1")).toString(), "fd00::1/128");
}

TEST(MacTest, ParseAndFormat) {
  auto m = parseMac("02:AB:cd:00:01:ff");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(formatMac(m->data(), m->size()), "02:ab:cd:00:01:ff");
  for (const char* bad :
       {"", "02:ab:cd:00:01", "02:ab:cd:00:01:fg", "02-ab-cd-00-01-ff", "02:ab:cd:00:01:ff:"}) {
    EXPECT_FALSE(parseMac(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace orch::netlink
