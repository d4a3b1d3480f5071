// The IPVS proxier over fakes: what a sync adds, changes and deletes, that an unchanged
// sync touches nothing, and cleanup.

#include "proxy/ipvs/ipvs_proxier.h"

#include <gtest/gtest.h>
#include <linux/ip_vs.h>

#include <algorithm>

#include "fake_ipvs.h"
#include "support/proxy_state_builder.h"

namespace orch::proxy {
namespace {

using testing::addService;
using testing::FakeIpvsOps;
using testing::FakeNftOps;
using testing::FakeVipLink;
using testing::ready;
using testing::spn;
using Strings = std::vector<std::string>;

VirtualServer vs(const std::string& addr, Protocol p, uint16_t port, IpFamily f = IpFamily::kIpv4) {
  return VirtualServer{.family = f, .address = addr, .protocol = p, .port = port};
}

ChangeSet partial(std::set<ServicePortName> names = {}) {
  return ChangeSet{false, std::move(names)};
}

class IpvsProxierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ipvs = std::make_unique<FakeIpvsOps>();
    auto link = std::make_unique<FakeVipLink>();
    auto nft = std::make_unique<FakeNftOps>();
    ipvs_ = ipvs.get();
    link_ = link.get();
    nft_ = nft.get();
    IpvsDeps deps{std::move(ipvs), std::move(link), std::move(nft),
                  [this](std::string_view k, std::string_view v) {
                    sysctls_.push_back(std::string(k) + "=" + std::string(v));
                    return Status::ok();
                  }};
    proxier_ = newIpvsProxierWithDeps(IpFamily::kIpv4, opts_, std::move(deps));

    state_.node.node_port_all_local = false;
    state_.node.node_port_ips = {"192.0.2.1"};
    state_.config.cluster_cidrs = {"10.244.0.0/16"};
    auto& web = addService(state_, spn("web", Protocol::kTcp), "10.96.0.20", 80,
                           {ready("10.244.0.5", 8080, true), ready("10.244.0.6", 8080, true)});
    web.node_port = 30080;
    addService(state_, spn("dns"), "10.96.0.10", 53, {ready("10.244.0.7", 5353, true)});
  }

  void sync(const ChangeSet& changes = ChangeSet{}) {
    Status st = proxier_->sync(state_, changes);
    ASSERT_TRUE(st.isOk()) << st.message();
  }

  // Mutating IPVS calls since the last call of this.
  Strings takeCalls() {
    Strings out = std::move(ipvs_->calls);
    ipvs_->calls.clear();
    return out;
  }

  IpvsOptions opts_;
  FakeIpvsOps* ipvs_ = nullptr;
  FakeVipLink* link_ = nullptr;
  FakeNftOps* nft_ = nullptr;
  Strings sysctls_;
  std::unique_ptr<Proxier> proxier_;
  ProxyState state_;
};

TEST_F(IpvsProxierTest, FirstSyncProgramsEverything) {
  sync();
  EXPECT_EQ(ipvs_->services.size(), 3u);
  EXPECT_EQ(ipvs_->dests(vs("10.96.0.20", Protocol::kTcp, 80)),
            (Strings{"10.244.0.5:8080/1", "10.244.0.6:8080/1"}));
  EXPECT_EQ(ipvs_->dests(vs("192.0.2.1", Protocol::kTcp, 30080)),
            (Strings{"10.244.0.5:8080/1", "10.244.0.6:8080/1"}));
  EXPECT_EQ(ipvs_->dests(vs("10.96.0.10", Protocol::kUdp, 53)), (Strings{"10.244.0.7:5353/1"}));
  EXPECT_TRUE(link_->exists);
  EXPECT_EQ(link_->addrs, (std::set<std::string>{"10.96.0.10", "10.96.0.20"}));
  ASSERT_EQ(nft_->commits.size(), 1u);
  EXPECT_TRUE(nft_->tables.contains("ip orch-proxy-ipvs"));
  EXPECT_NE(std::find(sysctls_.begin(), sysctls_.end(), "net.ipv4.vs.conntrack=1"), sysctls_.end());
  auto counts = proxier_->ruleCounts();
  EXPECT_EQ(counts["virtual_servers"], 3u);
  EXPECT_EQ(counts["real_servers"], 5u);
  EXPECT_EQ(counts["vip_addresses"], 2u);
}

TEST_F(IpvsProxierTest, UnchangedSyncTouchesNothing) {
  sync();
  takeCalls();
  size_t commits = nft_->commits.size();
  int lists = ipvs_->list_dest_calls;
  link_->calls.clear();
  sync(partial());
  EXPECT_TRUE(takeCalls().empty());
  EXPECT_EQ(ipvs_->list_dest_calls, lists);
  EXPECT_EQ(nft_->commits.size(), commits);
  EXPECT_TRUE(link_->calls.empty());
  // Sysctls are written once.
  EXPECT_EQ(std::count(sysctls_.begin(), sysctls_.end(), "net.ipv4.vs.conntrack=1"), 1);
}

TEST_F(IpvsProxierTest, EndpointChangeTouchesOnlyThatServicesDestinations) {
  sync();
  takeCalls();
  int lists = ipvs_->list_dest_calls;
  state_.endpoints[spn("dns")] = {ready("10.244.0.8", 5353, true)};
  sync(partial({spn("dns")}));
  EXPECT_EQ(takeCalls(), (Strings{"add-dst udp 10.96.0.10:53 10.244.0.8:5353",
                                  "del-dst udp 10.96.0.10:53 10.244.0.7:5353"}));
  EXPECT_EQ(ipvs_->list_dest_calls, lists + 1);
  EXPECT_EQ(ipvs_->dests(vs("10.96.0.10", Protocol::kUdp, 53)), (Strings{"10.244.0.8:5353/1"}));
}

TEST_F(IpvsProxierTest, ChangedDestinationsAreNoticedWithoutAChangeSetEntry) {
  sync();
  takeCalls();
  state_.endpoints[spn("web", Protocol::kTcp)].pop_back();
  sync(partial());
  Strings calls = takeCalls();
  EXPECT_EQ(calls, (Strings{"del-dst tcp 10.96.0.20:80 10.244.0.6:8080",
                            "del-dst tcp 192.0.2.1:30080 10.244.0.6:8080"}));
}

TEST_F(IpvsProxierTest, ServiceRemovalDeletesItsVirtualServersAndAddress) {
  sync();
  takeCalls();
  size_t commits = nft_->commits.size();
  state_.services.erase(spn("web", Protocol::kTcp));
  state_.endpoints.erase(spn("web", Protocol::kTcp));
  sync(partial({spn("web", Protocol::kTcp)}));
  Strings calls = takeCalls();
  std::sort(calls.begin(), calls.end());
  EXPECT_EQ(calls, (Strings{"del-svc tcp 10.96.0.20:80", "del-svc tcp 192.0.2.1:30080"}));
  EXPECT_EQ(link_->addrs, (std::set<std::string>{"10.96.0.10"}));
  EXPECT_EQ(nft_->commits.size(), commits + 1);
}

TEST_F(IpvsProxierTest, AffinityChangeUpdatesTheService) {
  sync();
  takeCalls();
  auto& dns = state_.services[spn("dns")];
  dns.session_affinity = true;
  dns.affinity_timeout_s = 60;
  sync(partial({spn("dns")}));
  EXPECT_EQ(takeCalls(), (Strings{"update-svc udp 10.96.0.10:53"}));
  const auto& k = ipvs_->services.at(vs("10.96.0.10", Protocol::kUdp, 53).key()).vs;
  EXPECT_EQ(k.flags, uint32_t{IP_VS_SVC_F_PERSISTENT});
  EXPECT_EQ(k.timeout_s, 60u);
}

TEST_F(IpvsProxierTest, ForeignServicesSurviveAndOursFromBeforeAreRemoved) {
  // Someone else's service, and one of ours left behind (its VIP is still on the link).
  VirtualServer foreign = vs("203.0.113.1", Protocol::kTcp, 80);
  VirtualServer leftover = vs("10.96.0.99", Protocol::kTcp, 80);
  ASSERT_TRUE(ipvs_->addService(foreign).isOk());
  ASSERT_TRUE(ipvs_->addService(leftover).isOk());
  link_->exists = true;
  link_->addrs.insert("10.96.0.99");
  takeCalls();
  sync();
  EXPECT_TRUE(ipvs_->services.contains(foreign.key()));
  EXPECT_FALSE(ipvs_->services.contains(leftover.key()));
  EXPECT_FALSE(link_->addrs.contains("10.96.0.99"));
}

TEST_F(IpvsProxierTest, FullResyncRepairsDriftAndPartialSyncDoesNot) {
  sync();
  VirtualServer web = vs("10.96.0.20", Protocol::kTcp, 80);
  ASSERT_TRUE(ipvs_->deleteDestination(web, {.address = "10.244.0.5", .port = 8080}).isOk());
  takeCalls();
  sync(partial());
  EXPECT_TRUE(takeCalls().empty());
  sync(ChangeSet{});
  EXPECT_EQ(takeCalls(), (Strings{"add-dst tcp 10.96.0.20:80 10.244.0.5:8080"}));
  // A deleted virtual server is re-created even by a partial sync (services are listed).
  ASSERT_TRUE(ipvs_->deleteService(web).isOk());
  takeCalls();
  sync(partial());
  EXPECT_EQ(takeCalls(),
            (Strings{"add-svc tcp 10.96.0.20:80", "add-dst tcp 10.96.0.20:80 10.244.0.5:8080",
                     "add-dst tcp 10.96.0.20:80 10.244.0.6:8080"}));
}

TEST_F(IpvsProxierTest, AFailedOperationIsReportedAndRetried) {
  ipvs_->fail_call = "add-dst udp 10.96.0.10:53 10.244.0.7:5353";
  Status st = proxier_->sync(state_, ChangeSet{});
  EXPECT_EQ(st.code(), EIO);
  // The other services were still programmed.
  EXPECT_EQ(ipvs_->dests(vs("10.96.0.20", Protocol::kTcp, 80)).size(), 2u);
  EXPECT_TRUE(ipvs_->dests(vs("10.96.0.10", Protocol::kUdp, 53)).empty());
  ipvs_->fail_call.clear();
  takeCalls();
  sync(partial());
  EXPECT_EQ(takeCalls(), (Strings{"add-dst udp 10.96.0.10:53 10.244.0.7:5353"}));
}

TEST_F(IpvsProxierTest, NodePortsOnAllLocalAddresses) {
  state_.node.node_port_all_local = true;
  state_.node.node_port_ips.clear();
  link_->node_addrs = {"192.0.2.1", "172.16.0.4"};
  sync();
  EXPECT_TRUE(ipvs_->services.contains(vs("172.16.0.4", Protocol::kTcp, 30080).key()));
  EXPECT_TRUE(ipvs_->services.contains(vs("192.0.2.1", Protocol::kTcp, 30080).key()));
  // A node address that goes away takes its NodePort virtual server with it.
  link_->node_addrs = {"192.0.2.1"};
  takeCalls();
  sync(partial());
  EXPECT_EQ(takeCalls(), (Strings{"del-svc tcp 172.16.0.4:30080"}));
}

TEST_F(IpvsProxierTest, CleanupRemovesOursOnlyAndIsIdempotent) {
  sync();
  VirtualServer foreign = vs("203.0.113.1", Protocol::kTcp, 80);
  ASSERT_TRUE(ipvs_->addService(foreign).isOk());
  Status st = proxier_->cleanup();
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(ipvs_->services.size(), 1u);
  EXPECT_TRUE(ipvs_->services.contains(foreign.key()));
  EXPECT_FALSE(link_->exists);
  EXPECT_TRUE(nft_->tables.empty());
  EXPECT_TRUE(proxier_->ruleCounts().empty());
  st = proxier_->cleanup();
  EXPECT_TRUE(st.isOk()) << st.message();
  // A sync after cleanup programs everything again.
  sync();
  EXPECT_EQ(ipvs_->services.size(), 4u);
}

TEST_F(IpvsProxierTest, CleanupAllFlushes) {
  auto ipvs = std::make_unique<FakeIpvsOps>();
  FakeIpvsOps* raw = ipvs.get();
  ASSERT_TRUE(raw->addService(vs("203.0.113.1", Protocol::kTcp, 80)).isOk());
  IpvsOptions opts;
  opts.cleanup_all_services = true;
  auto p = newIpvsProxierWithDeps(
      IpFamily::kIpv4, opts,
      {std::move(ipvs), std::make_unique<FakeVipLink>(), std::make_unique<FakeNftOps>(), nullptr});
  ASSERT_TRUE(p->cleanup().isOk());
  EXPECT_TRUE(raw->services.empty());
  EXPECT_NE(std::find(raw->calls.begin(), raw->calls.end(), "flush"), raw->calls.end());
}

TEST_F(IpvsProxierTest, WithoutIpvsSyncFailsAndCleanupRemovesLinkAndTable) {
  auto link = std::make_unique<FakeVipLink>();
  auto nft = std::make_unique<FakeNftOps>();
  link->exists = true;
  link->addrs = {"10.96.0.20"};
  nft->tables = {"ip orch-proxy-ipvs", "ip other"};
  FakeVipLink* l = link.get();
  FakeNftOps* n = nft.get();
  auto p = newIpvsProxierWithDeps(IpFamily::kIpv4, {},
                                  {nullptr, std::move(link), std::move(nft), nullptr});
  Status st = p->sync(state_, ChangeSet{});
  EXPECT_EQ(st.code(), EOPNOTSUPP);
  EXPECT_NE(st.message().find("IP_VS"), std::string::npos) << st.message();
  ASSERT_TRUE(p->cleanup().isOk());
  EXPECT_FALSE(l->exists);
  EXPECT_EQ(n->tables, (std::set<std::string>{"ip other"}));
}

TEST_F(IpvsProxierTest, Ipv6ProxierLeavesIpv4ServicesAlone) {
  auto ipvs = std::make_unique<FakeIpvsOps>();
  FakeIpvsOps* raw = ipvs.get();
  VirtualServer v4 = vs("10.96.0.20", Protocol::kTcp, 80);
  ASSERT_TRUE(raw->addService(v4).isOk());
  auto link = std::make_unique<FakeVipLink>();
  link->exists = true;
  link->addrs = {"10.96.0.20"};
  auto p = newIpvsProxierWithDeps(
      IpFamily::kIpv6, {},
      {std::move(ipvs), std::move(link), std::make_unique<FakeNftOps>(), nullptr});
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  st.node.node_port_all_local = false;
  addService(st, spn("v6", Protocol::kTcp), "fd00:96::1", 80, {ready("fd00:244::5", 8080, true)});
  ASSERT_TRUE(p->sync(st, ChangeSet{}).isOk());
  EXPECT_TRUE(raw->services.contains(v4.key()));
  EXPECT_TRUE(raw->services.contains(vs("fd00:96::1", Protocol::kTcp, 80, IpFamily::kIpv6).key()));
  ASSERT_TRUE(p->cleanup().isOk());
  EXPECT_TRUE(raw->services.contains(v4.key()));
  EXPECT_EQ(raw->services.size(), 1u);
}

}  // namespace
}  // namespace orch::proxy
