// Golden files of the iptables plans (tests/testdata/proxy_iptables, ORCH_UPDATE_GOLDEN=1
// rewrites them) plus checks that do not depend on the text: every plan applies to a
// strict model of iptables-restore, and a partial plan leaves the same tables as a full
// plan of the new state would.
#include "proxy/iptables/iptables_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "proxy/iptables/chain_names.h"
#include "unit/proxy_iptables/fake_iptables.h"
#include "unit/proxy_iptables/test_state.h"

namespace orch::proxy::iptables {
namespace {

using namespace orch::proxy::testing;

PlanOutput full(const ProxyState& st) {
  KernelSnapshot empty;
  return planIptables(st, nullptr, ChangeSet{}, &empty);
}

// Counts "-A"/"-I" lines and ":" lines of a restore text.
std::pair<uint64_t, uint64_t> countLines(const std::string& text) {
  uint64_t rules = 0, chains = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    std::string_view l(text.data() + pos, e - pos);
    if (l.starts_with("-A ") || l.starts_with("-I ")) ++rules;
    if (l.starts_with(":")) ++chains;
    pos = e + 1;
  }
  return {rules, chains};
}

// Applies the full plan to a fresh model and checks it and its counts.
void expectAppliesAndCounts(const PlanOutput& out) {
  FakeTables t;
  ASSERT_TRUE(t.restore(out.restore).isOk()) << t.restore(out.restore).message();
  EXPECT_EQ(out.plan.rules, t.ourRuleCount());
  EXPECT_EQ(out.plan.chains, t.ourChainCount());
  auto [rules, chains] = countLines(out.restore);
  EXPECT_EQ(out.plan.rules, rules);
  EXPECT_EQ(out.plan.chains, chains);
}

TEST(ChainNames, MatchKubeProxyHashes) {
  // kube-proxy's own test expectations (pkg/proxy/iptables/proxier_test.go), KUBE-
  // replaced by ORCH-: the hash covers "ns/svc:port" + protocol (+ "ip:port").
  EXPECT_EQ(serviceClusterChain(spn("ns1", "svc1")), "ORCH-SVC-XPGD46QRK7WJZT7O");
  EXPECT_EQ(serviceClusterChain(spn("ns2", "svc2")), "ORCH-SVC-GNZBNJ2PO5MGZ6GT");
  EXPECT_EQ(serviceExternalChain(spn("ns2", "svc2")), "ORCH-EXT-GNZBNJ2PO5MGZ6GT");
  EXPECT_EQ(serviceClusterChain(spn("ns3", "svc3")), "ORCH-SVC-X27LE4BHSL4DOUIK");
  EXPECT_EQ(serviceClusterChain(spn("ns4", "svc4")), "ORCH-SVC-4SW47YFZTEDKD3PK");
  EXPECT_EQ(serviceFirewallChain(spn("ns5", "svc5")), "ORCH-FW-NUKIZ6OKUXPJNT4C");
  EXPECT_EQ(endpointChain(spn("ns1", "svc1"), "10.180.0.1:80"), "ORCH-SEP-SXIVWICOYRO3J4NJ");
  EXPECT_EQ(joinHostPort("fd00::1", 80), "[fd00::1]:80");
  for (const auto& n : {serviceLocalChain(spn("a-very-long-namespace", "a-long-service-name")),
                        endpointChain(spn("x", "y"), "[fd00::1]:8080")}) {
    EXPECT_LE(n.size(), 28u) << n;
  }
}

TEST(IptablesPlan, ClusterIpSeveralPorts) {
  ProxyState st = baseState();
  add(st, clusterIp(spn("ns1", "svc1", "p80"), "172.30.0.41", 80),
      {ready("10.180.0.1", 8080), ready("10.180.0.2", 8080), ready("10.180.0.3", 8080)});
  add(st, clusterIp(spn("ns1", "svc1", "dns", Protocol::kUdp), "172.30.0.41", 53),
      {ready("10.180.0.1", 5353)});
  add(st, clusterIp(spn("ns1", "svc1", "sctp", Protocol::kSctp), "172.30.0.41", 7777),
      {ready("10.180.0.1", 7777), ready("10.180.0.2", 7777)});
  auto out = full(st);
  EXPECT_TRUE(out.full);
  expectGolden("cluster_ip_ports", out.restore);
  expectAppliesAndCounts(out);
}

TEST(IptablesPlan, NodePort) {
  ProxyState st = baseState();
  auto svc = clusterIp(spn("ns2", "svc2"), "172.30.0.42");
  svc.node_port = 30080;
  add(st, svc, {ready("10.180.0.4"), ready("10.180.0.5")});
  auto out = full(st);
  expectGolden("node_port", out.restore);
  expectAppliesAndCounts(out);
  // On chosen node addresses only.
  st.node.node_port_all_local = false;
  st.node.node_port_ips = {"192.168.0.10", "192.168.1.10"};
  auto out2 = full(st);
  expectGolden("node_port_addresses", out2.restore);
  expectAppliesAndCounts(out2);
}

TEST(IptablesPlan, ExternalAndLoadBalancerIps) {
  ProxyState st = baseState();
  auto svc = clusterIp(spn("ns3", "svc3"), "172.30.0.43");
  svc.node_port = 30443;
  svc.external_ips = {"192.168.99.11"};
  svc.load_balancer_ips = {"1.2.3.4"};
  add(st, svc, {ready("10.180.0.6")});
  auto fw = clusterIp(spn("ns5", "svc5"), "172.30.0.45");
  fw.node_port = 30445;
  fw.load_balancer_ips = {"5.6.7.8"};
  fw.load_balancer_source_ranges = {"203.0.113.0/25"};
  add(st, fw, {ready("10.180.0.7")});
  auto out = full(st);
  expectGolden("external_lb", out.restore);
  expectAppliesAndCounts(out);
}

TEST(IptablesPlan, SessionAffinity) {
  ProxyState st = baseState();
  auto svc = clusterIp(spn("ns4", "svc4"), "172.30.0.44");
  svc.session_affinity = true;
  svc.affinity_timeout_s = 300;
  add(st, svc, {ready("10.180.0.8"), ready("10.180.0.9")});
  auto out = full(st);
  expectGolden("affinity", out.restore);
  expectAppliesAndCounts(out);
  EXPECT_NE(out.restore.find("--rcheck --seconds 300 --reap"), std::string::npos);
}

// Only local endpoints (and, with affinity, all) get an ORCH-SEP chain; a remote one is
// DNATed from the SVC chain. Where a remote endpoint's own traffic can arrive un-NATed
// (pods reaching a node port with externalTrafficPolicy Local), it is hairpin-marked before
// the random choice.
TEST(IptablesPlan, RemoteEndpointsAreDnatedFromTheServiceChain) {
  ProxyState st = baseState();
  const std::vector<EndpointInfo> eps = {ready("10.180.0.20", 80, true),
                                         ready("10.180.1.20", 80, false),
                                         ready("10.180.1.20", 81, false)};
  auto svc = clusterIp(spn("ns4", "mixed"), "172.30.0.45");
  add(st, svc, eps);
  auto out = full(st);
  expectAppliesAndCounts(out);
  const std::string chain = serviceClusterChain(svc.name);
  const std::string& t = out.restore;
  EXPECT_NE(t.find(":" + endpointChain(svc.name, "10.180.0.20:80")), std::string::npos);
  EXPECT_EQ(t.find(":" + endpointChain(svc.name, "10.180.1.20:80")), std::string::npos);
  for (const char* hp : {"10.180.1.20:80", "10.180.1.20:81"}) {
    EXPECT_NE(t.find("-m tcp -p tcp -j DNAT --to-destination " + std::string(hp) + "\n"),
              std::string::npos)
        << hp;
  }
  const std::string mark = "-A " + chain + " -m comment --comment ns4/mixed:p80 -s 10.180.1.20 -j ";
  EXPECT_EQ(t.find(mark), std::string::npos) << t;  // a cluster IP only: no way in un-NATed

  // A node port with externalTrafficPolicy Local: one mark for the remote address (two
  // ports), ahead of every choice.
  svc.node_port = 30045;
  svc.external_policy_local = true;
  add(st, svc, eps);
  out = full(st);
  expectAppliesAndCounts(out);
  const std::string& u = out.restore;
  ASSERT_NE(u.find(mark), std::string::npos) << u;
  EXPECT_EQ(u.find(mark, u.find(mark) + 1), std::string::npos) << u;
  EXPECT_LT(u.find(mark), u.find("-A " + chain + " -m comment --comment \"ns4/mixed:p80 -> "));

  // With affinity every endpoint needs its chain for "recent --set".
  svc.session_affinity = true;
  add(st, svc, eps);
  out = full(st);
  EXPECT_NE(out.restore.find(":" + endpointChain(svc.name, "10.180.1.20:80")), std::string::npos);
  EXPECT_EQ(out.restore.find(mark), std::string::npos);
}

TEST(IptablesPlan, LocalPolicies) {
  ProxyState st = baseState();
  // externalTrafficPolicy Local, one local and one remote endpoint.
  auto etp = clusterIp(spn("ns6", "etp"), "172.30.0.46");
  etp.node_port = 30006;
  etp.load_balancer_ips = {"1.2.3.6"};
  etp.external_policy_local = true;
  etp.health_check_node_port = 30106;
  add(st, etp, {ready("10.180.0.10", 80, true), ready("10.180.1.10", 80, false)});
  // externalTrafficPolicy Local, no local endpoint: external traffic is dropped.
  auto etp_none = clusterIp(spn("ns6", "etp-none"), "172.30.0.47");
  etp_none.node_port = 30007;
  etp_none.external_policy_local = true;
  etp_none.health_check_node_port = 30107;
  add(st, etp_none, {ready("10.180.1.11", 80, false)});
  // internalTrafficPolicy Local with and without a local endpoint.
  auto itp = clusterIp(spn("ns6", "itp"), "172.30.0.48");
  itp.internal_policy_local = true;
  add(st, itp, {ready("10.180.0.12", 80, true), ready("10.180.1.12", 80, false)});
  auto itp_none = clusterIp(spn("ns6", "itp-none"), "172.30.0.49");
  itp_none.internal_policy_local = true;
  add(st, itp_none, {ready("10.180.1.13", 80, false)});
  // Both Local, NodePort: the short-circuit for pods and the node still has a target.
  auto both = clusterIp(spn("ns6", "both"), "172.30.0.50");
  both.node_port = 30008;
  both.internal_policy_local = both.external_policy_local = true;
  add(st, both, {ready("10.180.0.14", 80, true), ready("10.180.1.14", 80, false)});
  auto out = full(st);
  expectGolden("local_policies", out.restore);
  expectAppliesAndCounts(out);
  EXPECT_NE(out.restore.find("\"ns6/etp-none:p80 has no local endpoints\""), std::string::npos);
  EXPECT_NE(out.restore.find("\"ns6/itp-none:p80 has no local endpoints\" -m tcp -p tcp -d "
                             "172.30.0.49 --dport 80 -j DROP"),
            std::string::npos);
  EXPECT_NE(out.restore.find("--dport 30106 -j ACCEPT"), std::string::npos);
}

TEST(IptablesPlan, NoEndpointsRejects) {
  ProxyState st = baseState();
  auto svc = clusterIp(spn("ns7", "empty"), "172.30.0.51");
  svc.node_port = 30009;
  svc.external_ips = {"192.168.99.12"};
  svc.load_balancer_ips = {"1.2.3.7"};
  add(st, svc, {});
  // Only endpoints that are neither ready nor serving: same as none.
  add(st, clusterIp(spn("ns7", "gone"), "172.30.0.52"),
      {terminating("10.180.0.15", 80, /*serving=*/false)});
  auto out = full(st);
  expectGolden("no_endpoints", out.restore);
  expectAppliesAndCounts(out);
  EXPECT_EQ(out.restore.find("ORCH-SVC-"), std::string::npos);
  EXPECT_NE(out.restore.find("\"ns7/empty:p80 has no endpoints\" -m tcp -p tcp -d 172.30.0.51 "
                             "--dport 80 -j REJECT"),
            std::string::npos);
}

TEST(IptablesPlan, TerminatingFallback) {
  ProxyState st = baseState();
  // No ready endpoint: the serving-terminating ones are used, the non-serving one not.
  add(st, clusterIp(spn("ns8", "svc8"), "172.30.0.53"),
      {terminating("10.180.0.16"), terminating("10.180.0.17"),
       terminating("10.180.0.18", 80, /*serving=*/false)});
  // With a ready endpoint, the terminating ones are left out.
  add(st, clusterIp(spn("ns8", "svc9"), "172.30.0.54"),
      {ready("10.180.0.19"), terminating("10.180.0.20")});
  auto out = full(st);
  expectGolden("terminating_fallback", out.restore);
  expectAppliesAndCounts(out);
  EXPECT_EQ(out.restore.find("10.180.0.18"), std::string::npos);
  EXPECT_EQ(out.restore.find("10.180.0.20"), std::string::npos);
}

TEST(IptablesPlan, ConfigVariants) {
  ProxyState st = baseState();
  st.config.cluster_cidrs = {"10.0.0.0/16", "10.1.0.0/16"};
  auto svc = clusterIp(spn("ns9", "svc"), "172.30.0.55");
  svc.node_port = 30010;
  svc.external_policy_local = true;
  add(st, svc, {ready("10.0.0.21", 80, true)});
  auto out = full(st);
  expectGolden("several_cluster_cidrs", out.restore);
  expectAppliesAndCounts(out);

  st.config.cluster_cidrs.clear();
  st.config.masquerade_all = true;
  auto out2 = full(st);
  expectGolden("masquerade_all", out2.restore);
  expectAppliesAndCounts(out2);
}

TEST(IptablesPlan, Ipv6) {
  ProxyState st = baseState();
  st.config.family = IpFamily::kIpv6;
  st.config.cluster_cidrs = {"fd00:10::/64"};
  auto svc = clusterIp(spn("ns10", "v6"), "fd00:30::a");
  svc.node_port = 30011;
  add(st, svc, {ready("fd00:10::5", 8080), ready("fd00:10::6", 8080)});
  auto out = full(st);
  expectGolden("ipv6", out.restore);
  expectAppliesAndCounts(out);
  EXPECT_NE(out.restore.find("--to-destination [fd00:10::5]:8080"), std::string::npos);
}

TEST(IptablesPlan, FullSyncKeepsExistingJumpsAndDeletesStaleChains) {
  ProxyState st = baseState();
  add(st, clusterIp(spn("ns1", "svc1"), "172.30.0.41"), {ready("10.180.0.1")});
  KernelSnapshot k;
  k.nat_chains = {"ORCH-SERVICES", "ORCH-SVC-OLDOLDOLDOLDOLD1", "ORCH-SEP-OLDOLDOLDOLDOLD1",
                  "KUBE-SERVICES"};
  k.filter_chains = {"ORCH-OLD-FILTER"};
  for (const auto& j : jumpRules()) {
    k.jumps.insert(std::string(j.table) + " " + j.from + " " + j.to);
  }
  auto out = planIptables(st, nullptr, ChangeSet{}, &k);
  expectGolden("stale_chains", out.restore);
  EXPECT_EQ(out.restore.find("-I "), std::string::npos);  // every jump is there already
  EXPECT_NE(out.restore.find("-X ORCH-SVC-OLDOLDOLDOLDOLD1\n"), std::string::npos);
  EXPECT_NE(out.restore.find("-X ORCH-OLD-FILTER\n"), std::string::npos);
  EXPECT_EQ(out.restore.find("KUBE-SERVICES"), std::string::npos);  // not ours
}

// A state with a bit of everything, for the partial-plan tests.
ProxyState mixedState() {
  ProxyState st = baseState();
  add(st, clusterIp(spn("ns1", "svc1"), "172.30.0.41"), {ready("10.180.0.1"), ready("10.180.0.2")});
  auto np = clusterIp(spn("ns2", "svc2"), "172.30.0.42");
  np.node_port = 30002;
  np.external_ips = {"192.168.99.2"};
  add(st, np, {ready("10.180.0.3"), ready("10.180.0.4")});
  auto lb = clusterIp(spn("ns3", "svc3"), "172.30.0.43");
  lb.node_port = 30003;
  lb.load_balancer_ips = {"1.2.3.3"};
  lb.load_balancer_source_ranges = {"203.0.113.0/24"};
  lb.external_policy_local = true;
  lb.health_check_node_port = 30103;
  add(st, lb, {ready("10.180.0.5", 80, true)});
  add(st, clusterIp(spn("ns4", "empty"), "172.30.0.44"), {});
  return st;
}

// Applies full(a), then the partial plan a -> b, and compares the model with full(b)
// applied to a fresh model (same chains, same rules per chain in any order).
void expectPartialMatchesFull(const ProxyState& a, const ProxyState& b, const ChangeSet& changes,
                              const std::string& golden) {
  FakeTables t;
  auto first = full(a);
  ASSERT_TRUE(t.restore(first.restore).isOk());
  auto second = planIptables(b, &first.plan, changes, nullptr);
  EXPECT_FALSE(second.full);
  if (!golden.empty()) expectGolden(golden, second.restore);
  Status st = t.restore(second.restore);
  ASSERT_TRUE(st.isOk()) << st.message() << "\n" << second.restore;

  FakeTables want;
  auto ref = full(b);
  ASSERT_TRUE(want.restore(ref.restore).isOk());
  for (const char* table : {"nat", "filter"}) {
    auto have_chains = t.ourChains(table), want_chains = want.ourChains(table);
    std::sort(have_chains.begin(), have_chains.end());
    std::sort(want_chains.begin(), want_chains.end());
    EXPECT_EQ(have_chains, want_chains) << table;
    for (const auto& [chain, rules] : want.table(table).rules) {
      auto have = t.table(table).rules.at(chain);
      auto w = rules;
      std::sort(have.begin(), have.end());
      std::sort(w.begin(), w.end());
      EXPECT_EQ(have, w) << table << " " << chain;
    }
  }
  // The node-port jump stays the last rule of nat ORCH-SERVICES.
  const auto& services = t.table("nat").rules.at(kServicesChain);
  ASSERT_FALSE(services.empty());
  EXPECT_NE(services.back().find("-j ORCH-NODEPORTS"), std::string::npos);
  EXPECT_EQ(second.plan.rules, ref.plan.rules);
  EXPECT_EQ(second.plan.chains, ref.plan.chains);
  EXPECT_EQ(second.plan.rules, t.ourRuleCount());
}

TEST(IptablesPartialPlan, EndpointChange) {
  ProxyState a = mixedState(), b = a;
  b.endpoints[spn("ns2", "svc2")] = {ready("10.180.0.4"), ready("10.180.0.9")};
  expectPartialMatchesFull(a, b, ChangeSet{.full = false, .services = {spn("ns2", "svc2")}},
                           "partial_endpoint_change");
}

TEST(IptablesPartialPlan, ServiceRemoved) {
  ProxyState a = mixedState(), b = a;
  b.services.erase(spn("ns3", "svc3"));
  b.endpoints.erase(spn("ns3", "svc3"));
  expectPartialMatchesFull(a, b, ChangeSet{.full = false, .services = {spn("ns3", "svc3")}},
                           "partial_service_removed");
}

TEST(IptablesPartialPlan, ServiceAddedAndEmptied) {
  ProxyState a = mixedState(), b = a;
  auto np = clusterIp(spn("ns5", "new"), "172.30.0.45");
  np.node_port = 30005;
  add(b, np, {ready("10.180.0.11")});
  b.endpoints.erase(spn("ns1", "svc1"));                      // now rejects
  b.endpoints[spn("ns4", "empty")] = {ready("10.180.0.12")};  // no longer rejects
  expectPartialMatchesFull(
      a, b,
      ChangeSet{.full = false,
                .services = {spn("ns5", "new"), spn("ns1", "svc1"), spn("ns4", "empty")}},
      "partial_added_and_emptied");
}

TEST(IptablesPartialPlan, PolicyAndAffinityChanges) {
  ProxyState a = mixedState(), b = a;
  b.services[spn("ns2", "svc2")].external_policy_local = true;
  b.services[spn("ns2", "svc2")].session_affinity = true;
  b.services[spn("ns3", "svc3")].load_balancer_source_ranges.clear();
  b.endpoints[spn("ns3", "svc3")] = {ready("10.180.0.5", 80, false)};  // none local now
  expectPartialMatchesFull(
      a, b, ChangeSet{.full = false, .services = {spn("ns2", "svc2"), spn("ns3", "svc3")}}, "");
}

TEST(IptablesPartialPlan, NothingChangedIsEmpty) {
  ProxyState a = mixedState();
  auto first = full(a);
  auto second = planIptables(a, &first.plan, ChangeSet{.full = false, .services = {}}, nullptr);
  EXPECT_FALSE(second.full);
  EXPECT_TRUE(second.restore.empty());
}

TEST(IptablesPartialPlan, ConfigChangeForcesFull) {
  ProxyState a = mixedState(), b = a;
  b.config.masquerade_all = true;
  auto first = full(a);
  EXPECT_TRUE(needsFullPlan(b, &first.plan, ChangeSet{.full = false, .services = {}}));
  ProxyState c = a;
  c.node.node_port_all_local = false;
  EXPECT_TRUE(needsFullPlan(c, &first.plan, ChangeSet{.full = false, .services = {}}));
  EXPECT_FALSE(needsFullPlan(a, &first.plan, ChangeSet{.full = false, .services = {}}));
  EXPECT_TRUE(needsFullPlan(a, nullptr, ChangeSet{.full = false, .services = {}}));
  EXPECT_TRUE(needsFullPlan(a, &first.plan, ChangeSet{}));
}

// The declaration order: a permutation; inserting it into a sorted list costs few
// comparisons (few earlier names are smaller), and a first-element-pivot quicksort of it
// (iptables-nft-save's) stays shallow.
TEST(IptablesPlan, BalancedOrder) {
  std::vector<std::string> names;
  // 20000 chains (a 10k-Service cluster has about 110000): enough for the shape, and quick
  // in the sanitized build.
  for (int i = 0; i < 20000; ++i) names.push_back(chainHash(std::to_string(i)));
  auto order = balancedOrder(names);
  ASSERT_EQ(order.size(), names.size());
  auto sorted_in = names, sorted_out = order;
  std::sort(sorted_in.begin(), sorted_in.end());
  std::sort(sorted_out.begin(), sorted_out.end());
  EXPECT_EQ(sorted_in, sorted_out);

  // Earlier-and-smaller pairs, with a Fenwick tree over the names' ranks.
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < sorted_in.size(); ++i) rank[sorted_in[i]] = i + 1;
  std::vector<uint64_t> tree(order.size() + 1);
  uint64_t pairs = 0;
  for (const auto& n : order) {
    for (size_t i = rank[n] - 1; i > 0; i -= i & -i) pairs += tree[i];
    for (size_t i = rank[n]; i < tree.size(); i += i & -i) ++tree[i];
  }
  EXPECT_LT(pairs, 2000 * order.size());  // a random order gives ~n^2/4 = 5000 n

  // Quicksort depth as iptables-nft's __nft_chain_list_sort recurses.
  size_t max_depth = 0;
  std::vector<std::pair<std::vector<std::string>, size_t>> todo;
  todo.emplace_back(order, 1);
  while (!todo.empty()) {
    auto [list, depth] = std::move(todo.back());
    todo.pop_back();
    if (list.empty()) continue;
    max_depth = std::max(max_depth, depth);
    std::vector<std::string> smaller, rest;
    for (size_t i = 1; i < list.size(); ++i)
      (list[i] < list[0] ? smaller : rest).push_back(list[i]);
    todo.emplace_back(std::move(smaller), depth + 1);
    todo.emplace_back(std::move(rest), depth + 1);
  }
  EXPECT_LT(max_depth, 2000u);  // sorted input: 20000
}

TEST(IptablesPlan, LargeClusterLeavesOutEndpointComments) {
  ProxyState st = baseState();
  for (int i = 0; i < 100; ++i) {
    std::vector<EndpointInfo> eps;
    for (int e = 0; e < 10; ++e) {
      eps.push_back(ready("10.1." + std::to_string(i) + "." + std::to_string(e + 1)));
    }
    add(st, clusterIp(spn("big", "svc" + std::to_string(i)), "172.31.0." + std::to_string(i + 1)),
        eps);
  }
  auto out = full(st);
  expectAppliesAndCounts(out);
  EXPECT_EQ(out.restore.find("-> 10.1."), std::string::npos);
  EXPECT_NE(out.restore.find("\"big/svc7:p80 cluster IP\""), std::string::npos);
}

}  // namespace
}  // namespace orch::proxy::iptables
