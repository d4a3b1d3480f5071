#include "cni-plugins/portmap/portmap_config.h"

#include <gtest/gtest.h>

namespace orch::cni::portmap {
namespace {

using nlohmann::json;

const char* kPrev = R"({"cniVersion":"1.0.0",
  "interfaces":[{"name":"cni0"},{"name":"vethx"},{"name":"eth0","sandbox":"/run/netns/x"}],
  "ips":[{"address":"10.1.0.9/24","interface":1},{"address":"10.1.0.5/24","interface":2},
         {"address":"10.1.0.6/24","interface":2},{"address":"fd00::5/64","interface":2}]})";

json conf(const std::string& extra) {
  json j = json::parse(R"({"cniVersion":"1.0.0","name":"pm","type":"portmap"})");
  j["prevResult"] = json::parse(kPrev);
  json e = json::parse(extra);
  for (auto& [k, v] : e.items()) j[k] = v;
  return j;
}

TEST(PortMapConfig, DefaultsAndContainerAddresses) {
  auto c = parsePortMapConf(
      conf(R"({"runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,
               "protocol":"TCP"},{"hostPort":53,"containerPort":53,"protocol":"udp",
               "hostIP":"192.0.2.1"}]}})"),
      "eth0");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->snat);
  EXPECT_EQ(c->mark_masq_bit, 13);
  EXPECT_EQ(c->backend, "nftables");
  ASSERT_EQ(c->mappings.size(), 2u);
  EXPECT_EQ(c->mappings[0], (PortMapping{8080, 80, "tcp", ""}));
  EXPECT_EQ(c->mappings[1], (PortMapping{53, 53, "udp", "192.0.2.1"}));
  ASSERT_TRUE(c->cont_v4 && c->cont_v6);
  // The host-side address (interface 1) is skipped; the first sandbox address wins.
  EXPECT_EQ(c->cont_v4->toString(), "10.1.0.5/24");
  EXPECT_EQ(c->cont_v6->toString(), "fd00::5/64");
}

TEST(PortMapConfig, IptablesOnlyOptionsSelectIptables) {
  auto c = parsePortMapConf(conf(R"({"markMasqBit":5})"), "eth0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->backend, "iptables");
  EXPECT_EQ(c->mark_masq_bit, 5);
}

TEST(PortMapConfig, BadInputNamesTheField) {
  struct Case {
    const char* extra;
    const char* field;
  } cases[] = {
      {R"({"markMasqBit":32})", "markMasqBit"},
      {R"({"markMasqBit":3,"externalSetMarkChain":"X"})", "externalSetMarkChain"},
      {R"({"backend":"ipvs"})", "backend"},
      {R"({"backend":"nftables","markMasqBit":3})", "backend"},
      {R"({"snat":"yes"})", "snat"},
      {R"({"runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":80}]}})",
       "portMappings[0].hostPort"},
      {R"({"runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":70000}]}})",
       "portMappings[0].containerPort"},
      {R"({"runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1,"protocol":"icmp"}]}})",
       "portMappings[0].protocol"},
      {R"({"runtimeConfig":{"portMappings":[{"hostPort":1,"containerPort":1,"hostIP":"x"}]}})",
       "portMappings[0].hostIP"},
      {R"({"conditionsV4":"ip saddr 1.2.3.4"})", "conditionsV4"},
  };
  for (const auto& tc : cases) {
    auto c = parsePortMapConf(conf(tc.extra), "eth0");
    ASSERT_FALSE(c.ok()) << tc.extra;
    EXPECT_NE(c.status().message().find(tc.field), std::string::npos)
        << tc.extra << " → " << c.status().message();
  }
}

}  // namespace
}  // namespace orch::cni::portmap
