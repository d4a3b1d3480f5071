// The iptables backend against the real binaries and kernel, inside a private network
// namespace with a dead-end uplink, for both iptables variants (nf_tables and legacy):
// a full sync read back with iptables-save, a partial sync after a change, a full
// resync that changes nothing, real TCP connections through a cluster IP, and cleanup()
// leaving no ORCH- chain and no jump rule (and others' rules untouched).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/base/unique_fd.h"
#include "common/netfilter/iptables.h"
#include "proxy/iptables/chain_names.h"
#include "proxy/iptables/iptables_proxier.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"
#include "support/proxy_state_builder.h"

namespace orch::proxy {
namespace {

namespace nf = netfilter;

using testing::add;
using testing::clusterIp;

// A port "http" of Service ns/name.
ServicePortName spn(const std::string& ns, const std::string& name) {
  return testing::spn(ns, name, "http");
}

// An endpoint on this node.
EndpointInfo ready(const std::string& ip, uint16_t port) {
  return testing::ready(ip, port, true);
}

// Three Services: two backends on the node's uplink address, a NodePort one, and one
// without endpoints.
ProxyState initialState() {
  ProxyState st;
  st.config.family = IpFamily::kIpv4;
  st.config.cluster_cidrs = {"10.244.0.0/16"};
  st.config.hostname = st.node.name = "node-a";
  add(st, clusterIp(spn("default", "web"), "10.96.0.10"),
      {ready("192.0.2.1", 18081), ready("192.0.2.1", 18082)});
  ServicePortInfo np = clusterIp(spn("default", "np"), "10.96.0.11");
  np.node_port = 30080;
  np.external_ips = {"198.51.100.7"};
  add(st, np, {ready("192.0.2.1", 18083)});
  add(st, clusterIp(spn("default", "empty"), "10.96.0.12"), {});
  return st;
}

struct Variant {
  const char* name;
  nf::IptablesVariant variant;
  const char* save;
  const char* cmd;
};

void PrintTo(const Variant& v, std::ostream* os) {
  *os << v.name;
}

class IptablesProxierTest : public orch::testing::NodeNetnsTest,
                            public ::testing::WithParamInterface<Variant> {
 protected:
  IptablesProxierTest() : NodeNetnsTest(/*dead_end_uplink=*/true) {}

  void SetUp() override {
    NodeNetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    proxier_ = newIptablesProxier(
        IpFamily::kIpv4, nf::makeExecIptablesRunner(GetParam().variant, std::chrono::seconds(60)));
  }

  Status sync(const ProxyState& st, const ChangeSet& changes) {
    return ns_->run([&]() -> Status { return proxier_->sync(st, changes); });
  }
  Status cleanup() {
    return ns_->run([&]() -> Status { return proxier_->cleanup(); });
  }

  // iptables-save of `table` in the namespace (an independent reader), parsed.
  nf::IptablesTableDump saved(const std::string& table) {
    auto r = ns_->exec({GetParam().save, "-t", table});
    EXPECT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
    auto dumps = nf::parseIptablesSave(r.ok() ? r->out : "");
    EXPECT_TRUE(dumps.ok());
    for (auto& d : *dumps) {
      if (d.table == table) return d;
    }
    return {table, {}, {}};
  }

  std::set<std::string> ourChains(const nf::IptablesTableDump& d) {
    std::set<std::string> out;
    for (const auto& c : d.chains) {
      if (c.starts_with("ORCH-")) out.insert(c);
    }
    return out;
  }

  // Rules in our chains and jumps into them.
  uint64_t ourRules() {
    uint64_t n = 0;
    for (const char* t : {"filter", "nat"}) {
      for (const auto& r : saved(t).rules) {
        if (r.starts_with("-A ORCH-") || r.find("-j ORCH-") != std::string::npos) ++n;
      }
    }
    return n;
  }

  std::vector<std::string> rulesOf(const nf::IptablesTableDump& d, const std::string& chain) {
    std::vector<std::string> out;
    for (const auto& r : d.rules) {
      if (r.starts_with("-A " + chain + " ")) out.push_back(r);
    }
    return out;
  }

  int jumpsTo(const nf::IptablesTableDump& d, const std::string& from, const std::string& to) {
    int n = 0;
    for (const auto& r : rulesOf(d, from)) {
      if (r.find("-j " + to) != std::string::npos) ++n;
    }
    return n;
  }

  std::unique_ptr<Proxier> proxier_;
};

TEST_P(IptablesProxierTest, FullPartialResyncAndCleanup) {
  // Someone else's rules, which must survive everything we do.
  auto other = ns_->exec({GetParam().cmd, "-t", "nat", "-N", "OTHER-CHAIN"});
  ASSERT_TRUE(other.ok() && other->exit_code == 0);
  ASSERT_EQ(
      ns_->exec({GetParam().cmd, "-t", "nat", "-A", "PREROUTING", "-j", "OTHER-CHAIN"})->exit_code,
      0);

  ProxyState st = initialState();
  ASSERT_TRUE(sync(st, ChangeSet{}).isOk());
  auto nat = saved("nat");
  auto filter = saved("filter");
  std::string web_svc = iptables::serviceClusterChain(spn("default", "web"));
  std::string np_ext = iptables::serviceExternalChain(spn("default", "np"));
  std::string sep1 = iptables::endpointChain(spn("default", "web"), "192.0.2.1:18081");
  std::string sep2 = iptables::endpointChain(spn("default", "web"), "192.0.2.1:18082");
  for (const auto& c : {std::string("ORCH-SERVICES"), std::string("ORCH-NODEPORTS"),
                        std::string("ORCH-POSTROUTING"), std::string("ORCH-MARK-MASQ"), web_svc,
                        np_ext, sep1, sep2}) {
    EXPECT_TRUE(ourChains(nat).count(c)) << c;
  }
  for (const auto& c : {"ORCH-SERVICES", "ORCH-EXTERNAL-SERVICES", "ORCH-FORWARD", "ORCH-NODEPORTS",
                        "ORCH-PROXY-FIREWALL"}) {
    EXPECT_TRUE(ourChains(filter).count(c)) << c;
  }
  EXPECT_EQ(jumpsTo(nat, "PREROUTING", "ORCH-SERVICES"), 1);
  EXPECT_EQ(jumpsTo(nat, "OUTPUT", "ORCH-SERVICES"), 1);
  EXPECT_EQ(jumpsTo(nat, "POSTROUTING", "ORCH-POSTROUTING"), 1);
  EXPECT_EQ(jumpsTo(filter, "FORWARD", "ORCH-FORWARD"), 1);
  EXPECT_EQ(jumpsTo(filter, "OUTPUT", "ORCH-SERVICES"), 1);
  EXPECT_EQ(rulesOf(nat, web_svc).size(), 3u);  // masquerade + two endpoints
  EXPECT_NE(rulesOf(nat, web_svc)[1].find("--probability 0.5"), std::string::npos);
  auto services = rulesOf(nat, "ORCH-SERVICES");
  ASSERT_FALSE(services.empty());
  EXPECT_NE(services.back().find("-j ORCH-NODEPORTS"), std::string::npos);
  bool rejects = false;
  for (const auto& r : rulesOf(filter, "ORCH-SERVICES")) {
    rejects |=
        r.find("10.96.0.12") != std::string::npos && r.find("-j REJECT") != std::string::npos;
  }
  EXPECT_TRUE(rejects);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], ourRules());
  EXPECT_EQ(proxier_->ruleCounts()["chains"], ourChains(nat).size() + ourChains(filter).size());

  // Partial: one endpoint of web replaced, np removed, empty gets an endpoint.
  st.endpoints[spn("default", "web")] = {ready("192.0.2.1", 18081), ready("192.0.2.1", 18084)};
  st.services.erase(spn("default", "np"));
  st.endpoints.erase(spn("default", "np"));
  st.endpoints[spn("default", "empty")] = {ready("192.0.2.1", 18085)};
  ASSERT_TRUE(sync(st, ChangeSet{.full = false,
                                 .services = {spn("default", "web"), spn("default", "np"),
                                              spn("default", "empty")}})
                  .isOk());
  nat = saved("nat");
  filter = saved("filter");
  std::string sep4 = iptables::endpointChain(spn("default", "web"), "192.0.2.1:18084");
  EXPECT_TRUE(ourChains(nat).count(sep4));
  EXPECT_FALSE(ourChains(nat).count(sep2));
  EXPECT_FALSE(ourChains(nat).count(np_ext));
  EXPECT_TRUE(rulesOf(nat, "ORCH-NODEPORTS").empty());
  EXPECT_TRUE(rulesOf(filter, "ORCH-SERVICES").empty());  // no more rejects
  EXPECT_TRUE(ourChains(nat).count(iptables::serviceClusterChain(spn("default", "empty"))));
  services = rulesOf(nat, "ORCH-SERVICES");
  EXPECT_EQ(services.size(), 3u);  // web, empty, the node-port jump
  EXPECT_NE(services.back().find("-j ORCH-NODEPORTS"), std::string::npos);
  EXPECT_EQ(proxier_->ruleCounts()["rules"], ourRules());

  // A full resync of the same state: same tables, no second jump rule.
  auto before_nat = saved("nat").rules, before_filter = saved("filter").rules;
  ASSERT_TRUE(sync(st, ChangeSet{}).isOk());
  auto after_nat = saved("nat").rules, after_filter = saved("filter").rules;
  std::sort(before_nat.begin(), before_nat.end());
  std::sort(after_nat.begin(), after_nat.end());
  EXPECT_EQ(before_nat, after_nat);
  EXPECT_EQ(before_filter.size(), after_filter.size());

  ASSERT_TRUE(cleanup().isOk());
  for (const char* t : {"filter", "nat"}) {
    auto d = saved(t);
    EXPECT_TRUE(ourChains(d).empty()) << t;
    for (const auto& r : d.rules) EXPECT_EQ(r.find("ORCH-"), std::string::npos) << r;
  }
  nat = saved("nat");
  EXPECT_EQ(jumpsTo(nat, "PREROUTING", "OTHER-CHAIN"), 1);
  EXPECT_EQ(std::count(nat.chains.begin(), nat.chains.end(), "OTHER-CHAIN"), 1);
  ASSERT_TRUE(cleanup().isOk());  // idempotent
  EXPECT_EQ(proxier_->ruleCounts()["rules"], 0u);
}

// A TCP listener on 192.0.2.1:<port> in the namespace.
Result<UniqueFd> listenOn(uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Status::fromErrno("socket");
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    return Status::fromErrno("bind");
  if (::listen(fd.get(), 128) != 0) return Status::fromErrno("listen");
  return fd;
}

// Connects to ip:port from inside the namespace; 0 or the errno of the failure.
int connectTo(const std::string& ip, uint16_t port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
}

// Accepts what is queued on `fd` without blocking; returns how many.
int drain(int fd) {
  int n = 0;
  pollfd p{fd, POLLIN, 0};
  while (::poll(&p, 1, 0) == 1) {
    int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) break;
    ::close(c);
    ++n;
  }
  return n;
}

TEST_P(IptablesProxierTest, TrafficThroughClusterIp) {
  std::map<uint16_t, UniqueFd> listeners;
  Status st = ns_->run([&]() -> Status {
    for (uint16_t port : {18081, 18082}) {
      ORCH_ASSIGN_OR_RETURN(auto fd, listenOn(port));
      listeners[port] = std::move(fd);
    }
    return Status::ok();
  });
  ASSERT_TRUE(st.isOk()) << st.message();
  ProxyState state = initialState();
  ASSERT_TRUE(sync(state, ChangeSet{}).isOk());

  // 40 connections to the cluster IP land on both backends (each has p=1/2 per try).
  std::map<uint16_t, int> got;
  for (int i = 0; i < 40; ++i) {
    int err = 0;
    ASSERT_TRUE(ns_->run([&]() -> Status {
                     err = connectTo("10.96.0.10", 80);
                     return Status::ok();
                   })
                    .isOk());
    ASSERT_EQ(err, 0) << "connect to the cluster IP: " << errnoName(err);
    for (auto& [port, fd] : listeners) got[port] += drain(fd.get());
  }
  EXPECT_EQ(got[18081] + got[18082], 40);
  EXPECT_GT(got[18081], 0);
  EXPECT_GT(got[18082], 0);

  // The Service without endpoints rejects: connection refused, not a timeout.
  int err = 0;
  ASSERT_TRUE(ns_->run([&]() -> Status {
                   err = connectTo("10.96.0.12", 80);
                   return Status::ok();
                 })
                  .isOk());
  EXPECT_EQ(err, ECONNREFUSED) << errnoName(err);

  // One endpoint goes (a partial sync): new connections only reach the other.
  state.endpoints[spn("default", "web")] = {ready("192.0.2.1", 18082)};
  ASSERT_TRUE(sync(state, ChangeSet{.full = false, .services = {spn("default", "web")}}).isOk());
  got.clear();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(ns_->run([&]() -> Status {
                     err = connectTo("10.96.0.10", 80);
                     return Status::ok();
                   })
                    .isOk());
    ASSERT_EQ(err, 0) << errnoName(err);
    for (auto& [port, fd] : listeners) got[port] += drain(fd.get());
  }
  EXPECT_EQ(got[18081], 0);
  EXPECT_EQ(got[18082], 10);
  ASSERT_TRUE(cleanup().isOk());
}

TEST_P(IptablesProxierTest, Ipv6) {
  auto proxier = newIptablesProxier(
      IpFamily::kIpv6, nf::makeExecIptablesRunner(GetParam().variant, std::chrono::seconds(60)));
  ProxyState st;
  st.config.family = IpFamily::kIpv6;
  st.config.cluster_cidrs = {"fd00:10::/64"};
  ServicePortInfo svc;
  svc.name = spn("default", "v6");
  svc.cluster_ip = "fd00:96::10";
  svc.port = 80;
  svc.node_port = 30081;
  st.services[svc.name] = svc;
  st.endpoints[svc.name] = {ready("fd00:10::5", 8080), ready("fd00:10::6", 8080)};
  auto run = [&](auto fn) { return ns_->run([&]() -> Status { return fn(); }); };
  auto save6 = [&](const std::string& table) {
    std::string bin = "ip6" + std::string(GetParam().save).substr(2);  // ip6tables-...-save
    auto r = ns_->exec({bin, "-t", table});
    EXPECT_TRUE(r.ok() && r->exit_code == 0);
    return r.ok() ? r->out : "";
  };
  ASSERT_TRUE(run([&] { return proxier->sync(st, ChangeSet{}); }).isOk());
  std::string nat = save6("nat");
  EXPECT_NE(nat.find("--to-destination [fd00:10::5]:8080"), std::string::npos) << nat;
  EXPECT_NE(nat.find("-A PREROUTING"), std::string::npos);
  // IPv4 tables are untouched by the IPv6 proxier.
  EXPECT_TRUE(ourChains(saved("nat")).empty());

  st.endpoints[svc.name] = {ready("fd00:10::7", 8080)};
  ASSERT_TRUE(run([&] {
                return proxier->sync(st, ChangeSet{.full = false, .services = {svc.name}});
              }).isOk());
  nat = save6("nat");
  EXPECT_EQ(nat.find("fd00:10::5"), std::string::npos);
  EXPECT_NE(nat.find("--to-destination [fd00:10::7]:8080"), std::string::npos) << nat;

  ASSERT_TRUE(run([&] { return proxier->cleanup(); }).isOk());
  EXPECT_EQ(save6("nat").find("ORCH-"), std::string::npos);
  EXPECT_EQ(save6("filter").find("ORCH-"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Variants, IptablesProxierTest,
                         ::testing::Values(Variant{"nft", nf::IptablesVariant::kNft,
                                                   "iptables-nft-save", "iptables-nft"},
                                           Variant{"legacy", nf::IptablesVariant::kLegacy,
                                                   "iptables-legacy-save", "iptables-legacy"}),
                         [](const ::testing::TestParamInfo<Variant>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace orch::proxy
