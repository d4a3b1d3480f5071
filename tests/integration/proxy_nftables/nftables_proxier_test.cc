// The nftables Proxier against the kernel, inside a private network namespace with a
// dead-end uplink: a full sync, an incremental one that moves only the changed
// elements, affinity and both families, and a cleanup that leaves nothing.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "common/netfilter/nft_ops.h"
#include "proxy/nftables/nftables_proxier.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"

namespace orch::proxy {
namespace {

ServicePortInfo service(const std::string& name, const std::string& ip, uint16_t port,
                        Protocol p = Protocol::kTcp) {
  ServicePortInfo s;
  s.name = ServicePortName{"default", name, "", p};
  s.cluster_ip = ip;
  s.port = port;
  return s;
}

EndpointInfo ready(const std::string& ip, uint16_t port, bool local = false) {
  EndpointInfo e;
  e.ip = ip;
  e.port = port;
  e.ready = e.serving = true;
  e.is_local = local;
  return e;
}

ProxyState fewServices() {
  ProxyState s;
  s.config.cluster_cidrs = {"10.244.0.0/16"};
  s.node.node_port_all_local = true;
  auto web = service("web", "10.96.0.10", 80);
  web.node_port = 30080;
  web.external_ips = {"203.0.113.10"};
  web.load_balancer_ips = {"198.51.100.10"};
  web.load_balancer_source_ranges = {"172.16.0.0/12"};
  s.services[web.name] = web;
  s.endpoints[web.name] = {ready("10.244.1.5", 8080, true), ready("10.244.2.6", 8080)};
  auto dns = service("dns", "10.96.0.53", 53, Protocol::kUdp);
  dns.session_affinity = true;
  dns.affinity_timeout_s = 60;
  s.services[dns.name] = dns;
  s.endpoints[dns.name] = {ready("10.244.2.8", 5353), ready("10.244.3.8", 5353)};
  auto sctp = service("sig", "10.96.0.70", 7000, Protocol::kSctp);
  s.services[sctp.name] = sctp;
  s.endpoints[sctp.name] = {ready("10.244.3.9", 7001)};
  auto empty = service("empty", "10.96.0.99", 80);
  empty.node_port = 30099;
  s.services[empty.name] = empty;
  return s;
}

class NftablesProxierTest : public testing::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    ns_ = newNetns();
    ASSERT_NE(ns_, nullptr);
    ASSERT_TRUE(testing::addDeadEndUplink(*ns_).isOk());
  }

  std::unique_ptr<Proxier> proxier(IpFamily f) {
    auto ops = ns_->run([] { return netfilter::openMnlNftOps(); });
    EXPECT_TRUE(ops.ok()) << ops.status().message();
    if (!ops.ok()) return nullptr;
    return newNftablesProxier(f, std::move(*ops));
  }

  // `nft -j list <what>` inside the namespace (an independent reader).
  nlohmann::json nftJson(std::vector<std::string> what) {
    std::vector<std::string> argv{"nft", "-j", "list"};
    argv.insert(argv.end(), what.begin(), what.end());
    auto r = ns_->exec(argv);
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
    return nlohmann::json::parse(r.ok() ? r->out : "{}", nullptr, false);
  }

  // The elements of a map as nft prints them (one JSON text per element).
  std::set<std::string> elements(const std::string& family, const std::string& map) {
    nlohmann::json j = nftJson({"map", family, "orch-proxy", map});
    std::set<std::string> out;
    for (const auto& item : j["nftables"]) {
      if (!item.contains("map")) continue;
      for (const auto& e : item["map"].value("elem", nlohmann::json::array())) out.insert(e.dump());
    }
    return out;
  }

  std::string listTable(const std::string& family) {
    auto r = ns_->exec({"nft", "list", "table", family, "orch-proxy"});
    return r.ok() ? r->out + r->err : r.status().message();
  }

  testing::TestNetns* ns_ = nullptr;
};

TEST_F(NftablesProxierTest, FullThenIncrementalThenCleanup) {
  auto p = proxier(IpFamily::kIpv4);
  ASSERT_NE(p, nullptr);
  ProxyState s = fewServices();
  Status st = p->sync(s, ChangeSet{});
  ASSERT_TRUE(st.isOk()) << st.message();

  std::string text = listTable("ip");
  EXPECT_NE(text.find("10.96.0.10 . tcp . 80 : goto cip-2"), std::string::npos) << text;
  EXPECT_NE(text.find("203.0.113.10 . tcp . 80 : goto ext-2"), std::string::npos) << text;
  EXPECT_NE(text.find("tcp . 30099 : goto reject-chain"), std::string::npos) << text;
  EXPECT_NE(text.find("10.96.0.53 . udp . 53 : goto aff-"), std::string::npos) << text;
  // dns' cluster IP has an affinity set of its own, named like its chain.
  EXPECT_NE(text.find("set aff-"), std::string::npos) << text;
  EXPECT_NE(text.find("flags dynamic,timeout"), std::string::npos) << text;
  EXPECT_NE(text.find("update @aff-"), std::string::npos) << text;
  EXPECT_NE(text.find("{ ip saddr . 10.244.3.8 timeout 1m } dnat to 10.244.3.8:5353"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("numgen random mod 2"), std::string::npos) << text;
  EXPECT_NE(text.find("10.96.0.70 . sctp . 7000 : goto cip-1"), std::string::npos) << text;
  EXPECT_NE(text.find("fib daddr type local"), std::string::npos) << text;
  auto endpoints_before = elements("ip", "endpoints");
  auto service_ips_before = elements("ip", "service-ips");
  EXPECT_NE(text.find("ip saddr 172.16.0.0/12 return"), std::string::npos) << text;
  EXPECT_NE(text.find("198.51.100.10 . tcp . 80 : goto fw-"), std::string::npos) << text;
  // web: cluster IP, external IP, LB IP, node port; dns has affinity; sig one.
  EXPECT_EQ(endpoints_before.size(), 2u * 4 + 1);
  EXPECT_EQ(p->ruleCounts()["map_elements"],
            endpoints_before.size() + service_ips_before.size() + 1 /* web node port */ +
                1 /* empty: no-endpoint */ + 1 /* empty node port */ + 1 /* hairpin */ +
                1 /* firewall */);

  // One endpoint of dns goes away and sig is removed: only their elements move.
  ProxyState b = s;
  auto dns = ServicePortName{"default", "dns", "", Protocol::kUdp};
  auto sig = ServicePortName{"default", "sig", "", Protocol::kSctp};
  b.endpoints[dns].pop_back();
  b.services.erase(sig);
  b.endpoints.erase(sig);
  st = p->sync(b, ChangeSet{false, {dns, sig}});
  ASSERT_TRUE(st.isOk()) << st.message();
  auto endpoints_after = elements("ip", "endpoints");
  auto service_ips_after = elements("ip", "service-ips");
  std::set<std::string> gone, added;
  for (const auto& e : endpoints_before)
    if (endpoints_after.count(e) == 0) gone.insert(e);
  for (const auto& e : endpoints_after)
    if (endpoints_before.count(e) == 0) added.insert(e);
  ASSERT_EQ(gone.size(), 1u) << listTable("ip");  // sig's only endpoint; dns has affinity
  EXPECT_NE(gone.begin()->find("10.96.0.70"), std::string::npos) << *gone.begin();
  EXPECT_TRUE(added.empty());
  EXPECT_EQ(service_ips_after.size(), service_ips_before.size() - 1);
  text = listTable("ip");
  EXPECT_EQ(text.find("10.96.0.70"), std::string::npos) << text;
  EXPECT_EQ(text.find("10.244.3.8"), std::string::npos) << text;  // dns' removed endpoint
  EXPECT_NE(text.find("dnat to 10.244.2.8:5353"), std::string::npos) << text;

  // A full resync in place, then cleanup (twice: idempotent) leaves no table.
  st = p->sync(b, ChangeSet{});
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(elements("ip", "endpoints"), endpoints_after);
  EXPECT_NE(listTable("ip").find("set aff-"), std::string::npos);

  // dns goes: its chain and its affinity set with it, nothing mentions it.
  ProxyState c = b;
  c.services.erase(dns);
  c.endpoints.erase(dns);
  st = p->sync(c, ChangeSet{false, {dns}});
  ASSERT_TRUE(st.isOk()) << st.message();
  text = listTable("ip");
  EXPECT_EQ(text.find("aff-"), std::string::npos) << text;
  EXPECT_EQ(text.find("10.96.0.53"), std::string::npos) << text;
  size_t chains = 0;
  for (size_t at = text.find("\tchain "); at != std::string::npos;
       at = text.find("\tchain ", at + 1))
    ++chains;
  EXPECT_EQ(p->ruleCounts()["chains"], chains) << text;
  ASSERT_TRUE(p->cleanup().isOk());
  ASSERT_TRUE(p->cleanup().isOk());
  auto tables = ns_->exec({"nft", "list", "tables"});
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->out.find("orch-proxy"), std::string::npos) << tables->out;
}

TEST_F(NftablesProxierTest, Ipv6TableBesideIpv4) {
  auto p4 = proxier(IpFamily::kIpv4);
  auto p6 = proxier(IpFamily::kIpv6);
  ASSERT_NE(p4, nullptr);
  ASSERT_NE(p6, nullptr);
  ASSERT_TRUE(p4->sync(fewServices(), ChangeSet{}).isOk());
  ProxyState s6;
  s6.config.family = IpFamily::kIpv6;
  s6.config.cluster_cidrs = {"fd00:244::/48"};
  s6.node.node_port_all_local = false;
  s6.node.node_port_ips = {"fd00:1::2"};
  auto web = service("web", "fd00:96::10", 80);
  web.node_port = 30080;
  web.session_affinity = true;
  s6.services[web.name] = web;
  s6.endpoints[web.name] = {ready("fd00:244::5", 8080, true), ready("fd00:244::6", 8080)};
  Status st = p6->sync(s6, ChangeSet{});
  ASSERT_TRUE(st.isOk()) << st.message();
  std::string text = listTable("ip6");
  EXPECT_NE(text.find("fd00:96::10 . tcp . 80 : goto aff-"), std::string::npos) << text;
  EXPECT_NE(text.find("dnat to [fd00:244::6]:8080"), std::string::npos) << text;
  EXPECT_NE(text.find("fd00:1::2"), std::string::npos) << text;
  ASSERT_TRUE(p6->cleanup().isOk());
  EXPECT_EQ(ns_->exec({"nft", "list", "tables"})->out.find("ip6 orch-proxy"), std::string::npos);
  // The other family's table is untouched.
  EXPECT_NE(listTable("ip").find("service-ips"), std::string::npos);
  ASSERT_TRUE(p4->cleanup().isOk());
}

}  // namespace
}  // namespace orch::proxy
