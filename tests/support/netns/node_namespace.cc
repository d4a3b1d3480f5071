#include "tests/support/netns/node_namespace.h"

namespace orch::testing {

Status addDeadEndUplink(TestNetns& node) {
  ORCH_RETURN_IF_ERROR(
      node.ip({"link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0-void"}));
  ORCH_RETURN_IF_ERROR(node.ip({"addr", "add", "192.0.2.1/24", "dev", "uplink0"}));
  ORCH_RETURN_IF_ERROR(node.ip({"link", "set", "uplink0", "up"}));
  return node.ip({"route", "add", "default", "dev", "uplink0"});
}

nlohmann::json bridgeConflist(const std::string& network, const std::string& bridge,
                              const std::string& subnet, const std::string& ipam_dir) {
  return {{"cniVersion", "1.0.0"},
          {"name", network},
          {"plugins",
           {{{"type", "bridge"},
             {"bridge", bridge},
             {"isGateway", true},
             {"ipam",
              {{"type", "host-local"},
               {"ranges", {{{{"subnet", subnet}}}}},
               {"routes", {{{"dst", "0.0.0.0/0"}}}},
               {"dataDir", ipam_dir}}}}}}};
}

void NodeNetnsTest::SetUp() {
  NetnsTest::SetUp();
  if (IsSkipped()) return;
  ns_ = newNetns();
  ASSERT_NE(ns_, nullptr);
  if (dead_end_uplink_) {
    Status st = addDeadEndUplink(*ns_);
    ASSERT_TRUE(st.isOk()) << st.message();
  }
}

}  // namespace orch::testing
