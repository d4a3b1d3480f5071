#pragma once
// Shared by the client tests: a FakeApiServer and a RestClient pointed at it, plus polling.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "common/client/rest_client.h"
#include "tests/support/apiserver/fake_apiserver.h"

namespace orch::client::testing {

// Polls `pred` for up to 10 s of real time; the result is pred() at the end.
template <class F>
bool eventually(F pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start().isOk());
    client_ = makeClient();
  }
  std::unique_ptr<RestClient> makeClient(RestClient::Options opts = {}) {
    RestConfig cfg;
    cfg.server = server_.url();
    cfg.requestTimeout = std::chrono::seconds(10);
    auto c = RestClient::create(cfg, opts);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  orch::testing::FakeApiServer server_;
  std::unique_ptr<RestClient> client_;
};

}  // namespace orch::client::testing
