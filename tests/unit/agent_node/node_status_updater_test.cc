// Node status posts: on change, at least every report interval, with the upstream timestamp
// semantics; NotReady from the runtime; pressure; retries; a vanished Node.

#include "agent/node/node_status_updater.h"

#include <gtest/gtest.h>

#include "agent/node/node_registrar.h"
#include "tests/unit/agent_node/node_fixture.h"

namespace orch::agent {
namespace {

using std::chrono::seconds;

class StatusTest : public testing::NodeTest {
 protected:
  void SetUp() override {
    NodeTest::SetUp();
    builder_ = std::make_unique<NodeStatusBuilder>(opts_, probe_, sources_);
    updater_ = std::make_unique<NodeStatusUpdater>(*client_, *builder_, clock_);
  }
  void registerNode() {
    NodeRegistrar reg(*client_, *builder_, clock_);
    ASSERT_TRUE(reg.tryRegister().ok());
  }
  int statusPatches() { return server_.requestCount("PATCH", "/nodes/node-a/status"); }
  api::Time now() { return api::Time(clock_.wallNow()); }

  std::unique_ptr<NodeStatusBuilder> builder_;
  std::unique_ptr<NodeStatusUpdater> updater_;
};

TEST_F(StatusTest, PostsOnChangeAndAtLeastEveryReportInterval) {
  registerNode();
  const api::Time registered = now();
  clock_.advance(seconds(1));

  // The first round always reports (nothing reported yet): heartbeats move, transitions stay.
  auto posted = updater_->sync();
  ASSERT_TRUE(posted.ok()) << posted.status().message();
  EXPECT_TRUE(*posted);
  EXPECT_EQ(statusPatches(), 1);
  auto node = storedNode();
  const auto* ready = condition(*node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, "True");
  EXPECT_EQ(ready->lastHeartbeatTime->unixSeconds(), now().unixSeconds());
  EXPECT_EQ(ready->lastTransitionTime->unixSeconds(), registered.unixSeconds());
  ASSERT_TRUE(updater_->lastPosted().has_value());

  // 10 s later, nothing changed: nothing posted.
  clock_.advance(seconds(10));
  posted = updater_->sync();
  ASSERT_TRUE(posted.ok());
  EXPECT_FALSE(*posted);
  EXPECT_EQ(statusPatches(), 1);

  // The runtime goes away: posted at once, Ready False with its message, new transition.
  setReady(false, "container runtime is down: connection refused");
  clock_.advance(seconds(10));
  const api::Time not_ready_at = now();
  posted = updater_->sync();
  ASSERT_TRUE(posted.ok());
  EXPECT_TRUE(*posted);
  node = storedNode();
  ready = condition(*node, "Ready");
  EXPECT_EQ(ready->status, "False");
  EXPECT_EQ(ready->reason, "KubeletNotReady");
  EXPECT_EQ(ready->message, "container runtime is down: connection refused");
  EXPECT_EQ(ready->lastTransitionTime->unixSeconds(), not_ready_at.unixSeconds());
  const auto* mem = condition(*node, "MemoryPressure");
  ASSERT_NE(mem, nullptr);
  EXPECT_EQ(mem->status, "False");
  EXPECT_EQ(mem->lastTransitionTime->unixSeconds(), registered.unixSeconds());
  EXPECT_EQ(mem->lastHeartbeatTime->unixSeconds(), not_ready_at.unixSeconds());

  // Unchanged for 50 s: no posts; at 60 s since the last post: a heartbeat-only post.
  for (int i = 0; i < 5; ++i) {
    clock_.advance(seconds(10));
    posted = updater_->sync();
    ASSERT_TRUE(posted.ok());
    EXPECT_FALSE(*posted) << i;
  }
  EXPECT_EQ(statusPatches(), 2);
  clock_.advance(seconds(10));
  posted = updater_->sync();
  ASSERT_TRUE(posted.ok());
  EXPECT_TRUE(*posted);
  EXPECT_EQ(statusPatches(), 3);
  node = storedNode();
  ready = condition(*node, "Ready");
  EXPECT_EQ(ready->lastHeartbeatTime->unixSeconds(), now().unixSeconds());
  EXPECT_EQ(ready->lastTransitionTime->unixSeconds(), not_ready_at.unixSeconds());
  EXPECT_EQ(ready->message, "container runtime is down: connection refused");
}

TEST_F(StatusTest, PressureAndCapacityChangesArePosted) {
  registerNode();
  ASSERT_TRUE(updater_->sync().ok());
  clock_.advance(seconds(10));
  probe_.setMemory({8LL << 30, 50LL << 20});      // 50Mi available
  probe_.setFs({100LL << 30, 5LL << 30, 10, 9});  // 5% available
  probe_.setPids({950, 1000});
  auto posted = updater_->sync();
  ASSERT_TRUE(posted.ok());
  EXPECT_TRUE(*posted);
  auto node = storedNode();
  EXPECT_EQ(condition(*node, "MemoryPressure")->status, "True");
  EXPECT_EQ(condition(*node, "MemoryPressure")->reason, "KubeletHasInsufficientMemory");
  EXPECT_EQ(condition(*node, "DiskPressure")->status, "True");
  EXPECT_EQ(condition(*node, "DiskPressure")->reason, "KubeletHasDiskPressure");
  EXPECT_EQ(condition(*node, "PIDPressure")->status, "True");
  EXPECT_EQ(condition(*node, "PIDPressure")->reason, "KubeletHasInsufficientPID");
  EXPECT_EQ(condition(*node, "Ready")->status, "True");

  clock_.advance(seconds(10));
  probe_.setCpus(16);
  ASSERT_TRUE(*updater_->sync());
  EXPECT_EQ(storedNode()->status.capacity.at("cpu").toString(), "16");
}

TEST_F(StatusTest, KeepsWhatOthersOwnAndFixesStaleAddresses) {
  // A Node from an earlier run, with an old address and a condition set by a network agent.
  createNode({{"apiVersion", "v1"},
              {"kind", "Node"},
              {"metadata", {{"name", "node-a"}}},
              {"status",
               {{"addresses", {{{"type", "InternalIP"}, {"address", "10.9.9.9"}}}},
                {"capacity", {{"example.com/dongle", "2"}}},
                {"volumesInUse", {"kubernetes.io/csi/x"}},
                {"conditions",
                 {{{"type", "NetworkUnavailable"},
                   {"status", "False"},
                   {"reason", "RouteCreated"},
                   {"lastTransitionTime", "2020-01-01T00:00:00Z"}}}}}}});
  auto posted = updater_->sync();
  ASSERT_TRUE(posted.ok()) << posted.status().message();
  auto node = storedNode();
  ASSERT_EQ(node->status.addresses.size(), 2u);
  EXPECT_EQ(node->status.addresses[0].address, "10.0.0.5");
  EXPECT_EQ(node->status.conditions.size(), 5u);
  EXPECT_EQ(condition(*node, "NetworkUnavailable")->reason, "RouteCreated");
  EXPECT_EQ(node->status.volumesInUse.size(), 1u);
  // The capacity the agent computes replaces the old one.
  EXPECT_FALSE(node->status.capacity.contains("example.com/dongle"));
  EXPECT_EQ(node->status.nodeInfo.containerRuntimeVersion, "fake://1.0");
}

TEST_F(StatusTest, RetriesFailedPostsAndReportsAVanishedNode) {
  registerNode();
  clock_.advance(seconds(1));  // so that there is a heartbeat to post
  server_.injectError(
      {.method = "PATCH", .target = "/nodes/node-a/status", .code = 500, .times = 2});
  auto posted = updater_->sync();
  ASSERT_TRUE(posted.ok()) << posted.status().message();
  EXPECT_TRUE(*posted);
  EXPECT_EQ(statusPatches(), 3);

  server_.injectError(
      {.method = "PATCH", .target = "/nodes/node-a/status", .code = 500, .times = 5});
  setReady(false, "down");
  posted = updater_->sync();
  EXPECT_FALSE(posted.ok());
  EXPECT_EQ(condition(*storedNode(), "Ready")->status, "True");
  EXPECT_NE(posted.status().message().find("update node status"), std::string::npos);

  ASSERT_TRUE(server_.remove(testing::kNodePath).isOk());
  const int gets = server_.requestCount("GET", "/nodes/node-a");
  posted = updater_->sync();
  ASSERT_FALSE(posted.ok());
  EXPECT_TRUE(client::isNotFound(posted.status())) << posted.status().message();
  EXPECT_EQ(server_.requestCount("GET", "/nodes/node-a"), gets + 1);  // no retries
}

TEST_F(StatusTest, MissingCapacityMakesTheNodeNotReady) {
  registerNode();
  probe_.setFail(true);
  auto posted = updater_->sync();
  ASSERT_TRUE(posted.ok()) << posted.status().message();
  // The registered capacity is kept, so the node stays Ready; the failure is reported.
  EXPECT_EQ(condition(*storedNode(), "Ready")->status, "True");
  EXPECT_FALSE(updater_->lastBuildError().isOk());

  // A Node without capacity (made by someone else) is NotReady until it is known.
  ASSERT_TRUE(server_.remove(testing::kNodePath).isOk());
  createNode({{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-a"}}}});
  posted = updater_->sync();
  ASSERT_TRUE(posted.ok());
  auto node = storedNode();
  const auto* ready = condition(*node, "Ready");
  ASSERT_NE(ready, nullptr);
  EXPECT_EQ(ready->status, "False");
  EXPECT_NE(ready->message.find("missing node capacity for resources: cpu, memory, pods"),
            std::string::npos)
      << ready->message;
}

}  // namespace
}  // namespace orch::agent
