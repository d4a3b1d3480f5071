// The conntrack cleaner's decision: which UDP/SCTP entries are stale for a ProxyState.

#include "proxy/conntrack/stale_entries.h"

#include <gtest/gtest.h>

#include "support/proxy_state_builder.h"

namespace orch::proxy {
namespace {

using testing::addService;
using testing::ready;
using testing::spn;
using testing::terminating;

ConntrackEntry entry(const std::string& dst, uint16_t dport, const std::string& rsrc,
                     uint16_t rsport, Protocol p = Protocol::kUdp) {
  return ConntrackEntry{p, dst, dport, rsrc, rsport};
}

class StaleEntriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    addService(state_, spn("dns"), "10.96.0.10", 53,
               {ready("10.244.0.5", 5353, true), ready("10.244.1.6", 5353, false)});
  }
  bool stale(const ConntrackEntry& e) { return isStaleConntrackEntry(e, state_); }
  ProxyState state_;
};

TEST_F(StaleEntriesTest, EntryDnatedToACurrentEndpointStays) {
  EXPECT_FALSE(stale(entry("10.96.0.10", 53, "10.244.0.5", 5353)));
  EXPECT_FALSE(stale(entry("10.96.0.10", 53, "10.244.1.6", 5353)));
}

TEST_F(StaleEntriesTest, EntryDnatedToAGoneEndpointGoes) {
  EXPECT_TRUE(stale(entry("10.96.0.10", 53, "10.244.2.7", 5353)));
  // Same IP, other port: not that endpoint either.
  EXPECT_TRUE(stale(entry("10.96.0.10", 53, "10.244.0.5", 53)));
}

TEST_F(StaleEntriesTest, EntryNeverDnatedGoes) {
  EXPECT_TRUE(stale(entry("10.96.0.10", 53, "10.96.0.10", 53)));
}

TEST_F(StaleEntriesTest, OtherAddressesPortsAndTcpAreLeftAlone) {
  EXPECT_FALSE(stale(entry("10.96.0.11", 53, "10.96.0.11", 53)));
  EXPECT_FALSE(stale(entry("10.96.0.10", 54, "10.96.0.10", 54)));
  EXPECT_FALSE(stale(entry("10.96.0.10", 53, "10.96.0.10", 53, Protocol::kTcp)));
  // The Service port is UDP: an SCTP entry to the same address:port is not its.
  EXPECT_FALSE(stale(entry("10.96.0.10", 53, "10.96.0.10", 53, Protocol::kSctp)));
}

TEST_F(StaleEntriesTest, TcpServicesAreIgnored) {
  addService(state_, spn("web", Protocol::kTcp), "10.96.0.20", 80, {});
  EXPECT_FALSE(stale(entry("10.96.0.20", 80, "10.96.0.20", 80, Protocol::kTcp)));
  EXPECT_FALSE(stale(entry("10.96.0.20", 80, "10.96.0.20", 80)));
}

TEST_F(StaleEntriesTest, SctpServices) {
  addService(state_, spn("sig", Protocol::kSctp), "10.96.0.30", 3868,
             {ready("10.244.0.9", 3868, true)});
  EXPECT_FALSE(stale(entry("10.96.0.30", 3868, "10.244.0.9", 3868, Protocol::kSctp)));
  EXPECT_TRUE(stale(entry("10.96.0.30", 3868, "10.96.0.30", 3868, Protocol::kSctp)));
}

TEST_F(StaleEntriesTest, ServiceWithoutEndpointsDeletesEverythingToIt) {
  addService(state_, spn("empty"), "10.96.0.40", 9000, {});
  EXPECT_TRUE(stale(entry("10.96.0.40", 9000, "10.96.0.40", 9000)));
  EXPECT_TRUE(stale(entry("10.96.0.40", 9000, "10.244.0.5", 5353)));
}

TEST_F(StaleEntriesTest, NotReadyEndpointsAreNotTargetsButTerminatingFallbackIs) {
  EndpointInfo not_ready = ready("10.244.0.8", 8080, true);
  not_ready.ready = not_ready.serving = false;
  addService(state_, spn("a"), "10.96.0.50", 80, {ready("10.244.0.7", 8080, true), not_ready});
  EXPECT_TRUE(stale(entry("10.96.0.50", 80, "10.244.0.8", 8080)));
  // Only terminating-serving endpoints left: they are the fallback targets.
  addService(state_, spn("b"), "10.96.0.51", 80, {terminating("10.244.0.9", 8080, true, true)});
  EXPECT_FALSE(stale(entry("10.96.0.51", 80, "10.244.0.9", 8080)));
  // With a ready endpoint present the terminating one is not selected.
  addService(state_, spn("c"), "10.96.0.52", 80,
             {ready("10.244.0.7", 8080, true), terminating("10.244.0.9", 8080, true, true)});
  EXPECT_TRUE(stale(entry("10.96.0.52", 80, "10.244.0.9", 8080)));
}

TEST_F(StaleEntriesTest, ExternalAndLoadBalancerIpsUseTheExternalEndpoints) {
  auto& svc = addService(state_, spn("lb"), "10.96.0.60", 80,
                         {ready("10.244.0.5", 8080, true), ready("10.244.1.5", 8080, false)});
  svc.external_ips = {"192.0.2.10"};
  svc.load_balancer_ips = {"198.51.100.7"};
  svc.external_policy_local = true;
  // Cluster IP: every endpoint; external ones: only the local endpoint (policy Local).
  EXPECT_FALSE(stale(entry("10.96.0.60", 80, "10.244.1.5", 8080)));
  EXPECT_TRUE(stale(entry("192.0.2.10", 80, "10.244.1.5", 8080)));
  EXPECT_FALSE(stale(entry("192.0.2.10", 80, "10.244.0.5", 8080)));
  EXPECT_TRUE(stale(entry("198.51.100.7", 80, "10.244.1.5", 8080)));
  EXPECT_FALSE(stale(entry("198.51.100.7", 80, "10.244.0.5", 8080)));
  EXPECT_TRUE(stale(entry("198.51.100.7", 80, "198.51.100.7", 80)));
}

TEST_F(StaleEntriesTest, InternalPolicyLocalRestrictsClusterIpTargets) {
  auto& svc = addService(state_, spn("il"), "10.96.0.61", 80,
                         {ready("10.244.0.5", 8080, true), ready("10.244.1.5", 8080, false)});
  svc.internal_policy_local = true;
  EXPECT_FALSE(stale(entry("10.96.0.61", 80, "10.244.0.5", 8080)));
  EXPECT_TRUE(stale(entry("10.96.0.61", 80, "10.244.1.5", 8080)));
}

TEST_F(StaleEntriesTest, NodePortMatchesAnyDestinationAddress) {
  auto& svc = addService(state_, spn("np"), "10.96.0.70", 80, {ready("10.244.0.5", 8080, true)});
  svc.node_port = 30080;
  EXPECT_FALSE(stale(entry("192.0.2.1", 30080, "10.244.0.5", 8080)));
  EXPECT_FALSE(stale(entry("172.16.0.4", 30080, "10.244.0.5", 8080)));
  EXPECT_TRUE(stale(entry("192.0.2.1", 30080, "10.244.9.9", 8080)));
  EXPECT_TRUE(stale(entry("192.0.2.1", 30080, "192.0.2.1", 30080)));
  EXPECT_FALSE(stale(entry("192.0.2.1", 30081, "192.0.2.1", 30081)));
  EXPECT_FALSE(stale(entry("192.0.2.1", 30080, "192.0.2.1", 30080, Protocol::kTcp)));
}

TEST_F(StaleEntriesTest, Ipv6AddressesCompareCanonically) {
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  addService(st, spn("v6"), "fd00:96::a", 53, {ready("fd00:244::5", 5353, true)});
  StaleEntryMatcher m(st);
  EXPECT_FALSE(m.isStale(entry("fd00:96:0::a", 53, "FD00:244::0005", 5353)));
  EXPECT_TRUE(m.isStale(entry("fd00:96::a", 53, "fd00:96::a", 53)));
  EXPECT_TRUE(m.isStale(entry("fd00:96::a", 53, "fd00:244::6", 5353)));
}

TEST_F(StaleEntriesTest, EmptyWithoutUdpOrSctpServices) {
  ProxyState st;
  EXPECT_TRUE(StaleEntryMatcher(st).empty());
  addService(st, spn("web", Protocol::kTcp), "10.96.0.20", 80, {});
  EXPECT_TRUE(StaleEntryMatcher(st).empty());
  EXPECT_FALSE(StaleEntryMatcher(state_).empty());
}

}  // namespace
}  // namespace orch::proxy
