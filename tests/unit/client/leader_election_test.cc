#include "common/client/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "tests/unit/client/client_fixture.h"

namespace orch::client {
namespace {

using namespace std::chrono_literals;
using testing::ClientTest;
using testing::eventually;

const char kLeasePath[] = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/ctrl";

class LeaderElectionTest : public ClientTest {
 protected:
  struct Candidate {
    std::unique_ptr<LeaderElector> elector;
    std::atomic<int> started{0}, stopped{0};
    std::mutex mu;
    std::vector<std::string> leaders;
  };

  std::unique_ptr<Candidate> candidate(const std::string& id, bool release = true) {
    auto c = std::make_unique<Candidate>();
    LeaderElectionConfig cfg;
    cfg.namespace_ = "kube-system";
    cfg.name = "ctrl";
    cfg.identity = id;
    cfg.leaseDuration = 1000ms;
    cfg.renewDeadline = 600ms;
    cfg.retryPeriod = 100ms;
    cfg.releaseOnCancel = release;
    Candidate* raw = c.get();
    cfg.onStartedLeading = [raw] { ++raw->started; };
    cfg.onStoppedLeading = [raw] { ++raw->stopped; };
    cfg.onNewLeader = [raw](const std::string& who) {
      std::lock_guard l(raw->mu);
      raw->leaders.push_back(who);
    };
    auto e = LeaderElector::create(*client_, cfg);
    EXPECT_TRUE(e.ok()) << e.status().message();
    c->elector = std::move(e).value();
    return c;
  }

  nlohmann::json leaseSpec() {
    auto l = server_.get(kLeasePath);
    return l ? (*l)["spec"] : nlohmann::json();
  }
};

TEST_F(LeaderElectionTest, ConfigIsValidated) {
  LeaderElectionConfig cfg{.namespace_ = "ns", .name = "x", .identity = "me"};
  EXPECT_TRUE(LeaderElector::create(*client_, cfg).ok());
  cfg.identity = "";
  EXPECT_EQ(LeaderElector::create(*client_, cfg).status().code(), EINVAL);
  cfg.identity = "me";
  cfg.renewDeadline = cfg.leaseDuration;
  auto r = LeaderElector::create(*client_, cfg);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("renewDeadline"), std::string::npos);
  cfg.renewDeadline = 2s;
  cfg.retryPeriod = 2s;
  EXPECT_FALSE(LeaderElector::create(*client_, cfg).ok());
}

TEST_F(LeaderElectionTest, ReleaseHandsOverToTheSecondCandidate) {
  auto a = candidate("a");
  auto b = candidate("b");
  a->elector->start();
  ASSERT_TRUE(eventually([&] { return a->elector->isLeader(); }));
  EXPECT_EQ(a->started.load(), 1);
  auto spec = leaseSpec();
  EXPECT_EQ(spec["holderIdentity"], "a");
  EXPECT_EQ(spec["leaseTransitions"], 0);
  EXPECT_EQ(spec["leaseDurationSeconds"], 1);
  EXPECT_TRUE(spec.contains("acquireTime"));
  EXPECT_TRUE(spec.contains("renewTime"));

  b->elector->start();
  ASSERT_TRUE(eventually([&] { return b->elector->leader() == "a"; }));
  // a keeps renewing: b stays a follower.
  const int renews_before = server_.requestCount("PUT", "/leases/ctrl");
  ASSERT_TRUE(
      eventually([&] { return server_.requestCount("PUT", "/leases/ctrl") >= renews_before + 5; }));
  EXPECT_FALSE(b->elector->isLeader());
  EXPECT_EQ(b->started.load(), 0);

  a->elector->stop();  // releases
  EXPECT_FALSE(a->elector->isLeader());
  EXPECT_EQ(a->stopped.load(), 1);
  ASSERT_TRUE(eventually([&] { return b->elector->isLeader(); }));
  EXPECT_EQ(b->started.load(), 1);
  spec = leaseSpec();
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
  {
    std::lock_guard l(b->mu);
    EXPECT_EQ(b->leaders.front(), "a");
    EXPECT_EQ(b->leaders.back(), "b");
  }
  b->elector->stop();
  EXPECT_EQ(leaseSpec()["holderIdentity"], "");
}

TEST_F(LeaderElectionTest, SecondTakesOverWhenTheLeaderStopsRenewing) {
  auto a = candidate("a", /*release=*/false);
  auto b = candidate("b");
  a->elector->start();
  ASSERT_TRUE(eventually([&] { return a->elector->isLeader(); }));
  b->elector->start();
  ASSERT_TRUE(eventually([&] { return b->elector->leader() == "a"; }));
  a->elector->stop();  // no release: the lease still names a until it expires
  EXPECT_EQ(leaseSpec()["holderIdentity"], "a");
  ASSERT_TRUE(eventually([&] { return b->elector->isLeader(); }));
  auto spec = leaseSpec();
  EXPECT_EQ(spec["holderIdentity"], "b");
  EXPECT_EQ(spec["leaseTransitions"], 1);
}

TEST_F(LeaderElectionTest, LosingTheLeaseCallsOnStoppedLeading) {
  auto a = candidate("a");
  a->elector->start();
  ASSERT_TRUE(eventually([&] { return a->elector->isLeader(); }));
  // Renewals fail from now on: after renewDeadline the leader gives up.
  server_.injectError({.method = "PUT", .target = "/leases/ctrl", .code = 500, .times = 1000000});
  ASSERT_TRUE(eventually([&] { return a->stopped.load() == 1; }));
  EXPECT_FALSE(a->elector->isLeader());
  // It keeps trying and wins again once the server recovers (the lease still names it).
  server_.clearInjectedErrors();
  ASSERT_TRUE(eventually([&] { return a->started.load() == 2; }));
  EXPECT_EQ(leaseSpec()["leaseTransitions"], 0);  // same holder: not a transition
}

TEST_F(LeaderElectionTest, ConcurrentCandidatesElectExactlyOne) {
  std::vector<std::unique_ptr<Candidate>> cs;
  for (const char* id : {"x", "y", "z"}) cs.push_back(candidate(id));
  for (auto& c : cs) c->elector->start();
  ASSERT_TRUE(eventually([&] {
    int n = 0;
    for (auto& c : cs) n += c->elector->isLeader() ? 1 : 0;
    return n == 1;
  }));
  // Over several renew periods there is never more than one.
  for (int i = 0; i < 20; ++i) {
    int n = 0;
    for (auto& c : cs) n += c->elector->isLeader() ? 1 : 0;
    EXPECT_LE(n, 1);
    std::this_thread::sleep_for(20ms);
  }
  for (auto& c : cs) c->elector->stop();
}

}  // namespace
}  // namespace orch::client
