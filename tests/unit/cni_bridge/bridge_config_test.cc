#include "cni-plugins/bridge/bridge_config.h"

#include <gtest/gtest.h>

namespace orch::cni::bridge {
namespace {

using nlohmann::json;

Result<BridgeConf> parse(const std::string& text,
                         std::vector<std::pair<std::string, std::string>> args = {}) {
  return parseBridgeConf(json::parse(text), args);
}

TEST(BridgeConfig, DefaultsAsTheReference) {
  auto c = parse(R"({"cniVersion":"1.0.0","name":"n","type":"bridge"})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->bridge, "cni0");
  EXPECT_FALSE(c->is_gateway);
  EXPECT_TRUE(c->preserve_default_vlan);
  EXPECT_FALSE(c->enable_dad);
  EXPECT_FALSE(c->vlanFiltering());
  EXPECT_EQ(c->ipam_type, "");
  EXPECT_FALSE(c->ip_masq_backend.has_value());
}

TEST(BridgeConfig, DefaultGatewayImpliesGateway) {
  auto c = parse(R"({"name":"n","isDefaultGateway":true,"ipam":{"type":"host-local"}})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->is_gateway);
  EXPECT_EQ(c->ipam_type, "host-local");
}

TEST(BridgeConfig, VlanTrunkExpandsRangesAndIds) {
  auto c = parse(R"({"name":"n","vlanTrunk":[{"minID":10,"maxID":12},{"id":5},{"id":11}]})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->vlans, (std::vector<int>{5, 10, 11, 12}));
  EXPECT_TRUE(c->vlanFiltering());
}

TEST(BridgeConfig, BadVlanValuesNameTheField) {
  struct Case {
    const char* conf;
    const char* field;
  } cases[] = {
      {R"({"vlan":4095})", "vlan"},
      {R"({"vlan":-1})", "vlan"},
      {R"({"vlanTrunk":[{"minID":0,"maxID":5}]})", "vlanTrunk[0].minID"},
      {R"({"vlanTrunk":[{"minID":5,"maxID":5000}]})", "vlanTrunk[0].maxID"},
      {R"({"vlanTrunk":[{"minID":9,"maxID":5}]})", "minID is greater than maxID"},
      {R"({"vlanTrunk":[{"maxID":5}]})", "minID is missing"},
      {R"({"vlanTrunk":[{"id":1},{"minID":5}]})", "vlanTrunk[1]"},
      {R"({"vlanTrunk":[{"id":0}]})", "vlanTrunk[0].id"},
      {R"({"vlan":3,"vlanTrunk":[{"id":4}]})", "at the same time"},
      {R"({"mtu":"1500"})", "mtu"},
      {R"({"hairpinMode":true,"promiscMode":true})", "hairpin"},
      {R"({"ipMasqBackend":"ebtables"})", "ipMasqBackend"},
      {R"({"ipam":{}})", "ipam.type"},
      {R"({"bridge":"this-name-is-too-long"})", "bridge"},
      {R"({"runtimeConfig":{"mac":"zz:00"}})", "mac"},
  };
  for (const auto& tc : cases) {
    auto c = parse(tc.conf);
    ASSERT_FALSE(c.ok()) << tc.conf;
    EXPECT_EQ(c.status().code(), EINVAL);
    EXPECT_NE(c.status().message().find(tc.field), std::string::npos)
        << tc.conf << " → " << c.status().message();
  }
}

TEST(BridgeConfig, MacPrecedenceRuntimeConfigOverArgsOverCniArgs) {
  const char* base = R"({"name":"n"})";
  auto a = parse(base, {{"IgnoreUnknown", "1"}, {"MAC", "02:00:00:00:00:01"}});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->mac, "02:00:00:00:00:01");
  auto b = parse(R"({"name":"n","args":{"cni":{"mac":"02:00:00:00:00:02"}}})",
                 {{"MAC", "02:00:00:00:00:01"}});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->mac, "02:00:00:00:00:02");
  auto c = parse(
      R"({"name":"n","args":{"cni":{"mac":"02:00:00:00:00:02"}},
          "runtimeConfig":{"mac":"02:00:00:00:00:0A"}})",
      {{"MAC", "02:00:00:00:00:01"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mac, "02:00:00:00:00:0a");
}

TEST(BridgeConfig, RandomVethNamesLookLikeTheReference) {
  std::string a = randomVethName(), b = randomVethName();
  EXPECT_EQ(a.size(), 12u);
  EXPECT_EQ(a.substr(0, 4), "veth");
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef", 4), std::string::npos);
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace orch::cni::bridge
