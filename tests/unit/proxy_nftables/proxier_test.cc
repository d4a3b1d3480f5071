// The nftables Proxier on a fake NftOps: full then incremental commits, the fallback
// to a full re-creation after an error, cleanup and the counts.

#include <gtest/gtest.h>

#include "proxy/nftables/nftables_proxier.h"
#include "tests/unit/proxy_nftables/packet_tracer.h"
#include "tests/unit/proxy_nftables/test_states.h"

namespace orch::proxy::testing {
namespace {

class ProxierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ops = std::make_unique<FakeNftOps>(&model_);
    ops_ = ops.get();
    proxier_ = newNftablesProxier(IpFamily::kIpv4, std::move(ops));
  }
  NftModel model_;
  FakeNftOps* ops_ = nullptr;
  std::unique_ptr<Proxier> proxier_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST_F(ProxierTest, FirstSyncIsFullThenOnlyChangedElements) {
  ProxyState s = scenario("nodeport");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ASSERT_EQ(ops_->committed.size(), 1u);
  EXPECT_NE(ops_->committed[0].find("delete table ip orch-proxy"), std::string::npos);
  auto counts = proxier_->ruleCounts();
  EXPECT_EQ(counts["map_elements"],
            model_.elementCount("service-ips") + model_.elementCount("service-nodeports") +
                model_.elementCount("no-endpoint-services") +
                model_.elementCount("no-endpoint-nodeports") + model_.elementCount("endpoints") +
                model_.elementCount("hairpin") + model_.elementCount("nodeport-ips"));
  EXPECT_EQ(counts["rules"], model_.ruleCount());
  EXPECT_EQ(counts["chains"], model_.chainCount());

  ProxyState b = s;
  b.endpoints[portName("web")].push_back(ready("10.244.4.8", 8080));
  ASSERT_TRUE(proxier_->sync(b, ChangeSet{false, {portName("web")}}).isOk());
  ASSERT_EQ(ops_->committed.size(), 2u);
  const std::string& tx = ops_->committed[1];
  EXPECT_EQ(tx.find("table"), std::string::npos) << tx;
  EXPECT_EQ(tx.find("flush"), std::string::npos) << tx;
  // Two pick chains for 3 endpoints are new; web's two frontends move to them and
  // its third endpoint is added to both.
  EXPECT_EQ(count(tx, "add chain"), 2u) << tx;
  EXPECT_EQ(count(tx, "delete element"), 2u) << tx;
  EXPECT_EQ(count(tx, "add element"), 3u) << tx;
  EXPECT_EQ(count(tx, "10.244.4.8") + count(tx, "0x0af40408"), 2u) << tx;
  EXPECT_EQ(proxier_->ruleCounts()["rules"], model_.ruleCount());
}

TEST_F(ProxierTest, UnchangedServiceSendsNothing) {
  ProxyState s = scenario("clusterip");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{false, {portName("web")}}).isOk());
  EXPECT_EQ(ops_->commits, 1);  // an empty transaction is not sent by MnlNftOps either
}

TEST_F(ProxierTest, AFailedCommitFallsBackToAFullRecreation) {
  ProxyState s = scenario("clusterip");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ProxyState b = s;
  b.endpoints[portName("web")].pop_back();
  ops_->fail_commits = 1;
  ops_->fail_status = Status::error(ENOENT, "delete elements from ip orch-proxy/endpoints");
  ASSERT_TRUE(proxier_->sync(b, ChangeSet{false, {portName("web")}}).isOk());
  EXPECT_EQ(ops_->failures, 1);
  ASSERT_EQ(ops_->committed.size(), 2u);
  EXPECT_NE(ops_->committed[1].find("delete table ip orch-proxy"), std::string::npos);
  EXPECT_EQ(model_.elementCount("endpoints"), 4u);
}

TEST_F(ProxierTest, AFailedRetryIsAnErrorAndTheNextSyncIsFull) {
  ProxyState s = scenario("clusterip");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ProxyState b = s;
  b.endpoints[portName("web")].pop_back();
  ops_->fail_commits = 2;
  ops_->fail_status = Status::error(ENOBUFS, "send nftables batch");
  Status st = proxier_->sync(b, ChangeSet{false, {portName("web")}});
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("send nftables batch"), std::string::npos) << st.message();
  // Whatever the kernel holds now is unknown: even a "small" sync re-creates the table.
  ASSERT_TRUE(proxier_->sync(b, ChangeSet{false, {}}).isOk());
  ASSERT_EQ(ops_->committed.size(), 2u);
  EXPECT_NE(ops_->committed[1].find("delete table ip orch-proxy"), std::string::npos);
  EXPECT_EQ(model_.elementCount("endpoints"), 4u);
}

TEST_F(ProxierTest, FullResyncKeepsTheTable) {
  ProxyState s = scenario("affinity");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ASSERT_EQ(ops_->committed.size(), 2u);
  EXPECT_EQ(ops_->committed[1].find("delete table"), std::string::npos);
  EXPECT_NE(ops_->committed[1].find("flush set ip orch-proxy endpoints"), std::string::npos);
  // The affinity sets of the frontends stay with their entries.
  EXPECT_NE(ops_->committed[1].find("add set ip orch-proxy aff-"), std::string::npos);
  EXPECT_EQ(ops_->committed[1].find("flush set ip orch-proxy aff-"), std::string::npos);
  EXPECT_EQ(ops_->committed[1].find("delete set"), std::string::npos);
}

TEST_F(ProxierTest, RemovingAnAffinityServiceDeletesItsSets) {
  ProxyState s = scenario("affinity");
  ASSERT_TRUE(proxier_->sync(s, ChangeSet{}).isOk());
  ProxyState b = s;
  b.services.erase(portName("web"));
  b.endpoints.erase(portName("web"));
  ASSERT_TRUE(proxier_->sync(b, ChangeSet{false, {portName("web")}}).isOk());
  ASSERT_EQ(ops_->committed.size(), 2u);
  EXPECT_EQ(ops_->failures, 0);
  EXPECT_EQ(count(ops_->committed[1], "delete set ip orch-proxy aff-"), 2u) << ops_->committed[1];
  for (const auto& n : model_.setNames()) EXPECT_NE(n.rfind("aff-", 0), 0u) << n;
  EXPECT_EQ(proxier_->ruleCounts()["chains"], model_.chainCount());
}

TEST_F(ProxierTest, CleanupIsIdempotent) {
  ASSERT_TRUE(proxier_->cleanup().isOk());
  ASSERT_TRUE(proxier_->sync(scenario("clusterip"), ChangeSet{}).isOk());
  EXPECT_TRUE(model_.hasTable());
  ASSERT_TRUE(proxier_->cleanup().isOk());
  EXPECT_FALSE(model_.hasTable());
  ASSERT_TRUE(proxier_->cleanup().isOk());
  EXPECT_EQ(proxier_->ruleCounts()["rules"], 0u);
  // After a cleanup the next sync builds everything again.
  ASSERT_TRUE(proxier_->sync(scenario("clusterip"), ChangeSet{false, {}}).isOk());
  EXPECT_TRUE(model_.hasTable());
}

}  // namespace
}  // namespace orch::proxy::testing
