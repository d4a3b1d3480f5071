#pragma once
// Shared by the agent_node tests: the in-process fake API server, a RestClient on it, a fake
// clock, a fake host probe and a readiness the test can flip.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/node/node_info.h"
#include "common/api/codec.h"
#include "common/api/lease.h"
#include "common/api/node.h"
#include "common/client/rest_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/apiserver/fake_apiserver.h"
#include "tests/unit/agent_node/fake_host_probe.h"

namespace orch::agent::testing {

// Polls `pred` for up to 20 s of real time; the result is pred() at the end.
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

inline constexpr const char* kNodePath = "/api/v1/nodes/node-a";
inline constexpr const char* kLeasePath =
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-a";

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start().isOk());
    client::RestConfig cfg;
    cfg.server = server_.url();
    cfg.requestTimeout = std::chrono::seconds(10);
    auto c = client::RestClient::create(cfg);
    ASSERT_TRUE(c.ok()) << c.status().message();
    client_ = std::move(c).value();
    opts_.nodeName = "node-a";
    opts_.rootDir = "/var/lib/orch/agent";
    opts_.port = 10250;
    sources_.readiness = [this] {
      std::lock_guard l(mu_);
      return readiness_;
    };
    sources_.runtimeVersion = [] { return Result<RuntimeVersion>(RuntimeVersion{"fake", "1.0"}); };
  }

  void setReady(bool ready, std::string message = "") {
    std::lock_guard l(mu_);
    readiness_ = {ready, ready ? "" : "RuntimeNotReady", std::move(message)};
  }

  std::optional<api::Node> storedNode() {
    auto j = server_.get(kNodePath);
    if (!j) return std::nullopt;
    auto n = api::decode<api::Node>(*j);
    EXPECT_TRUE(n.ok()) << n.status().message();
    return n.ok() ? std::optional<api::Node>(*n) : std::nullopt;
  }
  std::optional<api::Lease> storedLease() {
    auto j = server_.get(kLeasePath);
    if (!j) return std::nullopt;
    auto l = api::decode<api::Lease>(*j);
    EXPECT_TRUE(l.ok()) << l.status().message();
    return l.ok() ? std::optional<api::Lease>(*l) : std::nullopt;
  }
  // Creates the Node as someone else would (an admin, or an earlier agent run).
  void createNode(nlohmann::json node) {
    auto made = server_.create("/api/v1/nodes", std::move(node));
    ASSERT_TRUE(made.ok()) << made.status().message();
  }

  static const api::NodeCondition* condition(const api::Node& n, const std::string& type) {
    for (const auto& c : n.status.conditions) {
      if (c.type == type) return &c;
    }
    return nullptr;
  }

  orch::testing::FakeApiServer server_;
  std::unique_ptr<client::RestClient> client_;
  orch::testing::FakeClock clock_;
  FakeHostProbe probe_;
  NodeOptions opts_;
  NodeSources sources_;
  std::mutex mu_;
  Readiness readiness_{true, "", ""};
};

}  // namespace orch::agent::testing
