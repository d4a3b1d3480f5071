// The IPVS backend against the kernel, in a private network namespace.
//  - IpvsLinkAndNft: the VIP link and the nft table for real, IPVS faked (runs anywhere).
//  - IpvsKernel: real IPVS over generic netlink; runs only where /proc/net/ip_vs exists
//    (this project's build machine has no IP_VS, so there it is skipped, saying why).

#include <gtest/gtest.h>
#include <linux/ip_vs.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>

#include "common/netfilter/nft_ops.h"
#include "proxy/ipvs/genl_ipvs_ops.h"
#include "proxy/ipvs/ipvs_proxier.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"
#include "support/proxy_state_builder.h"
#include "unit/proxy_ipvs/fake_ipvs.h"

namespace orch::proxy {
namespace {

using testing::addService;
using testing::ready;
using testing::spn;
using Strings = std::vector<std::string>;

constexpr const char* kNoIpvs = "kernel has no IP_VS (/proc/net/ip_vs missing)";

ProxyState sampleState() {
  ProxyState st;
  st.node.node_port_all_local = false;
  st.node.node_port_ips = {"192.0.2.1"};
  st.config.cluster_cidrs = {"10.244.0.0/16"};
  auto& web = addService(st, spn("web", Protocol::kTcp), "10.96.0.20", 80,
                         {ready("10.244.0.5", 8080, true), ready("10.244.0.6", 8080, true)});
  web.node_port = 30080;
  web.session_affinity = true;
  web.affinity_timeout_s = 600;
  addService(st, spn("dns"), "10.96.0.10", 53, {ready("10.244.0.7", 5353, true)});
  addService(st, spn("none", Protocol::kTcp), "10.96.0.30", 80, {});
  return st;
}

class IpvsNsTest : public orch::testing::NodeNetnsTest {
 protected:
  // The addresses on orch-ipvs0, as iproute2 sees them; nullopt-like empty + false when
  // the link does not exist.
  bool linkAddresses(Strings& out) {
    auto j = ns_->ipJson({"addr", "show", "dev", "orch-ipvs0"});
    if (!j.ok() || !j->is_array() || j->empty()) return false;
    for (const auto& a : (*j)[0]["addr_info"]) out.push_back(a["local"].get<std::string>());
    std::sort(out.begin(), out.end());
    return true;
  }

  bool nftTableExists(const std::string& family) {
    auto r = ns_->exec({"nft", "list", "table", family, "orch-proxy-ipvs"});
    if (r.ok() && r->exit_code != 0 && r->err.find("No such file") == std::string::npos)
      ADD_FAILURE() << "nft list table " << family << ": " << r->err;
    return r.ok() && r->exit_code == 0;
  }
};

class IpvsLinkAndNft : public IpvsNsTest {};

TEST_F(IpvsLinkAndNft, SyncBindsVipsAndLoadsTheTableCleanupRemovesThem) {
  testing::FakeIpvsOps* ipvs = nullptr;
  auto made = ns_->run([&]() -> Result<std::unique_ptr<Proxier>> {
    IpvsDeps deps;
    auto fake = std::make_unique<testing::FakeIpvsOps>();
    ipvs = fake.get();
    deps.ipvs = std::move(fake);
    ORCH_ASSIGN_OR_RETURN(deps.link, openNetlinkVipLink("orch-ipvs0"));
    ORCH_ASSIGN_OR_RETURN(deps.nft, netfilter::openMnlNftOps());
    return newIpvsProxierWithDeps(IpFamily::kIpv4, {}, std::move(deps));
  });
  ASSERT_TRUE(made.ok()) << made.status().message();
  auto proxier = std::move(*made);

  ProxyState st = sampleState();
  Status s = proxier->sync(st, ChangeSet{});
  ASSERT_TRUE(s.isOk()) << s.message();
  Strings addrs;
  ASSERT_TRUE(linkAddresses(addrs));
  EXPECT_EQ(addrs, (Strings{"10.96.0.10", "10.96.0.20", "10.96.0.30"}));
  ASSERT_TRUE(nftTableExists("ip"));
  auto listed = ns_->exec({"nft", "list", "table", "ip", "orch-proxy-ipvs"});
  ASSERT_TRUE(listed.ok());
  const std::string& text = listed->out;
  EXPECT_NE(text.find("masquerade"), std::string::npos) << text;
  EXPECT_NE(text.find("reject with tcp reset"), std::string::npos) << text;
  EXPECT_NE(text.find("10.96.0.30 . tcp . 80"), std::string::npos) << text;  // no endpoints
  EXPECT_NE(text.find("10.244.0.0/16"), std::string::npos) << text;
  EXPECT_EQ(ipvs->services.size(), 4u);
  // VIPs route locally (so IPVS sees them in LOCAL_IN).
  auto route = ns_->exec({"ip", "route", "get", "10.96.0.20"});
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->out.rfind("local 10.96.0.20", 0), 0u) << route->out;

  // A Service goes: its VIP goes.
  st.services.erase(spn("none", Protocol::kTcp));
  st.endpoints.erase(spn("none", Protocol::kTcp));
  s = proxier->sync(st, ChangeSet{false, {spn("none", Protocol::kTcp)}});
  ASSERT_TRUE(s.isOk()) << s.message();
  addrs.clear();
  ASSERT_TRUE(linkAddresses(addrs));
  EXPECT_EQ(addrs, (Strings{"10.96.0.10", "10.96.0.20"}));
  listed = ns_->exec({"nft", "list", "table", "ip", "orch-proxy-ipvs"});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->out.find("10.96.0.30"), std::string::npos) << listed->out;

  s = proxier->cleanup();
  ASSERT_TRUE(s.isOk()) << s.message();
  addrs.clear();
  EXPECT_FALSE(linkAddresses(addrs));
  EXPECT_FALSE(nftTableExists("ip"));
  EXPECT_TRUE(ipvs->services.empty());
  s = proxier->cleanup();
  EXPECT_TRUE(s.isOk()) << s.message();
}

TEST_F(IpvsLinkAndNft, Ipv6TableLoads) {
  auto made = ns_->run([&]() -> Result<std::unique_ptr<Proxier>> {
    IpvsDeps deps;
    deps.ipvs = std::make_unique<testing::FakeIpvsOps>();
    ORCH_ASSIGN_OR_RETURN(deps.link, openNetlinkVipLink("orch-ipvs0"));
    ORCH_ASSIGN_OR_RETURN(deps.nft, netfilter::openMnlNftOps());
    return newIpvsProxierWithDeps(IpFamily::kIpv6, {}, std::move(deps));
  });
  ASSERT_TRUE(made.ok()) << made.status().message();
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  st.config.cluster_cidrs = {"fd00:244::/64"};
  st.node.node_port_all_local = false;
  st.node.node_port_ips = {"fd00:1::1"};
  auto& svc = addService(st, spn("v6", Protocol::kUdp), "fd00:96::a", 53,
                         {ready("fd00:244::5", 5353, true)});
  svc.node_port = 30053;
  addService(st, spn("none6", Protocol::kTcp), "fd00:96::b", 80, {});
  Status s = (*made)->sync(st, ChangeSet{});
  ASSERT_TRUE(s.isOk()) << s.message();
  Strings addrs;
  ASSERT_TRUE(linkAddresses(addrs));
  EXPECT_EQ(addrs, (Strings{"fd00:96::a", "fd00:96::b"}));
  EXPECT_TRUE(nftTableExists("ip6"));
  ASSERT_TRUE((*made)->cleanup().isOk());
  EXPECT_FALSE(nftTableExists("ip6"));
}

TEST_F(IpvsLinkAndNft, CleanupLeftoversWorksWithoutIpvs) {
  Status s = ns_->run([] {
    ORCH_ASSIGN_OR_RETURN(auto link, openNetlinkVipLink("orch-ipvs0"));
    ORCH_RETURN_IF_ERROR(link->ensure());
    return link->addAddress("10.96.0.1");
  });
  ASSERT_TRUE(s.isOk()) << s.message();
  s = ns_->run([] { return cleanupIpvsLeftovers(IpFamily::kIpv4, {}); });
  ASSERT_TRUE(s.isOk()) << s.message();
  Strings addrs;
  EXPECT_FALSE(linkAddresses(addrs));
  s = ns_->run([] { return cleanupIpvsLeftovers(IpFamily::kIpv4, {}); });
  EXPECT_TRUE(s.isOk()) << s.message();
}

TEST_F(IpvsLinkAndNft, NodeAddressesAreTheOtherLinksGlobalAddresses) {
  ASSERT_TRUE(orch::testing::addDeadEndUplink(*ns_).isOk());
  ASSERT_TRUE(ns_->ip({"addr", "add", "fd00:1::1/64", "dev", "uplink0", "nodad"}).isOk());
  auto r = ns_->run([]() -> Result<std::pair<Strings, Strings>> {
    ORCH_ASSIGN_OR_RETURN(auto link, openNetlinkVipLink("orch-ipvs0"));
    ORCH_RETURN_IF_ERROR(link->ensure());
    ORCH_RETURN_IF_ERROR(link->addAddress("10.96.0.1"));
    ORCH_ASSIGN_OR_RETURN(auto v4, link->nodeAddresses(IpFamily::kIpv4));
    ORCH_ASSIGN_OR_RETURN(auto v6, link->nodeAddresses(IpFamily::kIpv6));
    ORCH_RETURN_IF_ERROR(link->remove());
    return std::pair{v4, v6};
  });
  ASSERT_TRUE(r.ok()) << r.status().message();
  // Not lo's 127.0.0.1 / ::1, not the VIP link's addresses, not link-local fe80::.
  EXPECT_EQ(r->first, (Strings{"192.0.2.1"}));
  EXPECT_EQ(r->second, (Strings{"fd00:1::1"}));
}

class IpvsKernel : public IpvsNsTest {
 protected:
  void SetUp() override {
    if (!kernelHasIpvs()) GTEST_SKIP() << kNoIpvs;
    IpvsNsTest::SetUp();
  }
};

TEST_F(IpvsNsTest, FactoryFailsClearlyWithoutIpvs) {
  if (kernelHasIpvs()) GTEST_SKIP() << "kernel has IP_VS; this checks the error without it";
  auto p = ns_->run([] { return newIpvsProxier(IpFamily::kIpv4, {}); });
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), EOPNOTSUPP);
  EXPECT_NE(p.status().message().find("kernel has no IP_VS"), std::string::npos)
      << p.status().message();
  // Nothing was created on the way.
  Strings addrs;
  EXPECT_FALSE(linkAddresses(addrs));
}

TEST_F(IpvsKernel, GenlOpsRoundTrip) {
  Status s = ns_->run([]() -> Status {
    ORCH_ASSIGN_OR_RETURN(auto ops, openGenlIpvsOps());
    VirtualServer vs{.family = IpFamily::kIpv4,
                     .address = "10.96.0.10",
                     .protocol = Protocol::kUdp,
                     .port = 53,
                     .scheduler = "rr"};
    ORCH_RETURN_IF_ERROR(ops->addService(vs));
    if (ops->addService(vs).code() != EEXIST) return Status::error(EPROTO, "expected EEXIST");
    vs.flags = IP_VS_SVC_F_PERSISTENT;
    vs.timeout_s = 600;
    ORCH_RETURN_IF_ERROR(ops->updateService(vs));
    RealServer d{.address = "10.244.0.5", .port = 5353, .weight = 1};
    ORCH_RETURN_IF_ERROR(ops->addDestination(vs, d));
    d.weight = 0;
    ORCH_RETURN_IF_ERROR(ops->updateDestination(vs, d));
    ORCH_ASSIGN_OR_RETURN(auto svcs, ops->listServices());
    if (svcs.size() != 1 || !(svcs[0] == vs))
      return Status::error(EPROTO, "listed services differ: " +
                                       (svcs.empty() ? std::string("none") : svcs[0].str()));
    ORCH_ASSIGN_OR_RETURN(auto dsts, ops->listDestinations(vs));
    if (dsts.size() != 1 || !(dsts[0] == d)) return Status::error(EPROTO, "listed dests differ");
    ORCH_RETURN_IF_ERROR(ops->deleteDestination(vs, d));
    ORCH_RETURN_IF_ERROR(ops->deleteService(vs));
    ORCH_ASSIGN_OR_RETURN(svcs, ops->listServices());
    if (!svcs.empty()) return Status::error(EPROTO, "service left");
    ORCH_RETURN_IF_ERROR(ops->addService(vs));
    ORCH_RETURN_IF_ERROR(ops->flush());
    ORCH_ASSIGN_OR_RETURN(svcs, ops->listServices());
    return svcs.empty() ? Status::ok() : Status::error(EPROTO, "flush left a service");
  });
  EXPECT_TRUE(s.isOk()) << s.message();
}

TEST_F(IpvsKernel, ProxierSyncsAndCleansUp) {
  auto made = ns_->run([] { return newIpvsProxier(IpFamily::kIpv4, {.scheduler = "rr"}); });
  ASSERT_TRUE(made.ok()) << made.status().message();
  auto proxier = std::move(*made);
  auto ops_r = ns_->run([] { return openGenlIpvsOps(); });
  ASSERT_TRUE(ops_r.ok()) << ops_r.status().message();
  auto& ops = *ops_r;

  ProxyState st = sampleState();
  Status s = proxier->sync(st, ChangeSet{});
  ASSERT_TRUE(s.isOk()) << s.message();
  auto svcs = ops->listServices();
  ASSERT_TRUE(svcs.ok()) << svcs.status().message();
  EXPECT_EQ(svcs->size(), 4u);
  VirtualServer web{.family = IpFamily::kIpv4,
                    .address = "10.96.0.20",
                    .protocol = Protocol::kTcp,
                    .port = 80,
                    .scheduler = "rr",
                    .flags = IP_VS_SVC_F_PERSISTENT,
                    .timeout_s = 600};
  EXPECT_NE(std::find(svcs->begin(), svcs->end(), web), svcs->end());
  auto dsts = ops->listDestinations(web);
  ASSERT_TRUE(dsts.ok()) << dsts.status().message();
  EXPECT_EQ(dsts->size(), 2u);
  Strings addrs;
  ASSERT_TRUE(linkAddresses(addrs));
  EXPECT_EQ(addrs, (Strings{"10.96.0.10", "10.96.0.20", "10.96.0.30"}));

  st.endpoints[spn("web", Protocol::kTcp)].pop_back();
  s = proxier->sync(st, ChangeSet{false, {spn("web", Protocol::kTcp)}});
  ASSERT_TRUE(s.isOk()) << s.message();
  dsts = ops->listDestinations(web);
  ASSERT_TRUE(dsts.ok());
  ASSERT_EQ(dsts->size(), 1u);
  EXPECT_EQ((*dsts)[0].address, "10.244.0.5");

  s = proxier->cleanup();
  ASSERT_TRUE(s.isOk()) << s.message();
  svcs = ops->listServices();
  ASSERT_TRUE(svcs.ok());
  // NodePort services on node addresses this proxier made go too.
  EXPECT_TRUE(svcs->empty());
  addrs.clear();
  EXPECT_FALSE(linkAddresses(addrs));
  EXPECT_FALSE(nftTableExists("ip"));
}

}  // namespace
}  // namespace orch::proxy
