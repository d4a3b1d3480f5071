// NodeAgent's threads on the fake clock: registration (with retries), the status loop, the
// lease loop, re-registration of a deleted Node, and a prompt stop.

#include "agent/node/node_agent.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/agent_node/node_fixture.h"

namespace orch::agent {
namespace {

using std::chrono::seconds;
using testing::eventually;

class NodeAgentTest : public testing::NodeTest {
 protected:
  std::unique_ptr<NodeAgent> makeAgent() {
    return std::make_unique<NodeAgent>(*client_, opts_, sources_, probe_, clock_,
                                       [this](const Status& st) {
                                         std::lock_guard l(errors_mu_);
                                         errors_.push_back(st.message());
                                       });
  }
  // Advances the fake clock in steps until pred holds (the loops wait on the clock).
  template <class F>
  bool advanceUntil(F pred, Clock::Duration step = std::chrono::milliseconds(100)) {
    return eventually([&] {
      if (pred()) return true;
      clock_.advance(step);
      return pred();
    });
  }
  std::string renewTime() {
    auto l = storedLease();
    return l && l->spec.renewTime ? l->spec.renewTime->format() : "";
  }
  std::mutex errors_mu_;
  std::vector<std::string> errors_;
};

TEST_F(NodeAgentTest, RegistersPostsStatusAndRenewsTheLease) {
  auto agent = makeAgent();
  agent->start();
  ASSERT_TRUE(eventually([&] { return agent->registered(); }));
  ASSERT_TRUE(eventually([&] { return storedLease().has_value() && agent->lastLease(); }));
  ASSERT_TRUE(eventually([&] { return agent->lastStatusPost().has_value(); }));
  auto node = storedNode();
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(condition(*node, "Ready")->status, "True");
  EXPECT_TRUE(agent->registeredNode().has_value());
  // The Lease may have been made before the Node: its owner is added at a later renewal.
  ASSERT_TRUE(advanceUntil([&] { return !storedLease()->metadata.ownerReferences.empty(); }));

  // The lease is renewed each renew interval of clock time.
  const std::string first = renewTime();
  ASSERT_TRUE(advanceUntil([&] { return renewTime() != first; }, seconds(1)));

  // A readiness change is posted as soon as the status loop is poked, without waiting.
  setReady(false, "runtime gone");
  agent->updateStatusNow();
  ASSERT_TRUE(eventually([&] {
    auto n = storedNode();
    return n && condition(*n, "Ready") && condition(*n, "Ready")->status == "False";
  }));
  EXPECT_EQ(condition(*storedNode(), "Ready")->message, "runtime gone");

  agent->stop();
  std::lock_guard l(errors_mu_);
  EXPECT_TRUE(errors_.empty()) << errors_.front();
}

TEST_F(NodeAgentTest, RegistrationIsRetriedWithBackoff) {
  server_.injectError({.method = "POST", .target = "/api/v1/nodes", .code = 503, .times = 3});
  auto agent = makeAgent();
  agent->start();
  ASSERT_TRUE(advanceUntil([&] { return agent->registered(); }));
  EXPECT_EQ(server_.requestCount("POST", "/api/v1/nodes"), 4);
  {
    std::lock_guard l(errors_mu_);
    EXPECT_EQ(errors_.size(), 3u);
  }
  agent->stop();
}

TEST_F(NodeAgentTest, ADeletedNodeIsRegisteredAgain) {
  auto agent = makeAgent();
  agent->start();
  ASSERT_TRUE(eventually([&] { return agent->lastStatusPost().has_value(); }));
  const std::string uid = storedNode()->metadata.uid;
  ASSERT_TRUE(server_.remove(testing::kNodePath).isOk());
  ASSERT_TRUE(advanceUntil(
      [&] {
        auto n = storedNode();
        return n && n->metadata.uid != uid;
      },
      seconds(1)));
  agent->stop();
}

TEST_F(NodeAgentTest, StopEndsBackoffsAtOnceAndStartStopAreIdempotent) {
  server_.injectError({.method = "", .target = "", .code = 503, .times = 1000000});
  auto agent = makeAgent();
  agent->start();
  agent->start();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard l(errors_mu_);
    return !errors_.empty();
  }));
  agent->stop();  // must not need the fake clock to move
  agent->stop();
  EXPECT_FALSE(agent->registered());
}

}  // namespace
}  // namespace orch::agent
