// orch-proxy end to end, beyond issue 7's list of checks: more of the Service semantics
// (external and load-balancer IPs, source ranges, NodePorts from inside, the traffic policies
// seen from inside, terminating endpoints, stale UDP conntrack entries, restarts and mode
// switches), in the same topology and for both modes (instantiated in proxy_e2e_test.cc).
#include <gtest/gtest.h>

#include "tests/integration/proxy_e2e/proxy_e2e_fixture.h"
#include "tests/support/eventually.h"

namespace orch::testing {
namespace {

// From outside through an externalIP and a LoadBalancer ingress IP (status written with
// kubectl patch --subresource=status, as a cloud controller would).
TEST_P(ProxyE2eTest, ExternalAndLoadBalancerIpsReachABackend) {
  apply(docs(slice("lb", {{&pod(0)}, {&pod(1)}, {&pod(2)}}),
             service("lb", "10.96.100.15", "  type: LoadBalancer\n  externalIPs: [203.0.113.15]\n",
                     30015, 30016)));
  auto patched = kubectl({"patch", "service", "lb", "--subresource=status", "--type=merge", "-p",
                          R"({"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.16"}]}}})"});
  ASSERT_TRUE(patched.ok() && patched->exit_code == 0)
      << (patched.ok() ? patched->err : patched.status().message());
  ASSERT_TRUE(waitForServicePort("default/lb:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*outside_, "203.0.113.15", 80));
  ASSERT_TRUE(waitForAnswer(*outside_, "203.0.113.16", 80));
  const auto names = podNames();
  for (const char* ip : {"203.0.113.15", "203.0.113.16"}) {
    auto a = askTcp(*outside_, ip, 80);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_TRUE(names.count(a->backend)) << a->backend;
    EXPECT_EQ(a->peer, kBridgeIp) << ip;  // policy Cluster: masqueraded
    a = askUdp(*outside_, ip, 80);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_TRUE(names.count(a->backend)) << a->backend;
  }
}

// A NodePort answers connections from the node itself and from pods too, not only from
// outside.
TEST_P(ProxyE2eTest, NodePortAnswersFromTheNodeAndFromPods) {
  apply(docs(slice("np", {{&pod(0)}, {&pod(1)}}),
             service("np", "10.96.100.25", "  type: NodePort\n", 30025, 30026)));
  ASSERT_TRUE(waitForServicePort("default/np:tcp", 2));
  ASSERT_TRUE(waitForAnswer(*outside_, kNodeIp, 30025));
  const auto names = podNames();
  for (TestNetns* from : {node_, client_}) {
    auto a = askTcp(*from, kNodeIp, 30025);
    ASSERT_TRUE(a.ok()) << from->name() << ": " << a.status().message();
    EXPECT_TRUE(names.count(a->backend)) << a->backend;
    a = askUdp(*from, kNodeIp, 30026);
    ASSERT_TRUE(a.ok()) << from->name() << ": " << a.status().message();
    EXPECT_TRUE(names.count(a->backend)) << a->backend;
  }
}

// externalTrafficPolicy Local only concerns traffic from outside: pods and the node itself
// still reach the NodePort's remote endpoints when none is local (kube-proxy's short-circuit).
TEST_P(ProxyE2eTest, ExternalTrafficPolicyLocalStillServesPodsWithoutLocalEndpoints) {
  const std::string spec =
      "  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32165\n";
  apply(docs(slice("remote", {{&pod(1), "node-2"}, {&pod(2), "node-2"}}),
             service("remote", "10.96.100.66", spec, 30066, 30067)));
  ASSERT_TRUE(waitForServicePort("default/remote:tcp", 2));
  ASSERT_TRUE(waitForAnswer(*client_, kNodeIp, 30066));
  for (TestNetns* from : {client_, node_}) {
    auto a = askTcp(*from, kNodeIp, 30066);
    ASSERT_TRUE(a.ok()) << from->name() << ": " << a.status().message();
    EXPECT_TRUE(a->backend == "pod-b" || a->backend == "pod-c") << a->backend;
    a = askTcp(*from, "10.96.100.66", 80);  // the ClusterIP, policy Cluster
    ASSERT_TRUE(a.ok()) << from->name() << ": " << a.status().message();
  }
  auto a = askTcp(*outside_, kNodeIp, 30066, std::chrono::milliseconds(500));
  EXPECT_FALSE(a.ok()) << "answered by " << a->backend;
}

// What changed while orch-proxy was down is in the kernel once it is back (its first sync is a
// full one): a Service deleted meanwhile leaves no rule, one added meanwhile answers.
TEST_P(ProxyE2eTest, ChangesWhileTheProxyIsDownApplyWhenItStarts) {
  apply(docs(slice("old", {{&pod(0)}}), service("old", "10.96.100.90")));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.90", 80));
  stopProxy();
  if (HasFatalFailure()) return;
  auto del = kubectl({"delete", "service", "old"});
  ASSERT_TRUE(del.ok() && del->exit_code == 0);
  apply(docs(slice("new", {{&pod(1)}}), service("new", "10.96.100.91")));

  startProxy(mode());
  if (HasFatalFailure()) return;
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.91", 80));
  std::string listing;
  EXPECT_TRUE(eventually([&] {
    listing = ruleListing();
    return listing.find("10.96.100.91") != std::string::npos &&
           listing.find("10.96.100.90") == std::string::npos;
  })) << listing;
}

// Switching modes (the other mode first, then this one): the rules of the mode left behind go
// once the new one runs, as kube-proxy cleans up the other modes when it starts.
TEST_P(ProxyE2eTest, SwitchingModesLeavesNoRulesOfTheOldMode) {
  stopProxy();
  if (HasFatalFailure()) return;
  const std::string other = mode() == "nftables" ? "iptables" : "nftables";
  startProxy(other);
  if (HasFatalFailure()) return;
  apply(docs(slice("switch", {{&pod(0)}}), service("switch", "10.96.100.95")));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.95", 80));
  ASSERT_NE(ruleListing(other).find("10.96.100.95"), std::string::npos) << ruleListing(other);
  stopProxy();
  if (HasFatalFailure()) return;
  auto del = kubectl({"delete", "service", "switch"});
  ASSERT_TRUE(del.ok() && del->exit_code == 0);

  startProxy(mode());
  if (HasFatalFailure()) return;
  apply(docs(slice("marker", {{&pod(1)}}), service("marker", "10.96.100.96")));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.96", 80));
  std::string old_rules = ruleListing(other);
  EXPECT_EQ(old_rules.find("10.96.100.95"), std::string::npos)
      << "the " << other << " rules of a deleted Service outlive the switch to " << mode() << ":\n"
      << old_rules;
  // And the deleted Service no longer answers (stale DNAT of the old mode would still send
  // it to pod-a).
  auto a = askTcp(*client_, "10.96.100.95", 80, std::chrono::milliseconds(500));
  EXPECT_FALSE(a.ok()) << "answered by " << a->backend;
}

// A UDP flow that went to the removed endpoint moves (its conntrack entry is flushed):
// the same source port then reaches a remaining endpoint.
TEST_P(ProxyE2eTest, UdpFlowToARemovedEndpointMoves) {
  apply(docs(slice("flow", {{&pod(0)}, {&pod(1)}, {&pod(2)}}), service("flow", "10.96.100.45")));
  ASSERT_TRUE(waitForServicePort("default/flow:udp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.45", 80));
  uint16_t src_port = 0;
  for (uint16_t p = 40000; p < 40100 && src_port == 0; ++p) {
    auto a = askUdp(*client_, "10.96.100.45", 80, p);
    if (a.ok() && a->backend == "pod-c") src_port = p;
  }
  ASSERT_NE(src_port, 0) << "no UDP flow of 100 reached pod-c";

  apply(slice("flow", {{&pod(0)}, {&pod(1)}}));
  ASSERT_TRUE(waitForServicePort("default/flow:udp", 2));
  std::string last;
  EXPECT_TRUE(eventually(
      [&] {
        auto a = askUdp(*client_, "10.96.100.45", 80, src_port);
        last = a.ok() ? a->backend : a.status().message();
        return a.ok() && a->backend != "pod-c";
      },
      50))
      << "the flow from port " << src_port << " still answered by: " << last;
}

// internalTrafficPolicy Local: pods reach only this node's endpoints; with none here,
// the ClusterIP answers nothing (dropped, although remote endpoints exist).
TEST_P(ProxyE2eTest, InternalTrafficPolicyLocalUsesOnlyLocalEndpoints) {
  apply(docs(slice("itp", {{&pod(0), "node-1"}, {&pod(1), "node-2"}, {&pod(2), "node-2"}}),
             service("itp", "10.96.100.65", "  internalTrafficPolicy: Local\n")));
  ASSERT_TRUE(waitForServicePort("default/itp:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.65", 80));
  auto seen = tally(*client_, "10.96.100.65", 80, 20);
  EXPECT_EQ(seen["pod-a"], 20) << describe(seen);

  apply(slice("itp", {{&pod(0), "node-2"}, {&pod(1), "node-2"}, {&pod(2), "node-2"}}));
  ASSERT_TRUE(eventually(
      [&] { return !askTcp(*client_, "10.96.100.65", 80, std::chrono::milliseconds(500)).ok(); },
      40));
  for (int i = 0; i < 3; ++i) {
    auto a = askTcp(*client_, "10.96.100.65", 80, std::chrono::milliseconds(500));
    EXPECT_FALSE(a.ok()) << "answered by " << a->backend;
  }
}

// Endpoint conditions: a not-ready, not-serving endpoint gets nothing; with no ready endpoint
// left, serving-and-terminating ones take the traffic (kube-proxy's fallback).
TEST_P(ProxyE2eTest, TerminatingEndpointsServeOnlyWhenNoneIsReady) {
  const std::string draining = "{ready: false, serving: true, terminating: true}";
  const std::string dead = "{ready: false, serving: false, terminating: true}";
  apply(docs(slice("term", {{&pod(0)}, {&pod(1), "node-1", draining}, {&pod(2), "node-1", dead}}),
             service("term", "10.96.100.75")));
  ASSERT_TRUE(waitForServicePort("default/term:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.75", 80));
  auto seen = tally(*client_, "10.96.100.75", 80, 20);
  EXPECT_EQ(seen["pod-a"], 20) << describe(seen);

  apply(
      slice("term",
            {{&pod(0), "node-1", dead}, {&pod(1), "node-1", draining}, {&pod(2), "node-1", dead}}));
  std::string last;
  ASSERT_TRUE(eventually([&] {
    auto a = askTcp(*client_, "10.96.100.75", 80);
    last = a.ok() ? a->backend : a.status().message();
    return a.ok() && a->backend == "pod-b";
  })) << last;
  seen = tally(*client_, "10.96.100.75", 80, 20);
  EXPECT_EQ(seen["pod-b"], 20) << describe(seen);
}

// loadBalancerSourceRanges: the LB IP takes connections only from those ranges.
TEST_P(ProxyE2eTest, LoadBalancerSourceRangesFilterTheLoadBalancerIp) {
  auto lb = [&](const std::string& range) {
    return service("fw", "10.96.100.85",
                   "  type: LoadBalancer\n  loadBalancerSourceRanges: [" + range + "]\n", 30085,
                   30086);
  };
  apply(docs(slice("fw", {{&pod(0)}, {&pod(1)}}), lb("172.16.0.0/24")));
  auto patched = kubectl({"patch", "service", "fw", "--subresource=status", "--type=merge", "-p",
                          R"({"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.85"}]}}})"});
  ASSERT_TRUE(patched.ok() && patched->exit_code == 0);
  ASSERT_TRUE(waitForServicePort("default/fw:tcp", 2));
  ASSERT_TRUE(waitForAnswer(*outside_, "203.0.113.85", 80));

  apply(lb("198.51.100.0/24"));
  ASSERT_TRUE(eventually(
      [&] { return !askTcp(*outside_, "203.0.113.85", 80, std::chrono::milliseconds(500)).ok(); },
      40));
  for (int i = 0; i < 3; ++i) {
    auto a = askTcp(*outside_, "203.0.113.85", 80, std::chrono::milliseconds(500));
    EXPECT_FALSE(a.ok()) << "answered by " << a->backend;
  }
  // The ClusterIP is not filtered.
  auto a = askTcp(*client_, "10.96.100.85", 80);
  EXPECT_TRUE(a.ok()) << a.status().message();
}

}  // namespace
}  // namespace orch::testing
