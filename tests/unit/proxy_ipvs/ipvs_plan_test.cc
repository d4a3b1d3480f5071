// The IPVS plan: virtual/real servers, VIPs and nft sets for the Service semantics.

#include "proxy/ipvs/ipvs_plan.h"

#include <gtest/gtest.h>
#include <linux/ip_vs.h>

#include "support/proxy_state_builder.h"

namespace orch::proxy {
namespace {

using testing::addService;
using testing::ready;
using testing::spn;
using testing::terminating;

const std::vector<std::string> kNodeIps = {"192.0.2.1", "172.16.0.4"};

const PlannedService* find(const IpvsPlan& plan, const std::string& addr, Protocol p, uint16_t port,
                           IpFamily f = IpFamily::kIpv4) {
  auto it = plan.services.find({f, addr, p, port});
  return it == plan.services.end() ? nullptr : &it->second;
}

std::vector<std::string> dests(const PlannedService* s) {
  std::vector<std::string> out;
  if (s == nullptr) return out;
  for (const auto& d : s->destinations) out.push_back(d.str() + "/" + std::to_string(d.weight));
  return out;
}

using Strings = std::vector<std::string>;

TEST(IpvsPlan, ClusterIpGetsOneVirtualServerWithTheReadyEndpoints) {
  ProxyState st;
  EndpointInfo not_ready = ready("10.244.0.7", 5353, true);
  not_ready.ready = not_ready.serving = false;
  addService(st, spn("dns"), "10.96.0.10", 53,
             {ready("10.244.1.6", 5353, false), ready("10.244.0.5", 5353, true), not_ready});
  IpvsPlan plan = planIpvs(st, {}, kNodeIps);
  ASSERT_EQ(plan.services.size(), 1u);
  const PlannedService* s = find(plan, "10.96.0.10", Protocol::kUdp, 53);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->server.scheduler, "rr");
  EXPECT_EQ(s->server.flags, 0u);
  EXPECT_EQ(s->owner, spn("dns"));
  EXPECT_EQ(dests(s), (Strings{"10.244.0.5:5353/1", "10.244.1.6:5353/1"}));
  EXPECT_EQ(plan.bound_addresses, (std::set<std::string>{"10.96.0.10"}));
  EXPECT_TRUE(plan.cluster_ips.contains({"10.96.0.10", Protocol::kUdp, 53}));
  EXPECT_TRUE(plan.no_endpoints.empty());
  EXPECT_TRUE(plan.hairpin.contains({"10.244.0.5", Protocol::kUdp, 5353}));
  EXPECT_TRUE(plan.hairpin.contains({"10.244.1.6", Protocol::kUdp, 5353}));
  EXPECT_FALSE(plan.hairpin.contains({"10.244.0.7", Protocol::kUdp, 5353}));
}

TEST(IpvsPlan, SchedulerAndAffinity) {
  ProxyState st;
  auto& svc = addService(st, spn("web", Protocol::kTcp), "10.96.0.20", 80,
                         {ready("10.244.0.5", 8080, true)});
  svc.session_affinity = true;
  svc.affinity_timeout_s = 600;
  svc.node_port = 30080;
  IpvsPlan plan = planIpvs(st, {.scheduler = "sh"}, kNodeIps);
  ASSERT_EQ(plan.services.size(), 3u);
  for (const auto& [key, s] : plan.services) {
    EXPECT_EQ(s.server.scheduler, "sh");
    EXPECT_EQ(s.server.flags, uint32_t{IP_VS_SVC_F_PERSISTENT});
    EXPECT_EQ(s.server.timeout_s, 600u);
  }
}

TEST(IpvsPlan, NodePortOnEveryNodeAddressOfTheFamily) {
  ProxyState st;
  auto& svc = addService(st, spn("np", Protocol::kTcp), "10.96.0.30", 80,
                         {ready("10.244.0.5", 8080, true), ready("10.244.1.5", 8080, false)});
  svc.node_port = 30080;
  std::vector<std::string> ips = kNodeIps;
  ips.push_back("fd00::1");  // other family: ignored
  IpvsPlan plan = planIpvs(st, {}, ips);
  EXPECT_EQ(plan.services.size(), 3u);
  for (const char* ip : {"192.0.2.1", "172.16.0.4"}) {
    const PlannedService* s = find(plan, ip, Protocol::kTcp, 30080);
    ASSERT_NE(s, nullptr) << ip;
    EXPECT_EQ(dests(s), (Strings{"10.244.0.5:8080/1", "10.244.1.5:8080/1"}));
  }
  // Node addresses are not bound on the VIP link.
  EXPECT_EQ(plan.bound_addresses, (std::set<std::string>{"10.96.0.30"}));
  EXPECT_TRUE(plan.node_ports.contains({Protocol::kTcp, 30080}));
}

TEST(IpvsPlan, ExternalAndLoadBalancerIpsWithExternalPolicyLocal) {
  ProxyState st;
  auto& svc = addService(st, spn("lb", Protocol::kTcp), "10.96.0.40", 443,
                         {ready("10.244.0.5", 8443, true), ready("10.244.1.5", 8443, false)});
  svc.external_ips = {"198.51.100.5"};
  svc.load_balancer_ips = {"203.0.113.9"};
  svc.node_port = 31443;
  svc.external_policy_local = true;
  IpvsPlan plan = planIpvs(st, {}, {"192.0.2.1"});
  EXPECT_EQ(plan.services.size(), 4u);
  EXPECT_EQ(dests(find(plan, "10.96.0.40", Protocol::kTcp, 443)),
            (Strings{"10.244.0.5:8443/1", "10.244.1.5:8443/1"}));
  for (const auto& [ip, port] : std::vector<std::pair<std::string, uint16_t>>{
           {"198.51.100.5", 443}, {"203.0.113.9", 443}, {"192.0.2.1", 31443}})
    EXPECT_EQ(dests(find(plan, ip, Protocol::kTcp, port)), (Strings{"10.244.0.5:8443/1"})) << ip;
  EXPECT_EQ(plan.bound_addresses,
            (std::set<std::string>{"10.96.0.40", "198.51.100.5", "203.0.113.9"}));
  // Local policy: not masqueraded (the client address is kept).
  EXPECT_TRUE(plan.external_ips.empty());
  EXPECT_TRUE(plan.node_ports.empty());

  svc.external_policy_local = false;
  plan = planIpvs(st, {}, {"192.0.2.1"});
  EXPECT_TRUE(plan.external_ips.contains({"198.51.100.5", Protocol::kTcp, 443}));
  EXPECT_TRUE(plan.external_ips.contains({"203.0.113.9", Protocol::kTcp, 443}));
  EXPECT_TRUE(plan.node_ports.contains({Protocol::kTcp, 31443}));
  EXPECT_EQ(dests(find(plan, "203.0.113.9", Protocol::kTcp, 443)),
            (Strings{"10.244.0.5:8443/1", "10.244.1.5:8443/1"}));
}

TEST(IpvsPlan, LocalPolicyWithoutLocalEndpointsDropsButDoesNotReject) {
  ProxyState st;
  auto& svc = addService(st, spn("l", Protocol::kTcp), "10.96.0.41", 80,
                         {ready("10.244.1.5", 8080, false)});
  svc.node_port = 30041;
  svc.external_policy_local = true;
  IpvsPlan plan = planIpvs(st, {}, {"192.0.2.1"});
  EXPECT_TRUE(dests(find(plan, "192.0.2.1", Protocol::kTcp, 30041)).empty());
  EXPECT_EQ(dests(find(plan, "10.96.0.41", Protocol::kTcp, 80)), (Strings{"10.244.1.5:8080/1"}));
  EXPECT_TRUE(plan.no_endpoints.empty());
  EXPECT_TRUE(plan.no_endpoint_node_ports.empty());
}

TEST(IpvsPlan, InternalPolicyLocal) {
  ProxyState st;
  auto& svc = addService(st, spn("il"), "10.96.0.42", 53,
                         {ready("10.244.0.5", 53, true), ready("10.244.1.5", 53, false)});
  svc.internal_policy_local = true;
  IpvsPlan plan = planIpvs(st, {}, {});
  EXPECT_EQ(dests(find(plan, "10.96.0.42", Protocol::kUdp, 53)), (Strings{"10.244.0.5:53/1"}));
}

TEST(IpvsPlan, ServiceWithoutEndpointsIsRejected) {
  ProxyState st;
  auto& svc = addService(st, spn("none", Protocol::kTcp), "10.96.0.50", 80, {});
  svc.external_ips = {"198.51.100.6"};
  svc.node_port = 30050;
  st.endpoints.erase(spn("none", Protocol::kTcp));  // no slice at all
  IpvsPlan plan = planIpvs(st, {}, {"192.0.2.1"});
  ASSERT_NE(find(plan, "10.96.0.50", Protocol::kTcp, 80), nullptr);
  EXPECT_TRUE(dests(find(plan, "10.96.0.50", Protocol::kTcp, 80)).empty());
  EXPECT_TRUE(plan.no_endpoints.contains({"10.96.0.50", Protocol::kTcp, 80}));
  EXPECT_TRUE(plan.no_endpoints.contains({"198.51.100.6", Protocol::kTcp, 80}));
  EXPECT_TRUE(plan.no_endpoint_node_ports.contains({Protocol::kTcp, 30050}));
}

TEST(IpvsPlan, TerminatingFallbackGetsTraffic) {
  ProxyState st;
  addService(
      st, spn("t"), "10.96.0.60", 53,
      {terminating("10.244.0.5", 53, true, true), terminating("10.244.0.6", 53, true, true)});
  IpvsPlan plan = planIpvs(st, {}, {});
  EXPECT_EQ(dests(find(plan, "10.96.0.60", Protocol::kUdp, 53)),
            (Strings{"10.244.0.5:53/1", "10.244.0.6:53/1"}));
  EXPECT_TRUE(plan.no_endpoints.empty());

  // With a ready endpoint the terminating ones are not used.
  addService(st, spn("t"), "10.96.0.60", 53,
             {ready("10.244.0.7", 53, true), terminating("10.244.0.5", 53, true, true)});
  plan = planIpvs(st, {}, {});
  EXPECT_EQ(dests(find(plan, "10.96.0.60", Protocol::kUdp, 53)), (Strings{"10.244.0.7:53/1"}));
}

TEST(IpvsPlan, SeveralPortsAndProtocolsOfOneService) {
  ProxyState st;
  addService(st, spn("dns", Protocol::kUdp, "dns"), "10.96.0.10", 53,
             {ready("10.244.0.5", 53, true)});
  addService(st, spn("dns", Protocol::kTcp, "dns-tcp"), "10.96.0.10", 53,
             {ready("10.244.0.5", 53, true)});
  addService(st, spn("dns", Protocol::kTcp, "metrics"), "10.96.0.10", 9153,
             {ready("10.244.0.5", 9153, true)});
  IpvsPlan plan = planIpvs(st, {}, {});
  EXPECT_EQ(plan.services.size(), 3u);
  EXPECT_NE(find(plan, "10.96.0.10", Protocol::kUdp, 53), nullptr);
  EXPECT_NE(find(plan, "10.96.0.10", Protocol::kTcp, 53), nullptr);
  EXPECT_NE(find(plan, "10.96.0.10", Protocol::kTcp, 9153), nullptr);
  EXPECT_EQ(plan.bound_addresses.size(), 1u);
}

TEST(IpvsPlan, Ipv6FamilyUsesCanonicalAddressesAndIgnoresIpv4) {
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  auto& svc = addService(st, spn("v6"), "fd00:96:0::a", 53,
                         {ready("FD00:244::5", 53, true), ready("10.244.0.5", 53, true)});
  svc.node_port = 30053;
  IpvsPlan plan = planIpvs(st, {}, {"192.0.2.1", "fd00:1::1"});
  EXPECT_EQ(plan.services.size(), 2u);
  const PlannedService* s = find(plan, "fd00:96::a", Protocol::kUdp, 53, IpFamily::kIpv6);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->server.family, IpFamily::kIpv6);
  EXPECT_EQ(dests(s), (Strings{"[fd00:244::5]:53/1"}));
  EXPECT_NE(find(plan, "fd00:1::1", Protocol::kUdp, 30053, IpFamily::kIpv6), nullptr);
}

std::string nftText(const ProxyState& st, const IpvsPlanOptions& opts = {}) {
  IpvsPlan plan = planIpvs(st, opts, {"192.0.2.1"});
  auto tx = planNftTable(plan, st.config, opts);
  EXPECT_TRUE(tx.ok()) << tx.status().message();
  return tx.ok() ? tx->render() : "";
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(IpvsPlan, NftTableHasTheSetsChainsAndRules) {
  ProxyState st;
  st.config.cluster_cidrs = {"10.244.0.0/16"};
  auto& svc = addService(st, spn("web", Protocol::kTcp), "10.96.0.20", 80,
                         {ready("10.244.0.5", 8080, true)});
  svc.node_port = 30080;
  addService(st, spn("none", Protocol::kUdp), "10.96.0.21", 53, {});
  std::string text = nftText(st);
  // The table is replaced atomically: add (so that delete cannot fail), delete, add.
  EXPECT_EQ(text.rfind("add table ip orch-proxy-ipvs\n"
                       "delete table ip orch-proxy-ipvs\n"
                       "add table ip orch-proxy-ipvs\n",
                       0),
            0u)
      << text;
  for (const char* chain : {"nat-prerouting { type nat hook 0 priority -100 }",
                            "nat-output { type nat hook 3 priority -100 }",
                            "nat-postrouting { type nat hook 4 priority 100 }",
                            "filter-input { type filter hook 1 priority 0 }",
                            "filter-output { type filter hook 3 priority -150 }"})
    EXPECT_NE(text.find(std::string("add chain ip orch-proxy-ipvs ") + chain), std::string::npos)
        << chain << "\n"
        << text;
  // Elements: addr . proto . port, each padded to 4 bytes.
  EXPECT_NE(text.find("cluster-ips { 0x0a6000140600000000500000, 0x0a6000151100000000350000 }"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("no-endpoints { 0x0a6000151100000000350000 }"), std::string::npos) << text;
  EXPECT_NE(text.find("node-ports { 0x0600000075800000 }"), std::string::npos) << text;
  EXPECT_NE(text.find("hairpin { 0x0af40005060000001f9000000af40005 }"), std::string::npos) << text;
  EXPECT_EQ(text.find("add element ip orch-proxy-ipvs external-ips"), std::string::npos)
      << text;  // no elements
  // Traffic from the cluster CIDR to a cluster IP is not marked.
  EXPECT_NE(text.find("cmp r1 == 0x0af40000\n    return"), std::string::npos) << text;
  EXPECT_NE(text.find("lookup r32_0 in @cluster-ips\n    jump mark-cluster-ip"), std::string::npos)
      << text;
  EXPECT_EQ(count(text, "    masquerade"), 2u) << text;
  EXPECT_EQ(count(text, "meta set 3"), 4u) << text;  // 3 marks + 1 clear
  EXPECT_NE(text.find("lookup r32_0 in @no-endpoints\n    goto reject-packet"), std::string::npos)
      << text;
  EXPECT_NE(text.find("lookup r32_0 in @no-endpoint-nodeports\n    goto reject-packet"),
            std::string::npos)
      << text;
}

TEST(IpvsPlan, NftTableFollowsTheState) {
  ProxyState st;
  addService(st, spn("a", Protocol::kTcp), "10.96.0.20", 80, {ready("10.244.0.5", 8080, true)});
  std::string one = nftText(st);
  EXPECT_EQ(one, nftText(st));  // stable
  addService(st, spn("b", Protocol::kTcp), "10.96.0.22", 80, {ready("10.244.0.6", 8080, true)});
  EXPECT_NE(one, nftText(st));
  // No cluster CIDR and no masquerade-all: cluster IP traffic is not marked.
  EXPECT_EQ(one.find("jump mark-cluster-ip"), std::string::npos) << one;
  ProxyState all = st;
  all.config.masquerade_all = true;
  all.config.cluster_cidrs = {"10.244.0.0/16"};
  std::string text = nftText(all);
  EXPECT_NE(text.find("jump mark-cluster-ip"), std::string::npos) << text;
  EXPECT_EQ(text.find("return"), std::string::npos) << text;  // everything is marked
}

TEST(IpvsPlan, NftTableRejectsABadClusterCidr) {
  ProxyState st;
  st.config.cluster_cidrs = {"10.244.0.0/99"};
  addService(st, spn("a", Protocol::kTcp), "10.96.0.20", 80, {});
  IpvsPlan plan = planIpvs(st, {}, {});
  EXPECT_EQ(planNftTable(plan, st.config, {}).status().code(), EINVAL);
}

TEST(IpvsPlan, Ipv6NftTableIsIp6) {
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  addService(st, spn("a", Protocol::kTcp), "fd00:96::1", 80, {ready("fd00:244::5", 8080, true)});
  std::string text = nftText(st);
  EXPECT_NE(text.find("ip6"), std::string::npos) << text;
}

}  // namespace
}  // namespace orch::proxy
