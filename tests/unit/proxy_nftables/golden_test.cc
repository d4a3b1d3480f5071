// The planned transactions of a set of ProxyStates, against golden files in
// tests/testdata/proxy_nftables (ORCH_UPDATE_GOLDEN=1 rewrites them).

#include <gtest/gtest.h>

#include "proxy/nftables/nft_planner.h"
#include "tests/support/golden.h"
#include "tests/unit/proxy_nftables/test_states.h"

namespace orch::proxy::testing {
namespace {

void checkGolden(const std::string& name, const std::string& text) {
  ::orch::testing::expectGoldenFile(
      std::string(ORCH_PROXY_NFTABLES_TESTDATA) + "/" + name + ".golden", text);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, FullPlan) {
  ProxyState s = scenario(GetParam());
  NftPlan plan = planNftables(s, nullptr, ChangeSet{}, true);
  checkGolden("full_" + GetParam(), plan.tx.render());
}

INSTANTIATE_TEST_SUITE_P(Scenarios, GoldenTest, ::testing::ValuesIn(scenarioNames()),
                         [](const auto& info) { return info.param; });

ProxyState twoServices() {
  ProxyState s = nodeState();
  auto web = clusterIp(portName("web"), "10.96.0.10", 80);
  web.node_port = 30080;
  add(s, web, {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)});
  add(s, clusterIp(portName("api"), "10.96.0.11", 443), {ready("10.244.3.7", 6443)});
  return s;
}

TEST(GoldenIncremental, EndpointAddedToOneService) {
  ProxyState a = twoServices();
  NftKernelState k;
  applyPlan(k, planNftables(a, nullptr, ChangeSet{}, true));
  ProxyState b = a;
  b.endpoints[portName("web")].push_back(ready("10.244.4.8", 8080));
  NftPlan plan = planNftables(b, &k, ChangeSet{false, {portName("web")}});
  EXPECT_FALSE(plan.full);
  checkGolden("incremental_endpoint_added", plan.tx.render());
}

TEST(GoldenIncremental, ServiceRemoved) {
  ProxyState a = twoServices();
  NftKernelState k;
  applyPlan(k, planNftables(a, nullptr, ChangeSet{}, true));
  ProxyState b = a;
  b.services.erase(portName("web"));
  b.endpoints.erase(portName("web"));
  NftPlan plan = planNftables(b, &k, ChangeSet{false, {portName("web")}});
  checkGolden("incremental_service_removed", plan.tx.render());
}

TEST(GoldenIncremental, FullResyncInPlace) {
  ProxyState a = twoServices();
  NftKernelState k;
  applyPlan(k, planNftables(a, nullptr, ChangeSet{}, true));
  NftPlan plan = planNftables(a, &k, ChangeSet{});
  EXPECT_TRUE(plan.full);
  checkGolden("full_resync_in_place", plan.tx.render());
}

}  // namespace
}  // namespace orch::proxy::testing
