#include <gtest/gtest.h>

#include "cni-plugins/bridge/ipmasq.h"
#include "cni-plugins/bridge/netfilter_names.h"

namespace orch::cni::bridge {
namespace {

namespace nf = orch::netfilter;

IpNet net(const char* s) {
  return IpNet::parse(s).value();
}

TEST(IpMasqPlan, NftablesLayoutAndStaleRuleDeletion) {
  MasqKey k{"testnet", "eth0", "c1"};
  auto tx = nftMasqSetupPlan(k, {net("10.1.0.5/24"), net("fd00::5/64")}, {7, 9});
  ASSERT_TRUE(tx.ok()) << tx.status().message();
  int base_chains = 0, flushes = 0, deletes = 0, masq_rules = 0, post_rules = 0;
  for (const auto& op : tx->ops()) {
    if (auto* c = std::get_if<nf::AddChain>(&op)) {
      EXPECT_EQ(c->chain.table, kMasqTable);
      EXPECT_EQ(c->chain.family, nf::Family::kInet);
      if (c->chain.base) {
        ++base_chains;
        EXPECT_EQ(c->chain.name, "postrouting");
        EXPECT_EQ(c->chain.base->hook, nf::kHookPostrouting);
        EXPECT_EQ(c->chain.base->priority, 100);
      }
    } else if (std::get_if<nf::FlushChain>(&op)) {
      ++flushes;
    } else if (auto* d = std::get_if<nf::DeleteRule>(&op)) {
      ++deletes;
      EXPECT_EQ(d->rule.chain, kMasqChain);
    } else if (auto* r = std::get_if<nf::AddRule>(&op)) {
      if (r->rule.chain == kMasqChain) {
        ++masq_rules;
        EXPECT_EQ(r->rule.comment, masqComment(k));
      } else {
        ++post_rules;
        EXPECT_EQ(r->rule.comment, "");
      }
    }
  }
  EXPECT_EQ(base_chains, 1);
  EXPECT_EQ(flushes, 1);
  EXPECT_EQ(deletes, 2);
  EXPECT_EQ(masq_rules, 2);
  EXPECT_EQ(post_rules, 3);  // v4 multicast return, v6 multicast return, goto masq_checks
}

TEST(IpMasqPlan, IptablesTextAsTheReferenceWritesIt) {
  MasqKey k{"testnet", "eth0", "c1"};
  std::string chain = formatChainName("testnet", "c1");
  std::string t = iptablesMasqSetupText(k, {net("10.1.0.5/24")}, {}, {});
  EXPECT_NE(t.find("*nat"), std::string::npos);
  EXPECT_NE(t.find(":" + chain), std::string::npos);
  EXPECT_NE(t.find("-A " + chain + " -d 10.1.0.0/24 -j ACCEPT"), std::string::npos) << t;
  EXPECT_NE(t.find("-A " + chain + " ! -d 224.0.0.0/4 -j MASQUERADE"), std::string::npos) << t;
  EXPECT_NE(t.find("-A POSTROUTING -s 10.1.0.5/32 -j " + chain), std::string::npos) << t;
  EXPECT_NE(t.find("name: \\\"testnet\\\" id: \\\"c1\\\""), std::string::npos) << t;
  EXPECT_NE(t.find("COMMIT"), std::string::npos);
}

TEST(IpMasqPlan, IptablesTextDoesNotDuplicateExistingRules) {
  MasqKey k{"testnet", "eth0", "c1"};
  std::string chain = formatChainName("testnet", "c1");
  std::vector<std::string> chain_rules = {
      "-A " + chain + " -d 10.1.0.0/24 -m comment --comment x -j ACCEPT",
      "-A " + chain + " ! -d 224.0.0.0/4 -m comment --comment x -j MASQUERADE"};
  std::vector<std::string> post = {"-A POSTROUTING -s 10.1.0.5/32 -m comment --comment x -j " +
                                   chain};
  std::string t = iptablesMasqSetupText(k, {net("10.1.0.5/24")}, chain_rules, post);
  EXPECT_EQ(t.find("-A "), std::string::npos) << t;
  EXPECT_EQ(t.find(":" + chain), std::string::npos) << t;  // not flushed
}

}  // namespace
}  // namespace orch::cni::bridge
