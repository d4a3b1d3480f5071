#include <gtest/gtest.h>

#include "cni-plugins/portmap/portmap_iptables.h"
#include "cni-plugins/portmap/portmap_nft.h"

namespace orch::cni::portmap {
namespace {

namespace nf = orch::netfilter;

PortMapConf sample() {
  PortMapConf c;
  c.name = "pm";
  c.mappings = {{8080, 80, "tcp", ""},
                {8443, 443, "tcp", "192.0.2.1"},
                {5353, 53, "udp", ""},
                {9000, 90, "tcp", "fd00::1"}};
  return c;
}

IpNet net(const char* s) {
  return IpNet::parse(s).value();
}

TEST(PortMapNftPlan, ReferenceLayoutForIpv4) {
  auto tx = nftForwardPlan(sample(), "ctr1", net("10.1.0.5/24"));
  ASSERT_TRUE(tx.ok()) << tx.status().message();
  std::map<std::string, int> rules_by_chain;
  std::map<std::string, int> commented;
  for (const auto& op : tx->ops()) {
    if (auto* r = std::get_if<nf::AddRule>(&op)) {
      EXPECT_EQ(r->rule.family, nf::Family::kIp);
      EXPECT_EQ(r->rule.table, kNftTable);
      ++rules_by_chain[r->rule.chain];
      if (r->rule.comment == "ctr1") ++commented[r->rule.chain];
    }
    if (auto* c = std::get_if<nf::AddChain>(&op); c && c->chain.base) {
      if (c->chain.name == "masquerading") {
        EXPECT_EQ(c->chain.base->priority, 100);
      } else {
        EXPECT_EQ(c->chain.base->priority, -100);
      }
    }
  }
  EXPECT_EQ(rules_by_chain["prerouting"], 2);
  EXPECT_EQ(rules_by_chain["output"], 2);
  EXPECT_EQ(commented["hostports"], 2);         // 8080, 5353
  EXPECT_EQ(commented["hostip_hostports"], 1);  // 8443 on 192.0.2.1; fd00::1 is skipped
  EXPECT_EQ(commented["masquerading"], 2);      // hairpin + localhost
}

TEST(PortMapNftPlan, Ipv6HasNoLocalhostRuleAndNoSnatWithoutSnat) {
  auto c = sample();
  auto tx = nftForwardPlan(c, "ctr1", net("fd00::5/64"));
  ASSERT_TRUE(tx.ok());
  int masq = 0, hostip = 0;
  for (const auto& op : tx->ops()) {
    if (auto* r = std::get_if<nf::AddRule>(&op)) {
      EXPECT_EQ(r->rule.family, nf::Family::kIp6);
      masq += r->rule.chain == "masquerading";
      hostip += r->rule.chain == "hostip_hostports";
    }
  }
  EXPECT_EQ(masq, 1);
  EXPECT_EQ(hostip, 1);
  c.snat = false;
  auto tx2 = nftForwardPlan(c, "ctr1", net("fd00::5/64"));
  ASSERT_TRUE(tx2.ok());
  for (const auto& op : tx2->ops()) {
    if (auto* ch = std::get_if<nf::AddChain>(&op)) {
      EXPECT_NE(ch->chain.name, "masquerading");
    }
  }
}

TEST(PortMapNftPlan, CurrentJumpRulesAreNotRewritten) {
  auto tx = nftForwardPlan(sample(), "ctr1", net("10.1.0.5/24"), true);
  ASSERT_TRUE(tx.ok());
  for (const auto& op : tx->ops()) {
    EXPECT_FALSE(std::holds_alternative<nf::FlushChain>(op));
    if (auto* r = std::get_if<nf::AddRule>(&op)) {
      EXPECT_NE(r->rule.chain, "prerouting");
      EXPECT_NE(r->rule.chain, "output");
    }
  }
  auto c = sample();
  std::string plain = jumpRulesTag(c, false);
  c.conditions_v4 = std::vector<std::string>{"ip saddr 10.0.0.0/8"};
  EXPECT_NE(jumpRulesTag(c, false), plain);
  EXPECT_EQ(jumpRulesTag(c, true), plain);
}

TEST(PortMapNftPlan, Conditions) {
  EXPECT_TRUE(parseNftConditions({"ip saddr 10.0.0.0/8", "iifname != \"eth0\""}, "c").ok());
  EXPECT_TRUE(parseNftConditions({"ip daddr != 192.0.2.1"}, "c").ok());
  auto bad = parseNftConditions({"meta mark 1"}, "conditionsV4");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("conditionsV4"), std::string::npos);
  EXPECT_FALSE(parseNftConditions({"ip saddr"}, "c").ok());
}

TEST(PortMapIptablesText, ReferenceChainLayout) {
  nf::IptablesTableDump empty{"nat", {"PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"}, {}};
  std::string dn = dnatChainName("pm", "ctr1");
  EXPECT_EQ(dn.substr(0, 7), "CNI-DN-");
  std::string t = iptablesForwardText(sample(), "ctr1", net("10.1.0.5/24"), empty);
  for (const std::string& want : std::vector<std::string>{
           std::string(":CNI-HOSTPORT-SETMARK"),
           std::string(":CNI-HOSTPORT-MASQ"),
           std::string(":CNI-HOSTPORT-DNAT"),
           ":" + dn,
           std::string("-j MARK --set-xmark 0x2000/0x2000"),
           std::string("-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE"),
           std::string("-I POSTROUTING 1 "),
           std::string("-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT"),
           std::string("-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT"),
           "-m multiport -p tcp --destination-ports 8080,8443,9000 -j " + dn,
           "-m multiport -p udp --destination-ports 5353 -j " + dn,
           "-A " + dn + " -p tcp --dport 8080 -s 10.1.0.5/24 -j CNI-HOSTPORT-SETMARK",
           "-A " + dn + " -p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK",
           "-A " + dn + " -p tcp --dport 8080 -j DNAT --to-destination 10.1.0.5:80",
           "-A " + dn + " -p tcp --dport 8443 -d 192.0.2.1 -j DNAT --to-destination 10.1.0.5:443",
       }) {
    EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
  }
  EXPECT_EQ(t.find("--dport 9000"), std::string::npos);  // IPv6 hostIP
}

TEST(PortMapIptablesText, SharedChainsAreNotRecreatedAndStaleEntriesRemoved) {
  std::string dn = dnatChainName("pm", "ctr1");
  nf::IptablesTableDump nat{
      "nat",
      {"PREROUTING", "OUTPUT", "POSTROUTING", "CNI-HOSTPORT-SETMARK", "CNI-HOSTPORT-MASQ",
       "CNI-HOSTPORT-DNAT", dn},
      {"-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
       "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
       "-A POSTROUTING -m comment --comment \"x\" -j CNI-HOSTPORT-MASQ",
       "-A CNI-HOSTPORT-SETMARK -m comment --comment \"x\" -j MARK --set-xmark 0x2000/0x2000",
       "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
       "-A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 1 -j " + dn}};
  std::string t = iptablesForwardText(sample(), "ctr1", net("10.1.0.5/24"), nat);
  EXPECT_EQ(t.find(":CNI-HOSTPORT-SETMARK"), std::string::npos) << t;
  EXPECT_EQ(t.find("-A PREROUTING"), std::string::npos) << t;
  EXPECT_EQ(t.find("-I POSTROUTING"), std::string::npos) << t;
  EXPECT_NE(t.find("-D CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 1 -j " + dn),
            std::string::npos)
      << t;
  std::string u = iptablesUnforwardText("pm", "ctr1", nat);
  EXPECT_NE(u.find("-X " + dn), std::string::npos) << u;
  EXPECT_TRUE(iptablesUnforwardText("pm", "other", nat).empty());
}

}  // namespace
}  // namespace orch::cni::portmap
