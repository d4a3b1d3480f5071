// The iptables proxier against a fake runner backed by a strict model of
// iptables-restore / iptables-save: when it saves, when it sends full or partial
// restores, how it recovers from a failed restore, and what cleanup() leaves.
#include "proxy/iptables/iptables_proxier.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "proxy/iptables/chain_names.h"
#include "unit/proxy_iptables/fake_iptables.h"
#include "unit/proxy_iptables/test_state.h"

namespace orch::proxy {
namespace {

using namespace orch::proxy::testing;

ProxyState state() {
  ProxyState st = baseState();
  auto np = clusterIp(spn("ns1", "svc1"), "172.30.0.41");
  np.node_port = 30001;
  add(st, np, {ready("10.180.0.1"), ready("10.180.0.2")});
  add(st, clusterIp(spn("ns2", "svc2"), "172.30.0.42"), {ready("10.180.0.3")});
  return st;
}

bool anyJumpToOurs(const FakeTables& t) {
  for (const char* table : {"nat", "filter"}) {
    for (const auto& [chain, rules] : t.table(table).rules) {
      for (const auto& r : rules) {
        if (r.find("-j ORCH-") != std::string::npos) return true;
      }
    }
  }
  return false;
}

class IptablesProxierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = std::make_unique<FakeIptablesRunner>(&tables_);
    runner_ = r.get();
    proxier_ = newIptablesProxier(IpFamily::kIpv4, std::move(r));
  }
  FakeTables tables_;
  FakeIptablesRunner* runner_ = nullptr;
  std::unique_ptr<Proxier> proxier_;
};

TEST_F(IptablesProxierTest, FirstSyncIsFullThenPartial) {
  ProxyState st = state();
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{.full = false, .services = {}}).isOk());
  EXPECT_EQ(runner_->saves, 2);  // filter and nat, to find jumps and stale chains
  EXPECT_EQ(runner_->restores, 1);
  auto counts = proxier_->ruleCounts();
  EXPECT_EQ(counts["rules"], tables_.ourRuleCount());
  EXPECT_EQ(counts["chains"], tables_.ourChainCount());
  EXPECT_GT(counts["chains"], 9u);

  st.endpoints[spn("ns2", "svc2")].push_back(ready("10.180.0.4"));
  ASSERT_TRUE(
      proxier_->sync(st, ChangeSet{.full = false, .services = {spn("ns2", "svc2")}}).isOk());
  EXPECT_EQ(runner_->saves, 2);  // a partial sync does not read the tables
  EXPECT_EQ(runner_->restores, 2);
  EXPECT_EQ(runner_->texts.back().find("*filter"), std::string::npos);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], tables_.ourRuleCount());

  // A full resync reads again and installs no second copy of the jump rules.
  uint64_t before = tables_.ourRuleCount();
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{}).isOk());
  EXPECT_EQ(runner_->saves, 4);
  EXPECT_EQ(tables_.ourRuleCount(), before);
  EXPECT_EQ(runner_->texts.back().find("-I "), std::string::npos);
}

TEST_F(IptablesProxierTest, FailedRestoreMakesTheNextSyncFull) {
  ProxyState st = state();
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{}).isOk());
  runner_->fail_next_restores = 1;
  st.services.erase(spn("ns1", "svc1"));
  Status s = proxier_->sync(st, ChangeSet{.full = false, .services = {spn("ns1", "svc1")}});
  EXPECT_FALSE(s.isOk());
  EXPECT_NE(s.message().find("iptables partial sync"), std::string::npos) << s.message();
  // The core retries; whatever ChangeSet it passes, the proxier goes full.
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{.full = false, .services = {}}).isOk());
  EXPECT_EQ(runner_->saves, 4);
  auto nat = tables_.ourChains("nat");
  for (const auto& gone : {iptables::serviceClusterChain(spn("ns1", "svc1")),
                           iptables::serviceExternalChain(spn("ns1", "svc1"))}) {
    EXPECT_EQ(std::find(nat.begin(), nat.end(), gone), nat.end()) << gone;
  }
  EXPECT_EQ(tables_.save("nat").find("30001"), std::string::npos);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], tables_.ourRuleCount());
}

TEST_F(IptablesProxierTest, SomeoneElsesChangesAreRepairedByAFullSync) {
  ProxyState st = state();
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{}).isOk());
  // Someone deletes our nat PREROUTING jump and leaves a stray chain of ours.
  ASSERT_TRUE(tables_
                  .restore("*nat\n-D PREROUTING -m comment --comment \"orch-proxy service "
                           "portals\" -j ORCH-SERVICES\n:ORCH-SEP-STRAYSTRAYSTRAY1 - [0:0]\n"
                           "COMMIT\n")
                  .isOk());
  // And a chain of an older layout, still jumped to from a built-in chain.
  ASSERT_TRUE(tables_
                  .restore("*nat\n:ORCH-OLD-LAYOUT - [0:0]\n-A ORCH-OLD-LAYOUT -j RETURN\n"
                           "-A OUTPUT -p tcp -j ORCH-OLD-LAYOUT\nCOMMIT\n")
                  .isOk());
  ASSERT_TRUE(proxier_->sync(st, ChangeSet{}).isOk());
  EXPECT_NE(tables_.save("nat").find("-A PREROUTING -m comment"), std::string::npos);
  EXPECT_EQ(tables_.save("nat").find("STRAY"), std::string::npos);
  EXPECT_EQ(tables_.save("nat").find("OLD-LAYOUT"), std::string::npos);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], tables_.ourRuleCount());
}

TEST_F(IptablesProxierTest, CleanupRemovesEverythingAndIsIdempotent) {
  // Nothing installed: nothing to do, no restore.
  ASSERT_TRUE(proxier_->cleanup().isOk());
  EXPECT_EQ(runner_->restores, 0);

  ASSERT_TRUE(tables_
                  .restore("*nat\n:OTHER - [0:0]\n-A OTHER -j RETURN\n"
                           "-A PREROUTING -j OTHER\nCOMMIT\n")
                  .isOk());
  ASSERT_TRUE(proxier_->sync(state(), ChangeSet{}).isOk());
  ASSERT_TRUE(proxier_->cleanup().isOk());
  EXPECT_TRUE(tables_.ourChains("nat").empty());
  EXPECT_TRUE(tables_.ourChains("filter").empty());
  EXPECT_FALSE(anyJumpToOurs(tables_));
  // Others' rules stay.
  EXPECT_NE(tables_.save("nat").find("-A PREROUTING -j OTHER"), std::string::npos);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], 0u);
  int restores = runner_->restores;
  ASSERT_TRUE(proxier_->cleanup().isOk());
  EXPECT_EQ(runner_->restores, restores);

  // After cleanup the next sync is full again.
  ASSERT_TRUE(proxier_->sync(state(), ChangeSet{.full = false, .services = {}}).isOk());
  EXPECT_TRUE(anyJumpToOurs(tables_));
}

TEST_F(IptablesProxierTest, RejectsTheOtherFamily) {
  ProxyState st = state();
  st.config.family = IpFamily::kIpv6;
  EXPECT_FALSE(proxier_->sync(st, ChangeSet{}).isOk());
  EXPECT_EQ(runner_->restores, 0);
}

}  // namespace
}  // namespace orch::proxy
