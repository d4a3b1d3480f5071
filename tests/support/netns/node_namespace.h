#pragma once
// What a test "node" namespace needs (DESIGN.md, network safety): a dead-end uplink as its
// only way out, and a bridge + host-local CNI network for its pods.

#include <nlohmann/json.hpp>
#include <string>

#include "common/base/status.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::testing {

// uplink0 (peer uplink0-void stays down) with 192.0.2.1/24 and the default route through it:
// Service and pod traffic routes, and whatever no rule catches vanishes there.
Status addDeadEndUplink(TestNetns& node);

// A conflist: our bridge plugin (`bridge`, gateway) + host-local on `subnet`, state in
// `ipam_dir`.
nlohmann::json bridgeConflist(const std::string& network, const std::string& bridge,
                              const std::string& subnet, const std::string& ipam_dir);

// A NetnsTest whose SetUp makes one namespace, ns_, to run the code under test in (with a
// dead-end uplink when constructed with dead_end_uplink = true). Skips like NetnsTest when
// not root; ns_ stays nullptr then.
class NodeNetnsTest : public NetnsTest {
 protected:
  explicit NodeNetnsTest(bool dead_end_uplink = false) : dead_end_uplink_(dead_end_uplink) {}
  void SetUp() override;

  TestNetns* ns_ = nullptr;

 private:
  bool dead_end_uplink_;
};

}  // namespace orch::testing
