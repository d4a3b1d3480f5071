// The bridge plugin against the kernel, inside test-made namespaces: a matrix of configs
// run through ours and through the reference binaries (/usr/lib/cni), with the resulting
// state compared; DEL, rollback, connectivity and error codes.
#include <gtest/gtest.h>

#include "tests/integration/cni_bridge/cni_harness.h"
#include "tests/integration/cni_bridge/echo.h"
#include "tests/support/temp_dir.h"

namespace orch::testing::cnib {
namespace {

using nlohmann::json;

struct MatrixCase {
  std::string name;
  std::string conf;       // plugin fields merged into the base config
  std::string args;       // CNI_ARGS
  bool reference = true;  // the Debian reference (1.1.1) supports every field used
  bool masq_iptables = false;
  bool masq_nft = false;
};

std::string makeConf(const std::string& version, const std::string& datadir,
                     const std::string& extra, const std::string& ranges) {
  json j = json::parse(R"({"name":"testnet","type":"bridge","bridge":"cnitest0"})");
  j["cniVersion"] = version;
  j["ipam"] = {{"type", "host-local"}, {"dataDir", datadir}, {"ranges", json::parse(ranges)}};
  json more = json::parse(extra.empty() ? "{}" : extra);
  for (auto& [k, v] : more.items()) {
    if (k == "ipam") {
      for (auto& [ik, iv] : v.items()) j["ipam"][ik] = iv;
    } else {
      j[k] = v;
    }
  }
  return j.dump();
}

const char* kV4 = R"([[{"subnet":"10.77.0.0/24"}]])";

class BridgeTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    host_ = newNetns();
    ASSERT_NE(host_, nullptr);
  }
  TestNetns* container() {
    auto* c = newNetns();
    EXPECT_NE(c, nullptr);
    return c;
  }
  CniReply call(const std::string& cmd, TestNetns* c, const std::string& conf,
                const std::string& dir, const std::string& id = "ctr1",
                const std::string& args = "", const std::string& ifname = "eth0") {
    CniCall k;
    k.command = cmd;
    k.container_id = id;
    k.netns_path = c ? "/run/netns/" + c->name() : "";
    k.ifname = ifname;
    k.args = args;
    k.plugin_dir = dir;
    k.plugin = "bridge";
    return runPlugin(*host_, k, conf);
  }
  TestNetns* host_ = nullptr;
};

std::vector<MatrixCase> matrix() {
  return {
      {"l2_gateway_off", R"({})", "", true},
      {"gateway", R"({"isGateway":true})", "", true},
      {"default_gateway", R"({"isDefaultGateway":true})", "", true},
      {"dual_stack",
       R"({"isDefaultGateway":true,"ipam":{"ranges":[[{"subnet":"10.77.0.0/24"}],
           [{"subnet":"fd77::/64"}]]}})",
       "", true},
      {"ipv6_only", R"({"isGateway":true,"ipam":{"ranges":[[{"subnet":"fd78::/64"}]]}})", "", true},
      {"mtu", R"({"isGateway":true,"mtu":1400})", "", true},
      {"vlan", R"({"vlan":100})", "", true},
      {"hairpin", R"({"hairpinMode":true})", "", true},
      {"promisc", R"({"promiscMode":true})", "", true},
      {"several_ranges",
       R"({"ipam":{"ranges":[[{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.50",
           "rangeEnd":"10.77.0.60"},{"subnet":"10.78.0.0/24"}]]}})",
       "", true},
      {"requested_ip", R"({"isGateway":true})", "IgnoreUnknown=1;IP=10.77.0.42", true},
      {"mac", R"({})", "IgnoreUnknown=1;MAC=02:42:ac:11:00:09", true},
      {"routes", R"({"ipam":{"routes":[{"dst":"192.0.2.0/24"},{"dst":"198.51.100.0/24",
           "gw":"10.77.0.254"}]},"isGateway":true})",
       "", true},
      {"ipmasq_iptables", R"({"isGateway":true,"ipMasq":true,"ipMasqBackend":"iptables"})", "",
       false, true},
      {"ipmasq_nftables", R"({"isGateway":true,"ipMasq":true,"ipMasqBackend":"nftables"})", "",
       false, false, true},
      {"vlan_trunk", R"({"vlanTrunk":[{"id":20},{"minID":30,"maxID":32}]})", "", false},
      {"vlan_no_default", R"({"vlan":7,"preserveDefaultVlan":false})", "", false},
      {"port_isolation", R"({"portIsolation":true})", "", false},
      {"macspoofchk", R"({"macspoofchk":true})", "", false},
      {"disable_container_interface", R"({"disableContainerInterface":true})", "", false},
  };
}

void expectOwnState(const MatrixCase& mc, const json& conf, const State& s) {
  SCOPED_TRACE(mc.name + ": " + describe(s));
  EXPECT_TRUE(s.cont_link);
  EXPECT_TRUE(s.bridge);
  EXPECT_EQ(s.ports, 1);
  EXPECT_EQ(s.cont_up, !conf.value("disableContainerInterface", false));
  int mtu = conf.value("mtu", 0);
  EXPECT_EQ(s.cont_mtu, mtu ? static_cast<uint32_t>(mtu) : 1500u);
  if (mtu) {
    EXPECT_EQ(s.bridge_mtu, static_cast<uint32_t>(mtu));
  }
  EXPECT_EQ(s.bridge_promisc, conf.value("promiscMode", false));
  EXPECT_EQ(s.port_flags, std::string("hairpin=") + (conf.value("hairpinMode", false) ? "1" : "0") +
                              " isolated=" + (conf.value("portIsolation", false) ? "1" : "0"));
  bool gw = conf.value("isGateway", false) || conf.value("isDefaultGateway", false);
  if (!gw) {
    EXPECT_TRUE(s.bridge_addrs.empty());
  }
  if (gw && conf.value("vlan", 0) == 0) {
    EXPECT_FALSE(s.bridge_addrs.empty());
  }
  if (conf.value("isDefaultGateway", false)) {
    bool has_default = false;
    for (const auto& r : s.cont_routes) has_default |= r.starts_with("default via ");
    EXPECT_TRUE(has_default);
  }
  if (conf.contains("vlan")) {
    std::string want = std::to_string(conf["vlan"].get<int>()) + " pvid untagged; ";
    if (conf.value("preserveDefaultVlan", true)) {
      EXPECT_NE(s.port_vlans.find(want), std::string::npos);
    } else {
      EXPECT_EQ(s.port_vlans, want);
    }
  }
  if (conf.contains("vlanTrunk")) {
    EXPECT_NE(s.port_vlans.find("20; 30; 31; 32; "), std::string::npos);
  }
}

// Whether this kernel has CONFIG_BRIDGE_VLAN_FILTERING (some test machines lack it).
bool vlanFilteringSupported(const TestNetns& ns) {
  bool ok = ns.ip({"link", "add", "vlanprobe0", "type", "bridge", "vlan_filtering", "1"}).isOk();
  if (ok) (void)ns.ip({"link", "del", "vlanprobe0"});
  return ok;
}

TEST_F(BridgeTest, MatrixOursMatchesReferenceAndEveryVersion) {
  const std::vector<std::string> versions = {"0.3.1", "0.4.0", "1.0.0", "1.1.0"};
  const bool vlan_ok = vlanFilteringSupported(*host_);
  int n = 0;
  for (const auto& mc : matrix()) {
    for (const auto& ver : versions) {
      SCOPED_TRACE(mc.name + " @ " + ver);
      host_ = newNetns();  // a fresh host per case: the bridge starts from nothing
      ASSERT_NE(host_, nullptr);
      TempDir tmp;
      std::string conf = makeConf(ver, tmp.path() + "/ipam", mc.conf, kV4);
      json cj = json::parse(conf);
      TestNetns* c = container();
      ASSERT_NE(c, nullptr);
      std::string id = "ctr" + std::to_string(++n);
      auto add = call("ADD", c, conf, ourPluginDir(), id, mc.args);
      if (!vlan_ok && (cj.contains("vlan") || cj.contains("vlanTrunk"))) {
        // Without kernel VLAN filtering the ADD must fail cleanly (as the reference's does).
        EXPECT_NE(add.exit_code, 0);
        EXPECT_NE(add.out.find("EOPNOTSUPP"), std::string::npos) << add.out;
        EXPECT_EQ(vethCount(*host_), 0);
        EXPECT_FALSE(c->nl().getLink("eth0").ok());
        for (const auto& f : listDir(tmp.path() + "/ipam/testnet")) {
          EXPECT_TRUE(f == "lock" || f.starts_with("last_reserved_ip")) << f;
        }
        continue;
      }
      ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
      const json& r = add.json;
      EXPECT_EQ(r.value("cniVersion", ""), ver);
      ASSERT_GE(r["interfaces"].size(), 3u);
      EXPECT_EQ(r["interfaces"][0]["name"], "cnitest0");
      EXPECT_TRUE(r["interfaces"][1]["name"].get<std::string>().starts_with("veth"));
      EXPECT_EQ(r["interfaces"][2]["name"], "eth0");
      EXPECT_EQ(r["interfaces"][2]["sandbox"], "/run/netns/" + c->name());
      ASSERT_FALSE(r["ips"].empty());
      for (const auto& ip : r["ips"]) {
        EXPECT_EQ(ip["interface"], 2);
        EXPECT_EQ(ip.contains("version"), ver == "0.3.1" || ver == "0.4.0") << ip.dump();
      }
      State ours = readState(*host_, *c, "eth0", "cnitest0");
      expectOwnState(mc, cj, ours);
      EXPECT_EQ(r["interfaces"][2]["mac"], ours.cont_mac);
      if (mc.args.find("IP=10.77.0.42") != std::string::npos) {
        EXPECT_EQ(ours.cont_addrs, std::vector<std::string>{"10.77.0.42/24"});
      }
      if (mc.args.find("MAC=") != std::string::npos) {
        EXPECT_EQ(ours.cont_mac, "02:42:ac:11:00:09");
      }
      std::string masq_chain;
      if (mc.masq_iptables) {
        std::string nat = iptablesNat(*host_);
        EXPECT_NE(nat.find("-j MASQUERADE"), std::string::npos) << nat;
        EXPECT_NE(nat.find("id: \\\"" + id + "\\\""), std::string::npos) << nat;
      }
      if (mc.masq_nft) {
        std::string rs = nftRuleset(*host_);
        EXPECT_NE(rs.find("masquerade comment"), std::string::npos) << rs;
        EXPECT_NE(rs.find("id: " + id), std::string::npos) << rs;
      }
      if (cj.value("macspoofchk", false)) {
        std::string rs = nftRuleset(*host_);
        EXPECT_NE(rs.find("chain cni-br-iface-" + id + "-eth0-mac"), std::string::npos) << rs;
        EXPECT_NE(rs.find("ether saddr " + ours.cont_mac + " return comment \"macspoofchk-" + id +
                          "-eth0\""),
                  std::string::npos)
            << rs;
      }
      // CHECK with the result as prevResult.
      json chk = cj;
      chk["prevResult"] = r;
      if (ver != "0.3.1") {
        auto check = call("CHECK", c, chk.dump(), ourPluginDir(), id, mc.args);
        EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
      }

      // The reference in a fresh pair of namespaces gives the same state.
      if (mc.reference && (ver == "0.4.0" || ver == "1.0.0")) {
        TestNetns* rhost = newNetns();
        TestNetns* rc = container();
        ASSERT_TRUE(rhost && rc);
        TempDir rtmp;
        std::string rconf = makeConf(ver, rtmp.path() + "/ipam", mc.conf, kV4);
        CniCall k{"ADD", id, "/run/netns/" + rc->name(), "eth0", mc.args, kRefPluginDir, "bridge"};
        auto radd = runPlugin(*rhost, k, rconf);
        ASSERT_EQ(radd.exit_code, 0) << radd.out << radd.err;
        State ref = readState(*rhost, *rc, "eth0", "cnitest0");
        if (mc.args.find("MAC=") == std::string::npos) ref.cont_mac = ours.cont_mac;
        EXPECT_EQ(describe(ours), describe(ref));
        EXPECT_EQ(ours, ref);
      }

      // DEL removes everything; a second DEL succeeds.
      auto del = call("DEL", c, conf, ourPluginDir(), id, mc.args);
      EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
      State after = readState(*host_, *c, "eth0", "cnitest0");
      EXPECT_FALSE(after.cont_link);
      EXPECT_EQ(after.ports, 0);
      for (const auto& f : listDir(tmp.path() + "/ipam/testnet")) {
        EXPECT_TRUE(f == "lock" || f.starts_with("last_reserved_ip")) << f;
      }
      if (mc.masq_iptables) {
        EXPECT_EQ(iptablesNat(*host_).find("id: \\\"" + id + "\\\""), std::string::npos);
      }
      if (mc.masq_nft) {
        EXPECT_EQ(nftRuleset(*host_).find("id: " + id), std::string::npos);
      }
      EXPECT_EQ(nftRuleset(*host_).find("macspoofchk-" + id), std::string::npos);
      auto del2 = call("DEL", c, conf, ourPluginDir(), id, mc.args);
      EXPECT_EQ(del2.exit_code, 0) << del2.out << del2.err;
      ASSERT_FALSE(HasFatalFailure());
    }
  }
}

TEST_F(BridgeTest, TwoContainersReachEachOther) {
  TempDir tmp;
  std::string conf = makeConf("1.0.0", tmp.path() + "/ipam", R"({"isGateway":true})", kV4);
  TestNetns* a = container();
  TestNetns* b = container();
  ASSERT_TRUE(a && b);
  auto ra = call("ADD", a, conf, ourPluginDir(), "a");
  auto rb = call("ADD", b, conf, ourPluginDir(), "b");
  ASSERT_EQ(ra.exit_code, 0) << ra.out;
  ASSERT_EQ(rb.exit_code, 0) << rb.out;
  std::string ipb = rb.json["ips"][0]["address"].get<std::string>();
  ipb = ipb.substr(0, ipb.find('/'));
  std::string ipa = ra.json["ips"][0]["address"].get<std::string>();
  ipa = ipa.substr(0, ipa.find('/'));
  // No ping binary here: a TCP and a UDP echo across the bridge, both directions.
  EchoServer eb(b->ns(), 7007);
  EchoServer ea(a->ns(), 7007);
  ASSERT_TRUE(eb.ready() && ea.ready());
  EXPECT_EQ(echoRequest(a->ns(), ipb, 7007, "x"), "echo:x");
  EXPECT_EQ(echoRequest(a->ns(), ipb, 7007, "y", true), "echo:y");
  EXPECT_EQ(echoRequest(b->ns(), ipa, 7007, "z"), "echo:z");
}

TEST_F(BridgeTest, DelWithNetnsGoneOrUnknownContainerSucceeds) {
  TempDir tmp;
  std::string conf = makeConf("1.0.0", tmp.path() + "/ipam", R"({"ipMasq":true})", kV4);
  TestNetns* c = container();
  ASSERT_NE(c, nullptr);
  auto add = call("ADD", c, conf, ourPluginDir(), "gone");
  ASSERT_EQ(add.exit_code, 0) << add.out;
  std::string path = "/run/netns/" + c->name();
  ASSERT_TRUE(c->destroy().isOk());
  CniCall k{"DEL", "gone", path, "eth0", "", ourPluginDir(), "bridge"};
  auto del = runPlugin(*host_, k, conf);
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_TRUE(listDir(tmp.path() + "/ipam/testnet").size() <= 2u);  // lock + last_reserved
  k.container_id = "never-added";
  EXPECT_EQ(runPlugin(*host_, k, conf).exit_code, 0);
  k.omit_netns = true;
  EXPECT_EQ(runPlugin(*host_, k, conf).exit_code, 0);
}

TEST_F(BridgeTest, FailedAddLeavesNoVethAllocationOrRules) {
  TempDir tmp;
  // A one-address range: the second ADD fails in IPAM, after the veth was made.
  std::string conf =
      makeConf("1.0.0", tmp.path() + "/ipam",
               R"({"ipMasq":true,"ipMasqBackend":"nftables","isGateway":true,"ipam":{"ranges":
          [[{"subnet":"10.77.0.0/24","rangeStart":"10.77.0.10","rangeEnd":"10.77.0.10"}]]}})",
               kV4);
  TestNetns* a = container();
  TestNetns* b = container();
  ASSERT_TRUE(a && b);
  ASSERT_EQ(call("ADD", a, conf, ourPluginDir(), "a").exit_code, 0);
  auto files_before = listDir(tmp.path() + "/ipam/testnet");
  std::string rules_before = nftRuleset(*host_);
  auto fail = call("ADD", b, conf, ourPluginDir(), "b");
  EXPECT_NE(fail.exit_code, 0);
  EXPECT_FALSE(fail.json.value("msg", "").empty()) << fail.out;
  EXPECT_EQ(vethCount(*host_), 1);
  EXPECT_FALSE(b->nl().getLink("eth0").ok());
  EXPECT_EQ(listDir(tmp.path() + "/ipam/testnet"), files_before);
  EXPECT_EQ(nftRuleset(*host_), rules_before);

  // An IPAM plugin that does not exist: fails after the veth, which is removed again.
  std::string missing = json::parse(conf).dump();
  json m = json::parse(missing);
  m["ipam"]["type"] = "no-such-ipam";
  auto f2 = call("ADD", b, m.dump(), ourPluginDir(), "b");
  EXPECT_NE(f2.exit_code, 0);
  EXPECT_NE(f2.json.value("msg", "").find("ipam.type"), std::string::npos) << f2.out;
  EXPECT_EQ(vethCount(*host_), 1);
  EXPECT_FALSE(b->nl().getLink("eth0").ok());
}

TEST_F(BridgeTest, ConcurrentAddsShareOneBridge) {
  TempDir tmp;
  std::string conf = makeConf("1.0.0", tmp.path() + "/ipam", R"({"isGateway":true})", kV4);
  std::vector<TestNetns*> cs;
  for (int i = 0; i < 6; ++i) cs.push_back(container());
  std::vector<std::thread> ts;
  std::vector<int> codes(cs.size(), -1);
  for (size_t i = 0; i < cs.size(); ++i) {
    ts.emplace_back([&, i] {
      codes[i] = call("ADD", cs[i], conf, ourPluginDir(), "c" + std::to_string(i)).exit_code;
    });
  }
  for (auto& t : ts) t.join();
  for (int c : codes) EXPECT_EQ(c, 0);
  auto br = host_->nl().getLink("cnitest0");
  ASSERT_TRUE(br.ok());
  EXPECT_EQ(readState(*host_, *cs[0], "eth0", "cnitest0").ports, 6);
}

TEST_F(BridgeTest, BadInputGetsTheSpecErrorCodeNamingTheField) {
  TempDir tmp;
  TestNetns* c = container();
  ASSERT_NE(c, nullptr);
  std::string good = makeConf("1.0.0", tmp.path() + "/ipam", "{}", kV4);
  struct Case {
    std::string name, conf, command;
    bool omit_netns;
    int code;
    std::string field;
  } cases[] = {
      {"invalid json", "{not json", "ADD", false, 6, ""},
      {"missing ipam type", makeConf("1.0.0", tmp.path(), R"({"ipam":{"type":""}})", kV4), "ADD",
       false, 7, "ipam.type"},
      {"bad subnet", makeConf("1.0.0", tmp.path(), "{}", R"([[{"subnet":"10.0.0.0/33"}]])"), "ADD",
       false, 0, "subnet"},
      {"missing netns", good, "ADD", true, 4, "CNI_NETNS"},
      {"unknown command", good, "FROB", false, 4, "CNI_COMMAND"},
      {"bad vlan", makeConf("1.0.0", tmp.path(), R"({"vlan":5000})", kV4), "ADD", false, 7, "vlan"},
      {"unknown version", makeConf("9.9.9", tmp.path(), "{}", kV4), "ADD", false, 1, "cniVersion"},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    CniCall k{tc.command, "bad",        "/run/netns/" + c->name(), "eth0", "", ourPluginDir(),
              "bridge",   tc.omit_netns};
    auto r = runPlugin(*host_, k, tc.conf);
    EXPECT_NE(r.exit_code, 0);
    ASSERT_TRUE(r.json.is_object()) << r.out << r.err;
    if (tc.code) {
      EXPECT_EQ(r.json.value("code", 0), tc.code) << r.out;
    }
    std::string text = r.json.value("msg", "") + " " + r.json.value("details", "");
    EXPECT_NE(text.find(tc.field), std::string::npos) << r.out;
    EXPECT_EQ(vethCount(*host_), 0);
    EXPECT_FALSE(c->nl().getLink("eth0").ok());
  }
}

}  // namespace
}  // namespace orch::testing::cnib
