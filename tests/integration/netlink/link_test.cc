// Links and bridges through the library, read back through the library and checked
// independently with iproute2's JSON output. Everything happens in test namespaces.
#include <gtest/gtest.h>
#include <linux/if.h>

#include <algorithm>

#include "common/netlink/netlink.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::netlink {
namespace {

using nlohmann::json;
using orch::testing::NetnsTest;
using orch::testing::TestNetns;

class LinkTest : public NetnsTest {};

// The one object `ip -j [-d] link show dev <name>` prints.
json ipLink(TestNetns* t, const std::string& name, bool details = false) {
  std::vector<std::string> args;
  if (details) args.push_back("-d");
  args.insert(args.end(), {"link", "show", "dev", name});
  auto j = t->ipJson(args);
  EXPECT_TRUE(j.ok()) << j.status().message();
  if (!j.ok() || j->empty()) return json::object();
  return (*j)[0];
}

bool hasFlag(const json& link, const std::string& flag) {
  if (!link.contains("flags")) return false;
  const auto& f = link["flags"];
  return std::find(f.begin(), f.end(), flag) != f.end();
}

// `bridge -j -d link show dev <port>` inside the namespace.
json bridgePort(TestNetns* t, const std::string& port) {
  auto r = t->exec({"bridge", "-j", "-d", "link", "show", "dev", port});
  EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
  if (!r.ok()) return json::object();
  auto j = json::parse(r->out, nullptr, false);
  return j.is_array() && !j.empty() ? j[0] : json::object();
}

TEST_F(LinkTest, VethWithPeerInAnotherNamespace) {
  TestNetns* a = newNetns();
  TestNetns* b = newNetns();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Status st = a->nl().createVeth({.name = "va0",
                                  .peer_name = "eth0",
                                  .mtu = 1400,
                                  .peer_mac = "02:00:00:00:00:b1",
                                  .peer_netns_fd = b->fd()});
  ASSERT_TRUE(st.isOk()) << st.message();

  auto va = a->nl().getLink("va0");
  ASSERT_TRUE(va.ok()) << va.status().message();
  EXPECT_EQ(va->kind, "veth");
  EXPECT_EQ(va->mtu, 1400u);
  EXPECT_FALSE(va->up());
  EXPECT_EQ(a->nl().getLink("eth0").status().code(), ENODEV);

  auto eth0 = b->nl().getLink("eth0");
  ASSERT_TRUE(eth0.ok()) << eth0.status().message();
  EXPECT_EQ(eth0->kind, "veth");
  EXPECT_EQ(eth0->mac, "02:00:00:00:00:b1");
  EXPECT_EQ(eth0->link, va->index);  // the peer's index (in the other namespace)

  json j = ipLink(b, "eth0", true);
  EXPECT_EQ(j["mtu"], 1400);
  EXPECT_EQ(j["address"], "02:00:00:00:00:b1");
  EXPECT_EQ(j["linkinfo"]["info_kind"], "veth");

  // Same name again: EEXIST with the operation in the message.
  Status dup = a->nl().createVeth({.name = "va0", .peer_name = "vx1"});
  EXPECT_EQ(dup.code(), EEXIST);
  EXPECT_NE(dup.message().find("add veth va0/vx1"), std::string::npos) << dup.message();
}

TEST_F(LinkTest, UpMtuMacPromiscRenameMove) {
  TestNetns* a = newNetns();
  TestNetns* b = newNetns();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  Netlink& nl = a->nl();
  ASSERT_TRUE(nl.createVeth({.name = "m0", .peer_name = "m1"}).isOk());

  ASSERT_TRUE(nl.setMtu("m0", 1280).isOk());
  ASSERT_TRUE(nl.setMac("m0", "02:11:22:33:44:55").isOk());
  ASSERT_TRUE(nl.setPromisc("m0", true).isOk());
  ASSERT_TRUE(nl.setUp("m0", true).isOk());
  ASSERT_TRUE(nl.setUp("m1", true).isOk());
  auto m0 = nl.getLink("m0");
  ASSERT_TRUE(m0.ok());
  EXPECT_EQ(m0->mtu, 1280u);
  EXPECT_EQ(m0->mac, "02:11:22:33:44:55");
  EXPECT_TRUE(m0->up());
  EXPECT_TRUE(m0->promisc());
  json j = ipLink(a, "m0");
  EXPECT_EQ(j["mtu"], 1280);
  EXPECT_EQ(j["address"], "02:11:22:33:44:55");
  EXPECT_TRUE(hasFlag(j, "UP"));
  EXPECT_TRUE(hasFlag(j, "PROMISC"));

  // Both ends up: the kernel reports the carrier.
  auto m1 = nl.getLink("m1");
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->operstate, "up");

  ASSERT_TRUE(nl.setPromisc("m0", false).isOk());
  ASSERT_TRUE(nl.setUp("m0", false).isOk());
  m0 = nl.getLink("m0");
  ASSERT_TRUE(m0.ok());
  EXPECT_FALSE(m0->up());
  EXPECT_FALSE(m0->promisc());
  EXPECT_FALSE(hasFlag(ipLink(a, "m0"), "UP"));

  // Rename (must be down), then move with a rename to the other namespace.
  ASSERT_TRUE(nl.rename("m0", "m0new").isOk());
  EXPECT_EQ(nl.getLink("m0").status().code(), ENODEV);
  EXPECT_EQ(ipLink(a, "m0new")["ifname"], "m0new");
  Status mv = nl.moveToNetns("m0new", b->fd(), "eth7");
  ASSERT_TRUE(mv.isOk()) << mv.message();
  EXPECT_EQ(nl.getLink("m0new").status().code(), ENODEV);
  auto moved = b->nl().getLink("eth7");
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->mac, "02:11:22:33:44:55");
  EXPECT_EQ(ipLink(b, "eth7")["mtu"], 1280);

  // listLinks sees what ip sees.
  auto links = b->nl().listLinks();
  ASSERT_TRUE(links.ok());
  std::vector<std::string> names;
  for (const auto& l : *links) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"eth7", "lo"}));

  ASSERT_TRUE(b->nl().deleteLink("eth7").isOk());
  EXPECT_EQ(nl.getLink("m1").status().code(), ENODEV);  // the peer went with it
  EXPECT_EQ(b->nl().deleteLink("eth7").code(), ENODEV);
}

TEST_F(LinkTest, BridgePortsAndPortFlags) {
  TestNetns* a = newNetns();
  ASSERT_NE(a, nullptr);
  Netlink& nl = a->nl();
  ASSERT_TRUE(nl.createBridge({.name = "br0", .mtu = 1450}).isOk());
  ASSERT_TRUE(nl.createVeth({.name = "p0", .peer_name = "p0x", .mtu = 1450}).isOk());
  auto br = nl.getLink("br0");
  ASSERT_TRUE(br.ok());
  EXPECT_EQ(br->kind, "bridge");
  EXPECT_EQ(ipLink(a, "br0", true)["linkinfo"]["info_kind"], "bridge");

  Status st = nl.setMaster("p0", "br0");
  ASSERT_TRUE(st.isOk()) << st.message();
  auto p0 = nl.getLink("p0");
  ASSERT_TRUE(p0.ok());
  EXPECT_EQ(p0->master, br->index);
  EXPECT_EQ(ipLink(a, "p0")["master"], "br0");

  // Defaults of a fresh port, then hairpin + isolated on, learning off.
  auto flags = nl.getBridgePortFlags("p0");
  ASSERT_TRUE(flags.ok()) << flags.status().message();
  EXPECT_EQ(flags->hairpin, false);
  EXPECT_EQ(flags->learning, true);
  EXPECT_EQ(flags->flood, true);
  EXPECT_EQ(flags->isolated, false);

  st = nl.setBridgePortFlags("p0", {.hairpin = true, .learning = false, .isolated = true});
  ASSERT_TRUE(st.isOk()) << st.message();
  flags = nl.getBridgePortFlags("p0");
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->hairpin, true);
  EXPECT_EQ(flags->learning, false);
  EXPECT_EQ(flags->flood, true);  // untouched
  EXPECT_EQ(flags->isolated, true);
  json port = bridgePort(a, "p0");
  EXPECT_EQ(port["hairpin"], true);
  EXPECT_EQ(port["isolated"], true);
  EXPECT_EQ(port["learning"], false);
  EXPECT_EQ(port["flood"], true);

  // A link that is no bridge port has no port flags.
  EXPECT_EQ(nl.getBridgePortFlags("p0x").status().code(), EOPNOTSUPP);
  EXPECT_FALSE(nl.setMaster("p0x", "nosuchbr").isOk());

  ASSERT_TRUE(nl.setNoMaster("p0").isOk());
  p0 = nl.getLink("p0");
  ASSERT_TRUE(p0.ok());
  EXPECT_EQ(p0->master, 0);
  EXPECT_FALSE(ipLink(a, "p0").contains("master"));
  ASSERT_TRUE(nl.deleteLink("br0").isOk());
  EXPECT_EQ(nl.getLink("br0").status().code(), ENODEV);
}

// Whether `bridge vlan add` works at all in this kernel (CONFIG_BRIDGE_VLAN_FILTERING).
bool kernelHasBridgeVlans(TestNetns* t) {
  auto r = t->exec({"sh", "-c",
                    "ip link add brvtest type bridge vlan_filtering 1 && "
                    "ip link del brvtest"});
  return r.ok() && r->exit_code == 0;
}

TEST_F(LinkTest, BridgeVlans) {
  TestNetns* a = newNetns();
  ASSERT_NE(a, nullptr);
  Netlink& nl = a->nl();
  Status st = nl.createBridge({.name = "brv", .vlan_filtering = true});
  if (!kernelHasBridgeVlans(a)) {
    // iproute2 fails the same way: the kernel lacks the feature, not the library.
    EXPECT_EQ(st.code(), EOPNOTSUPP) << st.message();
    GTEST_SKIP() << "kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING)";
  }
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(ipLink(a, "brv", true)["linkinfo"]["info_data"]["vlan_filtering"], 1);
  ASSERT_TRUE(nl.createVeth({.name = "pv0", .peer_name = "pv1"}).isOk());
  ASSERT_TRUE(nl.setMaster("pv0", "brv").isOk());

  // Access port: pvid+untagged 100, trunk 200, drop the default VLAN 1.
  ASSERT_TRUE(nl.addBridgeVlan("pv0", {.vid = 100, .pvid = true, .untagged = true}, false).isOk());
  ASSERT_TRUE(nl.addBridgeVlan("pv0", {.vid = 200}, false).isOk());
  ASSERT_TRUE(nl.delBridgeVlan("pv0", 1, false).isOk());
  ASSERT_TRUE(nl.addBridgeVlan("brv", {.vid = 100}, true).isOk());
  auto vlans = nl.listBridgeVlans("pv0");
  ASSERT_TRUE(vlans.ok()) << vlans.status().message();
  EXPECT_EQ(*vlans,
            (std::vector<BridgeVlan>{{.vid = 100, .pvid = true, .untagged = true}, {.vid = 200}}));
  auto self = nl.listBridgeVlans("brv");
  ASSERT_TRUE(self.ok());
  EXPECT_TRUE(std::any_of(self->begin(), self->end(), [](auto& v) { return v.vid == 100; }));

  auto r = a->exec({"bridge", "-j", "vlan", "show", "dev", "pv0"});
  ASSERT_TRUE(r.ok() && r->exit_code == 0);
  json j = json::parse(r->out);
  ASSERT_FALSE(j.empty());
  std::vector<int> vids;
  for (const auto& v : j[0]["vlans"]) vids.push_back(v["vlan"].get<int>());
  EXPECT_EQ(vids, (std::vector<int>{100, 200}));
  EXPECT_EQ(nl.addBridgeVlan("pv0", {.vid = 4095}, false).code(), EINVAL);
}

TEST_F(LinkTest, VxlanVlanDummy) {
  TestNetns* a = newNetns();
  ASSERT_NE(a, nullptr);
  Netlink& nl = a->nl();
  ASSERT_TRUE(nl.createVeth({.name = "u0", .peer_name = "u1"}).isOk());
  Status st = nl.createVxlan({.name = "vx42",
                              .id = 42,
                              .local = IpAddress::parse("192.0.2.10").value(),
                              .port = 4790,
                              .dev = "u0",
                              .learning = false});
  ASSERT_TRUE(st.isOk()) << st.message();
  auto vx = nl.getLink("vx42");
  ASSERT_TRUE(vx.ok());
  EXPECT_EQ(vx->kind, "vxlan");
  json d = ipLink(a, "vx42", true)["linkinfo"]["info_data"];
  EXPECT_EQ(d["id"], 42);
  EXPECT_EQ(d["port"], 4790);
  EXPECT_EQ(d["local"], "192.0.2.10");
  EXPECT_EQ(d["link"], "u0");
  EXPECT_EQ(d["learning"], false);
  EXPECT_EQ(nl.createVxlan({.name = "vxbad", .id = 1u << 24}).code(), EINVAL);

  // VLAN and dummy links need kernel drivers this test machine may lack; the library
  // must then report the kernel's refusal with its context, like iproute2 does.
  auto ipVlan =
      a->exec({"ip", "link", "add", "link", "u1", "name", "u1.9", "type", "vlan", "id", "9"});
  bool kernel_vlan = ipVlan.ok() && ipVlan->exit_code == 0;
  if (kernel_vlan) {
    ASSERT_TRUE(nl.deleteLink("u1.9").isOk());
  }
  st = nl.createVlan({.name = "u1.10", .parent = "u1", .id = 10});
  if (kernel_vlan) {
    ASSERT_TRUE(st.isOk()) << st.message();
    EXPECT_EQ(ipLink(a, "u1.10", true)["linkinfo"]["info_data"]["id"], 10);
  } else {
    EXPECT_FALSE(st.isOk());
    EXPECT_NE(st.message().find("add vlan u1.10 on u1"), std::string::npos) << st.message();
  }
  EXPECT_EQ(nl.createVlan({.name = "u1.0", .parent = "u1", .id = 0}).code(), EINVAL);
  EXPECT_EQ(nl.createVlan({.name = "x.5", .parent = "nosuch", .id = 5}).code(), ENODEV);

  auto ipDummy = a->exec({"ip", "link", "add", "dtest", "type", "dummy"});
  bool kernel_dummy = ipDummy.ok() && ipDummy->exit_code == 0;
  if (kernel_dummy) {
    ASSERT_TRUE(nl.deleteLink("dtest").isOk());
  }
  st = nl.createDummy("d0", 1400);
  if (kernel_dummy) {
    ASSERT_TRUE(st.isOk()) << st.message();
    EXPECT_EQ(nl.getLink("d0")->kind, "dummy");
  } else {
    EXPECT_FALSE(st.isOk());
    EXPECT_NE(st.message().find("add dummy d0"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace orch::netlink
