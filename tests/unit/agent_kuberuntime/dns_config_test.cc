// Pod DNS as the kubelet computes it: every dnsPolicy, dnsConfig merging, resolv.conf parsing
// and the resolver limits.

#include "agent/kuberuntime/dns_config.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

using testing::pod;
using Strings = std::vector<std::string>;

Strings servers(const runtime::v1::DNSConfig& c) {
  return {c.servers().begin(), c.servers().end()};
}
Strings searches(const runtime::v1::DNSConfig& c) {
  return {c.searches().begin(), c.searches().end()};
}
Strings options(const runtime::v1::DNSConfig& c) {
  return {c.options().begin(), c.options().end()};
}

DnsSettings settings() {
  DnsSettings s;
  s.cluster_dns = {"10.96.0.10"};
  s.cluster_domain = "cluster.local";
  s.host = ResolvConf{{"192.168.1.1", "192.168.1.2"}, {"corp.example", "example"}, {"edns0"}};
  return s;
}

TEST(ResolvConf, Parse) {
  ResolvConf r = parseResolvConf(
      "# generated\n"
      "nameserver 1.1.1.1\n"
      "nameserver 8.8.8.8 ; trailing comment\n"
      "search old.example\n"
      "search corp.example. . example\n"
      "options ndots:2 timeout:1\n"
      "options ndots:3 rotate\n"
      "nameserver\n"
      "domain ignored.example");
  EXPECT_EQ(r.nameservers, (Strings{"1.1.1.1", "8.8.8.8"}));
  EXPECT_EQ(r.searches, (Strings{"corp.example", "example"}));
  EXPECT_EQ(r.options, (Strings{"ndots:3", "timeout:1", "rotate"}));
}

TEST(ResolvConf, Load) {
  orch::testing::TempDir dir;
  std::string path = dir.write("resolv.conf", "nameserver 10.0.0.1\n");
  auto r = loadResolvConf(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->nameservers, Strings{"10.0.0.1"});
  auto missing = loadResolvConf(dir.path() + "/none");
  EXPECT_EQ(missing.status().code(), ENOENT);
}

TEST(PodDns, ClusterFirst) {
  auto c = podDnsConfig(pod("web", "shop"), settings());
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(servers(*c), Strings{"10.96.0.10"});
  EXPECT_EQ(searches(*c), (Strings{"shop.svc.cluster.local", "svc.cluster.local", "cluster.local",
                                   "corp.example", "example"}));
  EXPECT_EQ(options(*c), Strings{"ndots:5"});
  // The empty policy is the API default, ClusterFirst.
  api::Pod p = pod("web", "shop");
  p.spec.dnsPolicy = "";
  EXPECT_EQ(podDnsType(p, settings()).value(), PodDnsType::kCluster);
}

TEST(PodDns, HostNetworkClusterFirstIsDefault) {
  api::Pod p = pod();
  p.spec.hostNetwork = true;
  EXPECT_EQ(podDnsType(p, settings()).value(), PodDnsType::kHost);
  auto c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c), (Strings{"192.168.1.1", "192.168.1.2"}));
  EXPECT_EQ(searches(*c), (Strings{"corp.example", "example"}));
  EXPECT_EQ(options(*c), Strings{"edns0"});

  p.spec.dnsPolicy = "ClusterFirstWithHostNet";
  c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c), Strings{"10.96.0.10"});
  EXPECT_EQ(searches(*c)[0], "default.svc.cluster.local");
}

TEST(PodDns, DefaultUsesHostResolvConf) {
  api::Pod p = pod();
  p.spec.dnsPolicy = "Default";
  auto c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c), (Strings{"192.168.1.1", "192.168.1.2"}));
  EXPECT_EQ(options(*c), Strings{"edns0"});
  // --resolv-conf="": the local resolver and no search.
  DnsSettings s = settings();
  s.host.reset();
  c = podDnsConfig(p, s);
  EXPECT_EQ(servers(*c), Strings{"127.0.0.1"});
  EXPECT_EQ(searches(*c), Strings{"."});
  EXPECT_TRUE(options(*c).empty());
}

TEST(PodDns, NoneTakesOnlyDnsConfig) {
  api::Pod p = pod();
  p.spec.dnsPolicy = "None";
  auto c = podDnsConfig(p, settings());
  EXPECT_TRUE(servers(*c).empty());
  EXPECT_TRUE(searches(*c).empty());
  p.spec.dnsConfig.emplace();
  p.spec.dnsConfig->nameservers = {"9.9.9.9"};
  p.spec.dnsConfig->searches = {"my.example"};
  api::PodDNSConfigOption o;
  o.name = "ndots";
  o.value = "1";
  p.spec.dnsConfig->options.push_back(o);
  c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c), Strings{"9.9.9.9"});
  EXPECT_EQ(searches(*c), Strings{"my.example"});
  EXPECT_EQ(options(*c), Strings{"ndots:1"});
}

TEST(PodDns, DnsConfigMergesIntoClusterFirst) {
  api::Pod p = pod();
  p.spec.dnsConfig.emplace();
  p.spec.dnsConfig->nameservers = {"10.96.0.10", "1.1.1.1"};
  p.spec.dnsConfig->searches = {"cluster.local", "extra.example"};
  api::PodDNSConfigOption ndots, single;
  ndots.name = "ndots";
  ndots.value = "2";
  single.name = "single-request-reopen";
  p.spec.dnsConfig->options = {ndots, single};
  auto c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c), (Strings{"10.96.0.10", "1.1.1.1"}));
  EXPECT_EQ(searches(*c), (Strings{"default.svc.cluster.local", "svc.cluster.local",
                                   "cluster.local", "corp.example", "example", "extra.example"}));
  EXPECT_EQ(options(*c), (Strings{"ndots:2", "single-request-reopen"}));
}

TEST(PodDns, NoClusterDnsFallsBackToHost) {
  DnsSettings s = settings();
  s.cluster_dns.clear();
  api::Pod p = pod();
  EXPECT_TRUE(missingClusterDns(p, s));
  EXPECT_FALSE(missingClusterDns(p, settings()));
  auto c = podDnsConfig(p, s);
  EXPECT_EQ(servers(*c), (Strings{"192.168.1.1", "192.168.1.2"}));
  p.spec.dnsPolicy = "Default";
  EXPECT_FALSE(missingClusterDns(p, s));
}

TEST(PodDns, NoClusterDomainKeepsHostSearches) {
  DnsSettings s = settings();
  s.cluster_domain.clear();
  auto c = podDnsConfig(pod(), s);
  EXPECT_EQ(searches(*c), (Strings{"corp.example", "example"}));
}

TEST(PodDns, Limits) {
  api::Pod p = pod();
  p.spec.dnsPolicy = "None";
  p.spec.dnsConfig.emplace();
  p.spec.dnsConfig->nameservers = {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"};
  for (int i = 0; i < 40; ++i) p.spec.dnsConfig->searches.push_back("d" + std::to_string(i));
  auto c = podDnsConfig(p, settings());
  EXPECT_EQ(servers(*c).size(), 3u);
  EXPECT_EQ(searches(*c).size(), 32u);
  EXPECT_EQ(searches(*c).back(), "d31");

  // Over-long domains are dropped; the line is cut to 2048 characters from the end.
  p.spec.dnsConfig->searches = {std::string(254, 'a')};
  for (int i = 0; i < 10; ++i)
    p.spec.dnsConfig->searches.push_back(std::string(249, static_cast<char>('b' + i)) + ".com");
  c = podDnsConfig(p, settings());
  Strings s = searches(*c);
  size_t total = 0;
  for (const auto& d : s) total += d.size() + 1;
  EXPECT_LE(total - 1, 2048u);
  EXPECT_EQ(s.size(), 8u);  // 8 * 254 - 1 = 2031 fits, 9 do not
  EXPECT_EQ(s[0][0], 'b');
}

TEST(PodDns, UnknownPolicyIsEinval) {
  api::Pod p = pod();
  p.spec.dnsPolicy = "Bogus";
  EXPECT_EQ(podDnsConfig(p, settings()).status().code(), EINVAL);
}

}  // namespace
}  // namespace orch::agent
