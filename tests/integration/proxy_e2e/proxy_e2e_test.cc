// orch-proxy end to end (issue 7), as root, for the nftables and the iptables mode alike: the
// real orch-apiserver and orch-proxy in a private node namespace, Services and EndpointSlices
// written with the real kubectl, and real TCP/UDP traffic from a pod, from the node and from
// outside to "pods" that answer with their name (topology: proxy_e2e_fixture.h).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/proxy_e2e/proxy_e2e_fixture.h"
#include "tests/support/eventually.h"

namespace orch::testing {
namespace {

using nlohmann::json;

// 1. TCP and UDP through the ClusterIP from a pod and from the node, and through the NodePort
// from outside.
TEST_P(ProxyE2eTest, TcpAndUdpReachABackendThroughClusterIpAndNodePort) {
  apply(docs(slice("web", {{&pod(0)}, {&pod(1)}, {&pod(2)}}),
             service("web", "10.96.100.10", "  type: NodePort\n", 30010, 30011)));
  ASSERT_TRUE(waitForServicePort("default/web:tcp", 3));
  ASSERT_TRUE(waitForServicePort("default/web:udp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.10", 80));
  const auto names = podNames();

  auto a = askTcp(*client_, "10.96.100.10", 80);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;
  EXPECT_EQ(a->peer, kClientIp);  // pod → Service inside the cluster CIDR: not masqueraded
  a = askUdp(*client_, "10.96.100.10", 80);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;
  EXPECT_EQ(a->peer, kClientIp);

  a = askTcp(*node_, "10.96.100.10", 80);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;
  a = askUdp(*node_, "10.96.100.10", 80);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;

  // From outside the cluster CIDR through the node's address: masqueraded (policy Cluster).
  a = askTcp(*outside_, kNodeIp, 30010);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;
  EXPECT_EQ(a->peer, kBridgeIp);
  a = askUdp(*outside_, kNodeIp, 30011);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_TRUE(names.count(a->backend)) << a->backend;
  EXPECT_EQ(a->peer, kBridgeIp);
}

// 2. New connections spread over every endpoint.
TEST_P(ProxyE2eTest, LoadSpreadsOverEveryEndpoint) {
  apply(
      docs(slice("spread", {{&pod(0)}, {&pod(1)}, {&pod(2)}}), service("spread", "10.96.100.20")));
  ASSERT_TRUE(waitForServicePort("default/spread:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.20", 80));
  auto seen = tally(*client_, "10.96.100.20", 80, 60);
  EXPECT_EQ(seen.count(""), 0u) << describe(seen);
  for (const Pod& p : pods_) EXPECT_GE(seen[p.name], 1) << describe(seen);
}

// 3. sessionAffinity ClientIP: one client keeps its backend.
TEST_P(ProxyE2eTest, ClientIpAffinitySticks) {
  apply(docs(slice("sticky", {{&pod(0)}, {&pod(1)}, {&pod(2)}}),
             service("sticky", "10.96.100.30",
                     "  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: "
                     "{timeoutSeconds: 300}}\n")));
  ASSERT_TRUE(waitForServicePort("default/sticky:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.30", 80));
  auto seen = tally(*client_, "10.96.100.30", 80, 20);
  EXPECT_EQ(seen.size(), 1u) << describe(seen);
  EXPECT_EQ(seen.count(""), 0u) << describe(seen);
}

// 4. An endpoint removed from the slice gets no new connections once the proxy has synced.
TEST_P(ProxyE2eTest, RemovedEndpointGetsNoNewConnections) {
  apply(
      docs(slice("shrink", {{&pod(0)}, {&pod(1)}, {&pod(2)}}), service("shrink", "10.96.100.40")));
  ASSERT_TRUE(waitForServicePort("default/shrink:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.40", 80));
  EXPECT_GE(tally(*client_, "10.96.100.40", 80, 30)["pod-c"], 1);

  apply(slice("shrink", {{&pod(0)}, {&pod(1)}}));
  ASSERT_TRUE(waitForServicePort("default/shrink:tcp", 2));
  // The state is there; the kernel follows with the sync: wait until the rules no longer
  // name pod-c (nft: "10.244.1.12 . 8080", iptables: "--to-destination 10.244.1.12:8080").
  std::string listing;
  ASSERT_TRUE(eventually([&] {
    listing = ruleListing();
    return !listing.empty() && listing.find(pod(2).ip) == std::string::npos;
  })) << listing;
  auto seen = tally(*client_, "10.96.100.40", 80, 40);
  EXPECT_EQ(seen.count("pod-c"), 0u) << describe(seen);
  EXPECT_EQ(seen.count(""), 0u) << describe(seen);
  EXPECT_GE(seen["pod-a"], 1) << describe(seen);
  EXPECT_GE(seen["pod-b"], 1) << describe(seen);
}

// 5. A Service without endpoints rejects: a reset for TCP, ICMP unreachable for UDP, also
// through its NodePort from outside.
TEST_P(ProxyE2eTest, ServiceWithoutEndpointsRejects) {
  apply(service("empty", "10.96.100.50", "  type: NodePort\n", 30050, 30051));
  ASSERT_TRUE(waitForServicePort("default/empty:tcp", 0));
  // Until the proxy synced, the packets vanish in the dead-end uplink (a timeout); then the
  // connect is refused.
  Status last;
  ASSERT_TRUE(eventually(
      [&] {
        auto a = askTcp(*client_, "10.96.100.50", 80, std::chrono::milliseconds(500));
        last = a.status();
        return !a.ok() && a.status().code() == ECONNREFUSED;
      },
      40))
      << last.message();
  auto a = askTcp(*client_, "10.96.100.50", 80);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ECONNREFUSED) << a.status().message();
  a = askUdp(*client_, "10.96.100.50", 80);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ECONNREFUSED) << a.status().message();
  a = askTcp(*node_, "10.96.100.50", 80);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ECONNREFUSED) << a.status().message();
  a = askTcp(*outside_, kNodeIp, 30050);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ECONNREFUSED) << a.status().message();
  a = askUdp(*outside_, kNodeIp, 30051);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), ECONNREFUSED) << a.status().message();
}

// 6. externalTrafficPolicy Local: from outside only the local endpoint answers and sees the
// client's own address; the health check node port tells whether there is one; without a
// local endpoint, outside traffic reaches no remote one.
TEST_P(ProxyE2eTest, ExternalTrafficPolicyLocalKeepsTheSourceAndHealthChecks) {
  const std::string spec =
      "  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32160\n";
  apply(docs(slice("local", {{&pod(0), "node-1"}, {&pod(1), "node-2"}, {&pod(2), "node-2"}}),
             service("local", "10.96.100.60", spec, 30060, 30061)));
  ASSERT_TRUE(waitForServicePort("default/local:tcp", 3));
  ASSERT_TRUE(waitForAnswer(*outside_, kNodeIp, 30060));
  for (int i = 0; i < 20; ++i) {
    auto a = askTcp(*outside_, kNodeIp, 30060);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->backend, "pod-a");
    EXPECT_EQ(a->peer, kOutsideIp);
  }
  auto u = askUdp(*outside_, kNodeIp, 30061);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->backend, "pod-a");
  EXPECT_EQ(u->peer, kOutsideIp);

  client::HttpResponse hc;
  ASSERT_TRUE(eventually([&] {
    hc = httpGet(*outside_, kNodeIp, 32160, "/");
    return hc.status == 200;
  })) << hc.status
      << " " << hc.body;
  json body = json::parse(hc.body, nullptr, false);
  EXPECT_EQ(body["localEndpoints"], 1) << hc.body;
  EXPECT_EQ(body["service"]["name"], "local") << hc.body;

  // No local endpoint left (pod-a now "on node-2"): 503, and outside traffic is dropped
  // rather than sent to the remote endpoints.
  apply(slice("local", {{&pod(0), "node-2"}, {&pod(1), "node-2"}, {&pod(2), "node-2"}}));
  ASSERT_TRUE(eventually([&] {
    hc = httpGet(*outside_, kNodeIp, 32160, "/");
    return hc.status == 503;
  })) << hc.status
      << " " << hc.body;
  body = json::parse(hc.body, nullptr, false);
  EXPECT_EQ(body["localEndpoints"], 0) << hc.body;
  ASSERT_TRUE(eventually(
      [&] { return !askTcp(*outside_, kNodeIp, 30060, std::chrono::milliseconds(500)).ok(); }, 40));
  for (int i = 0; i < 5; ++i) {
    auto a = askTcp(*outside_, kNodeIp, 30060, std::chrono::milliseconds(500));
    EXPECT_FALSE(a.ok()) << "answered by " << a->backend;
    u = askUdp(*outside_, kNodeIp, 30061, 0, std::chrono::milliseconds(500));
    EXPECT_FALSE(u.ok()) << "answered by " << u->backend;
  }
}

// 7. Hairpin: the only endpoint of a Service reaches itself through the ClusterIP.
TEST_P(ProxyE2eTest, PodReachesItselfThroughItsService) {
  apply(docs(slice("solo", {{&pod(0)}}), service("solo", "10.96.100.70")));
  ASSERT_TRUE(waitForServicePort("default/solo:tcp", 1));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.70", 80));
  auto a = askTcp(*pod(0).ns, "10.96.100.70", 80);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->backend, "pod-a");
  EXPECT_NE(a->peer, pod(0).ip);  // masqueraded, or the answer could not have come back
  auto u = askUdp(*pod(0).ns, "10.96.100.70", 80);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_EQ(u->backend, "pod-a");

  // A pod of another node comes through this node un-NATed when it reaches this node's node
  // port with externalTrafficPolicy Local (pods short-circuit to every endpoint): the only
  // endpoint, said to be on node-2, reaching itself that way.
  apply(docs(slice("solo-remote", {{&pod(1), "node-2"}}),
             service("solo-remote", "10.96.100.71",
                     "  type: NodePort\n  externalTrafficPolicy: Local\n", 30071, 30072)));
  ASSERT_TRUE(waitForServicePort("default/solo-remote:tcp", 1));
  ASSERT_TRUE(waitForAnswer(*client_, kNodeIp, 30071));
  a = askTcp(*pod(1).ns, kNodeIp, 30071);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->backend, "pod-b");
  EXPECT_NE(a->peer, pod(1).ip);
}

// 8. Deleting a Service removes every rule of it; after the daemon stops, --cleanup leaves
// no table and no chain of ours in either mode's tables.
TEST_P(ProxyE2eTest, DeletedServiceLeavesNoRuleAndCleanupLeavesNothing) {
  // Another Service stays, so "no rule of it" cannot pass by an empty ruleset.
  apply(docs(slice("stay", {{&pod(1)}}), service("stay", "10.96.100.81")));
  ASSERT_TRUE(waitForServicePort("default/stay:tcp", 1));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.81", 80));
  const std::set<std::string> before = ruleChains();

  const std::string spec =
      "  type: LoadBalancer\n  externalTrafficPolicy: Local\n  healthCheckNodePort: 32180\n"
      "  externalIPs: [203.0.113.80]\n  sessionAffinity: ClientIP\n";
  apply(docs(slice("gone", {{&pod(0)}, {&pod(2), "node-2"}}),
             service("gone", "10.96.100.80", spec, 30080, 30081)));
  ASSERT_TRUE(waitForServicePort("default/gone:tcp", 2));
  ASSERT_TRUE(waitForAnswer(*client_, "10.96.100.80", 80));
  ASSERT_TRUE(waitForAnswer(*outside_, kNodeIp, 30080));
  // What mentions the Service: its addresses, node ports, and its endpoints (only pod-a and
  // pod-c; "stay" uses pod-b).
  const std::vector<std::string> needles = {"10.96.100.80", "203.0.113.80", " 30080",
                                            " 30081",       "10.244.1.10",  "10.244.1.12"};
  std::string listing;
  ASSERT_TRUE(eventually(
      [&] {
        listing = ruleListing();
        for (const auto& n : needles)
          if (listing.find(n) == std::string::npos) return false;
        return true;
      },
      50))
      << listing;
  std::set<std::string> added;
  for (const auto& c : ruleChains())
    if (!before.count(c)) added.insert(c);
  if (mode() == "iptables") {
    EXPECT_FALSE(added.empty()) << listing;  // ORCH-SVC-... of "gone"
  }

  auto del = kubectl({"delete", "service", "gone"});
  ASSERT_TRUE(del.ok() && del->exit_code == 0);
  auto mentions = [&](const std::string& text) {
    std::string found;
    for (const auto& n : needles)
      if (text.find(n) != std::string::npos) found += "'" + n + "' ";
    return found;
  };
  // Everything of the Service goes, its affinity set and entries included.
  EXPECT_TRUE(eventually(
      [&] {
        listing = ruleListing();
        return mentions(listing).empty() && !listing.empty();
      },
      50))
      << "still there: " << mentions(listing) << "\n"
      << listing;
  for (const auto& c : ruleChains()) EXPECT_EQ(added.count(c), 0u) << "chain " << c << " stays";
  auto stay = askTcp(*client_, "10.96.100.81", 80);
  EXPECT_TRUE(stay.ok()) << stay.status().message();

  // SIGTERM leaves the rules; --cleanup, run in the node, removes every mode's.
  stopProxy();
  if (HasFatalFailure()) return;
  EXPECT_FALSE(ruleChains().empty());
  auto clean = node_->exec({ORCH_PROXY_BIN, "--cleanup", "-v", "2"});
  ASSERT_TRUE(clean.ok()) << clean.status().message();
  EXPECT_EQ(clean->exit_code, 0) << clean->err;
  auto tables = node_->exec({"nft", "list", "tables"});
  ASSERT_TRUE(tables.ok() && tables->exit_code == 0);
  EXPECT_EQ(tables->out.find("orch-proxy"), std::string::npos) << tables->out;
  for (const char* save :
       {"iptables-save", "ip6tables-save", "iptables-legacy-save", "ip6tables-legacy-save"}) {
    auto r = node_->exec({save});
    ASSERT_TRUE(r.ok()) << save << ": " << r.status().message();
    EXPECT_EQ(r->out.find("ORCH-"), std::string::npos) << save << ":\n" << r->out;
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ProxyE2eTest, ::testing::Values("nftables", "iptables"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace orch::testing
