// The semantics of issue 7 item 3, checked by tracing packets through the planned
// nftables rules (packet_tracer.h): no root, no kernel.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "proxy/nftables/nft_planner.h"
#include "tests/unit/proxy_nftables/packet_tracer.h"
#include "tests/unit/proxy_nftables/test_states.h"

namespace orch::proxy::testing {
namespace {

constexpr char kNode[] = "192.168.1.2";
constexpr char kPod[] = "10.244.9.9";      // a pod on some node, inside the cluster CIDR
constexpr char kOutside[] = "172.16.5.5";  // a client outside the cluster CIDR

class TracerTest : public ::testing::Test {
 protected:
  void load(const ProxyState& s) {
    state_ = s;
    NftPlan plan = planNftables(s, nullptr, ChangeSet{}, true);
    ASSERT_TRUE(model_.apply(plan.tx).isOk());
    applyPlan(kernel_, std::move(plan));
    bool v6 = s.config.family == IpFamily::kIpv6;
    model_.setLocalAddresses({v6 ? "fd00:1::2" : kNode, v6 ? "::1" : "127.0.0.1"});
  }
  void change(const ProxyState& s, std::set<ServicePortName> names) {
    NftPlan plan = planNftables(s, &kernel_, ChangeSet{false, std::move(names)});
    ASSERT_FALSE(plan.full);
    Status st = model_.apply(plan.tx);
    ASSERT_TRUE(st.isOk()) << st.message();
    applyPlan(kernel_, std::move(plan));
    state_ = s;
  }
  // The distinct outcomes of a packet, as text.
  std::set<std::string> outcomes(const Packet& p) {
    auto r = model_.trace(p);
    EXPECT_TRUE(r.ok()) << r.status().message();
    std::set<std::string> out;
    if (r.ok())
      for (const auto& t : *r) {
        out.insert(t.str());
        if (std::getenv("TRACE_DEBUG") != nullptr) {  // the chains each outcome went through
          std::string c;
          for (const auto& x : t.chains) c += x + " ";
          std::fprintf(stderr, "%s: %s\n", t.str().c_str(), c.c_str());
        }
      }
    return out;
  }
  static Packet pkt(const std::string& src, const std::string& dst, uint16_t dport,
                    Protocol p = Protocol::kTcp) {
    Packet k;
    k.src = src, k.dst = dst, k.dport = dport, k.proto = p;
    return k;
  }
  using S = std::set<std::string>;

  ProxyState state_;
  NftKernelState kernel_;
  NftModel model_;
};

TEST_F(TracerTest, ClusterIpTcpUdpSctpReachEveryEndpoint) {
  load(scenario("clusterip"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 80)),
            (S{"dnat 10.244.1.5:8080", "dnat 10.244.2.6:8080", "dnat 10.244.3.7:8080"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.53", 53, Protocol::kUdp)), (S{"dnat 10.244.2.8:5353"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.70", 7000, Protocol::kSctp)), (S{"dnat 10.244.3.9:7001"}));
  // The wrong protocol or port is not the Service.
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.53", 53, Protocol::kTcp)), (S{"accept"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 81)), (S{"accept"}));
}

TEST_F(TracerTest, SeveralPortsOfOneService) {
  load(scenario("multiport"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 80)),
            (S{"dnat 10.244.1.5:8080", "dnat 10.244.2.6:8080"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 443)),
            (S{"dnat 10.244.1.5:8443", "dnat 10.244.2.6:8443"}));
}

TEST_F(TracerTest, MasqueradeFromOutsideTheClusterCidrAndFromTheHost) {
  load(scenario("clusterip"));
  EXPECT_EQ(outcomes(pkt(kOutside, "10.96.0.53", 53, Protocol::kUdp)),
            (S{"dnat 10.244.2.8:5353 masquerade"}));
  Packet host = pkt(kNode, "10.96.0.53", 53, Protocol::kUdp);
  host.locally_generated = true;
  EXPECT_EQ(outcomes(host), (S{"dnat 10.244.2.8:5353 masquerade"}));
}

TEST_F(TracerTest, MasqueradeAll) {
  load(scenario("masquerade_all"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 80)), (S{"dnat 10.244.1.5:8080 masquerade"}));
}

TEST_F(TracerTest, HairpinIsMasqueraded) {
  load(scenario("clusterip"));
  // The local endpoint 10.244.1.5 reaching its own Service: masquerade only when it
  // lands on itself.
  EXPECT_EQ(outcomes(pkt("10.244.1.5", "10.96.0.10", 80)),
            (S{"dnat 10.244.1.5:8080 masquerade", "dnat 10.244.2.6:8080", "dnat 10.244.3.7:8080"}));
}

TEST_F(TracerTest, NodePortOnlyOnNodePortAddresses) {
  load(scenario("nodeport"));
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30080)),
            (S{"dnat 10.244.1.5:8080 masquerade", "dnat 10.244.2.6:8080 masquerade"}));
  Packet local = pkt(kNode, kNode, 30080);
  local.locally_generated = true;
  EXPECT_EQ(outcomes(local).size(), 2u);
  // Another address of ours that is not a node-port address, or someone else's.
  model_.setLocalAddresses({kNode, "192.168.7.7"});
  EXPECT_EQ(outcomes(pkt(kOutside, "192.168.7.7", 30080)), (S{"accept"}));
  EXPECT_EQ(outcomes(pkt(kOutside, "192.168.1.99", 30080)), (S{"accept"}));
  // A node port without endpoints rejects.
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30081)), (S{"reject tcp-reset"}));
}

TEST_F(TracerTest, NodePortOnEveryLocalAddressButLoopback) {
  load(scenario("nodeport_all_local"));
  model_.setLocalAddresses({kNode, "192.168.7.7", "127.0.0.1"});
  EXPECT_EQ(outcomes(pkt(kOutside, "192.168.7.7", 30080)).size(), 2u);
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30080)).size(), 2u);
  EXPECT_EQ(outcomes(pkt(kOutside, "192.168.1.99", 30080)), (S{"accept"}));
  Packet lo = pkt("127.0.0.1", "127.0.0.1", 30080);
  lo.locally_generated = true;
  EXPECT_EQ(outcomes(lo), (S{"accept"}));
}

TEST_F(TracerTest, ExternalAndLoadBalancerIps) {
  load(scenario("external_lb"));
  S cluster{"dnat 10.244.1.5:8080 masquerade", "dnat 10.244.2.6:8080 masquerade"};
  EXPECT_EQ(outcomes(pkt(kOutside, "203.0.113.10", 80)), cluster);
  EXPECT_EQ(outcomes(pkt(kOutside, "198.51.100.20", 80)), cluster);
  EXPECT_EQ(outcomes(pkt(kOutside, "203.0.113.10", 81)), (S{"accept"}));
}

TEST_F(TracerTest, ExternalTrafficPolicyLocalKeepsTheClientAndUsesLocalEndpoints) {
  load(scenario("external_lb"));
  EXPECT_EQ(outcomes(pkt(kOutside, "203.0.113.12", 80)), (S{"dnat 10.244.1.15:8080"}));
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30082)), (S{"dnat 10.244.1.15:8080"}));
  // The cluster IP still reaches every endpoint.
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.12", 80)),
            (S{"dnat 10.244.1.15:8080", "dnat 10.244.2.16:8080"}));
}

TEST_F(TracerTest, LocalPolicyFromPodsAndTheNodeUsesEveryEndpoint) {
  load(scenario("external_lb"));
  // As kube-proxy: pods keep their address and reach every endpoint; the node itself
  // is masqueraded; outside clients get the local endpoint only.
  EXPECT_EQ(outcomes(pkt(kPod, "203.0.113.12", 80)),
            (S{"dnat 10.244.1.15:8080", "dnat 10.244.2.16:8080"}));
  Packet host = pkt(kNode, kNode, 30082);
  host.locally_generated = true;
  EXPECT_EQ(outcomes(host),
            (S{"dnat 10.244.1.15:8080 masquerade", "dnat 10.244.2.16:8080 masquerade"}));
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30082)), (S{"dnat 10.244.1.15:8080"}));

  // A pod of another node that is itself an endpoint, reaching this node's node port:
  // masqueraded when it lands on itself (hairpin), else it keeps its address.
  EXPECT_EQ(outcomes(pkt("10.244.2.16", kNode, 30082)),
            (S{"dnat 10.244.1.15:8080", "dnat 10.244.2.16:8080 masquerade"}));

  load(scenario("local_policy"));
  EXPECT_EQ(outcomes(pkt(kPod, "198.51.100.22", 80)), (S{"dnat 10.244.2.6:8080"}));
  EXPECT_EQ(outcomes(pkt(kPod, kNode, 30090)), (S{"dnat 10.244.2.6:8080"}));
}

TEST_F(TracerTest, LocalPoliciesWithoutLocalEndpointsDrop) {
  load(scenario("local_policy"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.20", 80)), (S{"dnat 10.244.1.5:8080"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.21", 80)), (S{"drop"}));
  EXPECT_EQ(outcomes(pkt(kOutside, kNode, 30090)), (S{"drop"}));
  EXPECT_EQ(outcomes(pkt(kOutside, "198.51.100.22", 80)), (S{"drop"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.22", 80)), (S{"dnat 10.244.2.6:8080"}));
}

TEST_F(TracerTest, LoadBalancerSourceRanges) {
  load(scenario("lb_source_ranges"));
  EXPECT_EQ(outcomes(pkt(kOutside, "198.51.100.60", 443)), (S{"dnat 10.244.2.6:8443 masquerade"}));
  EXPECT_EQ(outcomes(pkt("192.0.2.7", "198.51.100.60", 443)),
            (S{"dnat 10.244.2.6:8443 masquerade"}));
  EXPECT_EQ(outcomes(pkt("192.168.50.5", "198.51.100.60", 443)), (S{"drop"}));
  Packet host = pkt(kNode, "198.51.100.60", 443);
  host.locally_generated = true;
  EXPECT_EQ(outcomes(host), (S{"drop"}));
  // The cluster IP and node port are not restricted.
  EXPECT_EQ(outcomes(pkt("192.168.50.5", "10.96.0.60", 443)),
            (S{"dnat 10.244.2.6:8443 masquerade"}));
  EXPECT_EQ(outcomes(pkt("192.168.50.5", kNode, 30443)), (S{"dnat 10.244.2.6:8443 masquerade"}));
}

TEST_F(TracerTest, ServicesWithoutEndpointsReject) {
  load(scenario("no_endpoints"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.30", 80)), (S{"reject tcp-reset"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.31", 53, Protocol::kUdp)), (S{"reject icmp"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.32", 80)), (S{"reject tcp-reset"}));
  Packet host = pkt(kNode, "10.96.0.30", 80);
  host.locally_generated = true;
  EXPECT_EQ(outcomes(host), (S{"reject tcp-reset"}));
}

TEST_F(TracerTest, TerminatingEndpointsOnlyAsTheLastResort) {
  load(scenario("terminating"));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.40", 80)), (S{"dnat 10.244.1.5:8080"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.41", 80)), (S{"dnat 10.244.2.6:8080"}));
}

TEST_F(TracerTest, SessionAffinitySticks) {
  load(scenario("affinity"));
  Packet p = pkt(kPod, "10.96.0.10", 80);
  EXPECT_EQ(outcomes(p).size(), 3u);
  auto first = model_.traceOnce(p, 1);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->dnat.rfind("10.244.", 0), 0u) << first->str();
  // Whatever numgen says now, this client stays; another client still spreads.
  EXPECT_EQ(outcomes(p), (S{first->str()}));
  EXPECT_EQ(outcomes(pkt("10.244.9.10", "10.96.0.10", 80)).size(), 3u);
  // Through the node port the affinity is its own.
  EXPECT_EQ(outcomes(pkt(kPod, kNode, 30080)).size(), 3u);

  // Another endpoint goes away: the client keeps its own.
  std::string stuck = first->dnat.substr(0, first->dnat.find(':'));
  ProxyState b = state_;
  auto& eps = b.endpoints[portName("web")];
  auto other = std::find_if(eps.begin(), eps.end(), [&](const auto& e) { return e.ip != stuck; });
  std::string other_ip = other->ip;
  eps.erase(other);
  change(b, {portName("web")});
  EXPECT_EQ(outcomes(p), (S{first->str()}));
  // Its own endpoint goes away: it gets a live one and sticks to that.
  ProxyState c = state_;
  auto& eps2 = c.endpoints[portName("web")];
  eps2.erase(std::find_if(eps2.begin(), eps2.end(), [&](const auto& e) { return e.ip == stuck; }));
  change(c, {portName("web")});
  auto left = outcomes(p);
  EXPECT_EQ(left.size(), 1u);
  EXPECT_EQ(left.count(first->str()), 0u);
  EXPECT_EQ(left.count("dnat " + other_ip + ":8080"), 0u);
  auto again = model_.traceOnce(p, 0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(outcomes(p), (S{again->str()}));
}

// The affinity sets of a state's frontends ("aff-..." sets).
std::vector<std::string> affinitySets(const NftModel& m) {
  std::vector<std::string> out;
  for (const auto& n : m.setNames()) {
    if (n.rfind("aff-", 0) == 0) out.push_back(n);
  }
  return out;
}

TEST_F(TracerTest, EveryAffinityFrontendHasItsOwnSet) {
  load(scenario("affinity"));
  // The cluster IP and the node port of web.
  EXPECT_EQ(affinitySets(model_).size(), 2u);
  EXPECT_EQ(model_.elementCount("affinity"), 0u);
  auto first = model_.traceOnce(pkt(kPod, "10.96.0.10", 80), 2);
  ASSERT_TRUE(first.ok());
  size_t entries = 0;
  for (const auto& n : affinitySets(model_)) entries += model_.elementCount(n);
  EXPECT_EQ(entries, 1u);
  // A full resync in place keeps the entries of the frontends that stay.
  NftPlan plan = planNftables(state_, &kernel_, ChangeSet{});
  ASSERT_TRUE(plan.full);
  ASSERT_TRUE(model_.apply(plan.tx).isOk());
  applyPlan(kernel_, std::move(plan));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 80)), (S{first->str()}));
}

TEST_F(TracerTest, RemovedAffinityServiceLeavesNoStickiness) {
  load(scenario("affinity"));
  Packet p = pkt(kPod, "10.96.0.10", 80);
  ASSERT_TRUE(model_.traceOnce(p, 1).ok());
  ASSERT_EQ(outcomes(p).size(), 1u);
  ProxyState gone = state_;
  gone.services.erase(portName("web"));
  gone.endpoints.erase(portName("web"));
  change(gone, {portName("web")});
  EXPECT_TRUE(affinitySets(model_).empty());
  // Re-created with the same IP, port and endpoints: spread again.
  change(scenario("affinity"), {portName("web")});
  EXPECT_EQ(affinitySets(model_).size(), 2u);
  EXPECT_EQ(outcomes(p).size(), 3u);
}

TEST_F(TracerTest, AffinityFrontendPassingToAnotherServiceStartsAfresh) {
  load(scenario("affinity"));
  Packet p = pkt(kPod, "10.96.0.10", 80);
  ASSERT_TRUE(model_.traceOnce(p, 1).ok());
  ASSERT_EQ(outcomes(p).size(), 1u);
  // In one batch web goes and "web2" takes its cluster IP and port, same endpoints.
  ProxyState b = state_;
  ServicePortInfo svc = b.services.at(portName("web"));
  std::vector<EndpointInfo> eps = b.endpoints.at(portName("web"));
  b.services.erase(portName("web"));
  b.endpoints.erase(portName("web"));
  svc.name = portName("web2");
  add(b, svc, eps);
  change(b, {portName("web"), portName("web2")});
  EXPECT_EQ(affinitySets(model_).size(), 2u);
  EXPECT_EQ(outcomes(p).size(), 3u);
  // The same through a full resync in place.
  ASSERT_TRUE(model_.traceOnce(p, 1).ok());
  ASSERT_EQ(outcomes(p).size(), 1u);
  ProxyState c = scenario("affinity");
  NftPlan plan = planNftables(c, &kernel_, ChangeSet{});
  ASSERT_TRUE(plan.full);
  Status st = model_.apply(plan.tx);
  ASSERT_TRUE(st.isOk()) << st.message();
  applyPlan(kernel_, std::move(plan));
  EXPECT_EQ(affinitySets(model_).size(), 2u);
  EXPECT_EQ(outcomes(p).size(), 3u);
}

TEST_F(TracerTest, Ipv6) {
  load(scenario("ipv6"));
  EXPECT_EQ(outcomes(pkt("fd00:244::9:9", "fd00:96::10", 80)),
            (S{"dnat [fd00:244:1::5]:8080", "dnat [fd00:244:2::6]:8080"}));
  EXPECT_EQ(outcomes(pkt("2001:db8::1", "fd00:1::2", 30080)),
            (S{"dnat [fd00:244:1::5]:8080 masquerade", "dnat [fd00:244:2::6]:8080 masquerade"}));
  EXPECT_EQ(outcomes(pkt("fd00:244::9:9", "fd00:96::11", 80)), (S{"reject tcp-reset"}));
}

TEST_F(TracerTest, IncrementalChangesMatchAFullPlan) {
  ProxyState a = scenario("external_lb");
  load(a);
  ProxyState b = a;
  // web: one endpoint more; local: removed; a new Service without endpoints.
  b.endpoints[portName("web")].push_back(ready("10.244.4.8", 8080, true));
  b.services.erase(portName("local"));
  b.endpoints.erase(portName("local"));
  add(b, clusterIp(portName("new"), "10.96.0.50", 80), {});
  change(b, {portName("web"), portName("local"), portName("new")});

  NftModel fresh;
  ASSERT_TRUE(fresh.apply(planNftables(b, nullptr, ChangeSet{}, true).tx).isOk());
  for (const char* set : {"service-ips", "service-nodeports", "no-endpoint-services",
                          "no-endpoint-nodeports", "endpoints", "hairpin"}) {
    EXPECT_EQ(model_.elementCount(set), fresh.elementCount(set)) << set;
  }
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.10", 80)).size(), 3u);
  EXPECT_EQ(outcomes(pkt(kOutside, "203.0.113.12", 80)), (S{"accept"}));
  EXPECT_EQ(outcomes(pkt(kPod, "10.96.0.50", 80)), (S{"reject tcp-reset"}));
  EXPECT_EQ(outcomes(pkt("10.244.4.8", "10.96.0.10", 80)).count("dnat 10.244.4.8:8080 masquerade"),
            1u);
}

}  // namespace
}  // namespace orch::proxy::testing
