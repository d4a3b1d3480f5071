#pragma once
// Network-namespace fixtures for root integration tests.
//
// TestNetns: one fresh, uniquely named namespace ("orcht-<pid>-<n>") with a Netlink
// handle bound to it; destroying it closes the handle, deletes every link in it that
// has a peer outside (veth ends) and removes the namespace, so nothing outlives a test.
//
// NetnsTest: a GoogleTest fixture that skips (GTEST_SKIP, "needs root") when not root,
// hands out TestNetns objects with newNetns(), and tears them all down in TearDown,
// also when the test failed; host links recorded with recordHostLink() are deleted too.
//
// Commands run inside a namespace with `ip -n <name> ...` or `ip netns exec <name> ...`
// (iproute2), so tests can check state independently of the library under test.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/base/process.h"
#include "common/base/status.h"
#include "common/netlink/netlink.h"
#include "common/netlink/netns.h"

namespace orch::testing {

class TestNetns {
 public:
  // Creates a namespace named "<prefix>-<pid>-<n>" and brings its `lo` up.
  static Result<std::unique_ptr<TestNetns>> create(const std::string& prefix = "orcht");
  ~TestNetns();
  TestNetns(const TestNetns&) = delete;
  TestNetns& operator=(const TestNetns&) = delete;

  const std::string& name() const { return name_; }
  // Valid until destroy().
  const netlink::NetNs& ns() const { return *ns_; }
  int fd() const { return ns_->fd(); }
  // A Netlink handle bound to this namespace (usable from the test thread).
  netlink::Netlink& nl() { return *nl_; }

  // Runs fn inside the namespace on a dedicated thread (NetNs::run).
  template <class F>
  auto run(F&& fn) const {
    return ns_->run(std::forward<F>(fn));
  }
  // Runs `ip netns exec <name> argv...`, capturing output (10 s timeout).
  Result<RunResult> exec(const std::vector<std::string>& argv) const;
  // Runs `ip -n <name> -j <args...>` and parses the JSON it prints.
  Result<nlohmann::json> ipJson(const std::vector<std::string>& args) const;
  // Runs `ip -n <name> <args...>`; an error unless it exits 0.
  Status ip(const std::vector<std::string>& args) const;

  // Deletes the namespace now (the destructor then does nothing).
  Status destroy();

 private:
  TestNetns(std::string name, netlink::NetNs ns, netlink::Netlink nl);
  std::string name_;
  std::optional<netlink::NetNs> ns_;
  std::optional<netlink::Netlink> nl_;
  bool destroyed_ = false;
};

// Runs a command to completion (10 s timeout), capturing stdout and stderr.
Result<RunResult> runCommand(const std::vector<std::string>& argv);

// Names under /run/netns that start with "<prefix>-<our pid>-": what this process
// created and has not removed.
std::vector<std::string> leftoverNetns(const std::string& prefix = "orcht");

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A fresh namespace owned by the fixture; nullptr (and a test failure) when it cannot
  // be created. Use: `auto* a = newNetns(); ASSERT_NE(a, nullptr);`
  TestNetns* newNetns();
  // A link in the host's namespace that TearDown must delete.
  void recordHostLink(const std::string& name);

 private:
  std::vector<std::unique_ptr<TestNetns>> netns_;
  std::vector<std::string> host_links_;
};

}  // namespace orch::testing
