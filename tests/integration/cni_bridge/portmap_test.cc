// portmap end to end inside test namespaces: a client namespace connects to the host
// namespace's address and reaches an echo server in the container namespace through the
// DNAT rules; hostIP filtering; DEL; both backends; interplay with the reference portmap.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/integration/cni_bridge/cni_harness.h"
#include "tests/integration/cni_bridge/echo.h"
#include "tests/support/temp_dir.h"

namespace orch::testing::cnib {
namespace {

using nlohmann::json;

class PortmapTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    host_ = newNetns();
    cont_ = newNetns();
    client_ = newNetns();
    ASSERT_TRUE(host_ && cont_ && client_);
    // host up0 192.0.2.1 (+ .50) <-> client cl0 192.0.2.2
    ASSERT_TRUE(host_
                    ->ip({"link", "add", "up0", "type", "veth", "peer", "name", "cl0", "netns",
                          client_->name()})
                    .isOk());
    ASSERT_TRUE(host_->ip({"addr", "add", "192.0.2.1/24", "dev", "up0"}).isOk());
    ASSERT_TRUE(host_->ip({"addr", "add", "192.0.2.50/24", "dev", "up0"}).isOk());
    ASSERT_TRUE(host_->ip({"link", "set", "up0", "up"}).isOk());
    ASSERT_TRUE(client_->ip({"addr", "add", "192.0.2.2/24", "dev", "cl0"}).isOk());
    ASSERT_TRUE(client_->ip({"link", "set", "cl0", "up"}).isOk());
    bridge_conf_ = json::parse(R"({"cniVersion":"1.0.0","name":"pmnet","type":"bridge",
        "bridge":"cnipm0","isDefaultGateway":true,
        "ipam":{"type":"host-local","ranges":[[{"subnet":"10.88.0.0/24"}]]}})");
    bridge_conf_["ipam"]["dataDir"] = tmp_.path() + "/ipam";
    CniCall k{"ADD", "pmctr", "/run/netns/" + cont_->name(), "eth0", "", ourPluginDir(), "bridge"};
    auto r = runPlugin(*host_, k, bridge_conf_.dump());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    prev_ = r.json;
    std::string a = prev_["ips"][0]["address"];
    cont_ip_ = a.substr(0, a.find('/'));
  }

  json portmapConf(const std::string& backend, const json& mappings) {
    json j = json::parse(R"({"cniVersion":"1.0.0","name":"pmnet","type":"portmap"})");
    if (!backend.empty()) j["backend"] = backend;
    j["runtimeConfig"]["portMappings"] = mappings;
    j["prevResult"] = prev_;
    return j;
  }
  CniReply portmap(const std::string& cmd, const json& conf, const std::string& dir) {
    CniCall k{cmd, "pmctr", "/run/netns/" + cont_->name(), "eth0", "", dir, "portmap"};
    return runPlugin(*host_, k, conf.dump());
  }

  TempDir tmp_;
  TestNetns* host_ = nullptr;
  TestNetns* cont_ = nullptr;
  TestNetns* client_ = nullptr;
  json bridge_conf_, prev_;
  std::string cont_ip_;
};

const json kMappings = json::parse(R"([
  {"hostPort":8080,"containerPort":80,"protocol":"tcp"},
  {"hostPort":8053,"containerPort":80,"protocol":"udp"},
  {"hostPort":8081,"containerPort":80,"protocol":"tcp","hostIP":"192.0.2.50"}])");

void expectForwarding(const TestNetns& client, bool on) {
  EXPECT_EQ(echoRequest(client.ns(), "192.0.2.1", 8080, "hi"), on ? "echo:hi" : "");
  EXPECT_EQ(echoRequest(client.ns(), "192.0.2.1", 8053, "u", true), on ? "echo:u" : "");
  // hostIP: only the named address forwards.
  EXPECT_EQ(echoRequest(client.ns(), "192.0.2.50", 8081, "h"), on ? "echo:h" : "");
  EXPECT_EQ(echoRequest(client.ns(), "192.0.2.1", 8081, "h"), "");
}

TEST_F(PortmapTest, BackendsForwardEndToEndAndDelRemovesRules) {
  EchoServer echo(cont_->ns(), 80);
  ASSERT_TRUE(echo.ready());
  for (std::string backend : {"nftables", "iptables"}) {
    SCOPED_TRACE(backend);
    json conf = portmapConf(backend, kMappings);
    expectForwarding(*client_, false);
    auto add = portmap("ADD", conf, ourPluginDir());
    ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
    EXPECT_EQ(add.json["ips"], prev_["ips"]);  // prevResult passes through
    if (backend == "nftables") {
      std::string rs = nftRuleset(*host_);
      EXPECT_NE(rs.find("table ip cni_hostport"), std::string::npos) << rs;
      EXPECT_NE(rs.find("comment \"pmctr\""), std::string::npos) << rs;
    } else {
      std::string nat = iptablesNat(*host_);
      EXPECT_NE(nat.find("CNI-HOSTPORT-DNAT"), std::string::npos) << nat;
      EXPECT_NE(nat.find("CNI-DN-"), std::string::npos) << nat;
    }
    auto rl = host_->exec({"sysctl", "-n", "net.ipv4.conf.cnipm0.route_localnet"});
    ASSERT_TRUE(rl.ok());
    EXPECT_EQ(rl->out, "1\n");
    expectForwarding(*client_, true);
    auto check = portmap("CHECK", conf, ourPluginDir());
    EXPECT_EQ(check.exit_code, 0) << check.out;

    auto del = portmap("DEL", conf, ourPluginDir());
    EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
    EXPECT_EQ(nftRuleset(*host_).find("\"pmctr\""), std::string::npos);
    EXPECT_EQ(iptablesNat(*host_).find("CNI-DN-"), std::string::npos);
    expectForwarding(*client_, false);
    EXPECT_NE(portmap("CHECK", conf, ourPluginDir()).exit_code, 0);
    EXPECT_EQ(portmap("DEL", conf, ourPluginDir()).exit_code, 0);  // idempotent
  }
}

// iptables-save without comments and counters, lines sorted: the Debian reference (1.1.1)
// appends the entry rules to CNI-HOSTPORT-DNAT, current upstream (and ours) inserts them
// first so the newest container wins a contested port; the rules themselves are the same.
std::string normalizedNat(const TestNetns& ns) {
  std::string in = iptablesNat(ns);
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < in.size()) {
    size_t nl = in.find('\n', pos);
    if (nl == std::string::npos) nl = in.size();
    std::string line = in.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.starts_with("#")) continue;
    if (line.starts_with(":")) line = line.substr(0, line.find(' '));
    lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST_F(PortmapTest, IptablesLayoutSharedWithTheReference) {
  EchoServer echo(cont_->ns(), 80);
  ASSERT_TRUE(echo.ready());
  json mappings = json::parse(R"([{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
      {"hostPort":8053,"containerPort":80,"protocol":"udp"}])");
  // The Debian reference portmap writes the iptables layout.
  json ref_conf = portmapConf("", mappings);
  auto add = portmap("ADD", ref_conf, kRefPluginDir);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  std::string ref_nat = normalizedNat(*host_);
  EXPECT_EQ(echoRequest(client_->ns(), "192.0.2.1", 8080, "r"), "echo:r");
  // Our CHECK accepts the reference's rules, our DEL removes them.
  EXPECT_EQ(portmap("CHECK", portmapConf("iptables", mappings), ourPluginDir()).exit_code, 0);
  auto del = portmap("DEL", portmapConf("nftables", mappings), ourPluginDir());
  EXPECT_EQ(del.exit_code, 0) << del.out;
  EXPECT_EQ(iptablesNat(*host_).find("CNI-DN-"), std::string::npos) << iptablesNat(*host_);
  EXPECT_EQ(echoRequest(client_->ns(), "192.0.2.1", 8080, "r"), "");

  // Ours writes exactly the reference's rules, and the reference's DEL removes them.
  ASSERT_EQ(portmap("ADD", portmapConf("iptables", mappings), ourPluginDir()).exit_code, 0);
  EXPECT_EQ(normalizedNat(*host_), ref_nat);
  EXPECT_EQ(echoRequest(client_->ns(), "192.0.2.1", 8080, "o"), "echo:o");
  EXPECT_EQ(portmap("DEL", ref_conf, kRefPluginDir).exit_code, 0);
  EXPECT_EQ(iptablesNat(*host_).find("CNI-DN-"), std::string::npos) << iptablesNat(*host_);
  EXPECT_EQ(echoRequest(client_->ns(), "192.0.2.1", 8080, "o"), "");
}

TEST_F(PortmapTest, NftRulesReadableByNft) {
  ASSERT_EQ(portmap("ADD", portmapConf("nftables", kMappings), ourPluginDir()).exit_code, 0);
  auto r = host_->exec({"nft", "list", "table", "ip", "cni_hostport"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_NE(r->out.find("tcp dport 8080 dnat to " + cont_ip_ + ":80 comment \"pmctr\""),
            std::string::npos)
      << r->out;
  EXPECT_NE(r->out.find("ip daddr 192.0.2.50 tcp dport 8081 dnat to"), std::string::npos) << r->out;
  EXPECT_NE(r->out.find("ip saddr 127.0.0.1 ip daddr " + cont_ip_ + " masquerade"),
            std::string::npos)
      << r->out;
}

TEST_F(PortmapTest, GcDropsRulesOfContainersNotValid) {
  ASSERT_EQ(portmap("ADD", portmapConf("nftables", kMappings), ourPluginDir()).exit_code, 0);
  json gc = json::parse(R"({"cniVersion":"1.1.0","name":"pmnet","type":"portmap",
      "cni.dev/valid-attachments":[{"containerID":"other","ifname":"eth0"}]})");
  CniCall k{"GC", "", "", "", "", ourPluginDir(), "portmap"};
  auto r = runPlugin(*host_, k, gc.dump());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(nftRuleset(*host_).find("\"pmctr\""), std::string::npos);
}

}  // namespace
}  // namespace orch::testing::cnib
