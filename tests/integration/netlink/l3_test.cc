// Addresses, routes, neighbours, sysctls and real traffic between test namespaces
// joined by a bridge in a third one. Nothing touches the host's namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "common/base/unique_fd.h"
#include "common/netlink/netlink.h"
#include "common/netlink/sysctl.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::netlink {
namespace {

using nlohmann::json;
using orch::testing::NetnsTest;
using orch::testing::TestNetns;

IpAddress ip(const char* s) {
  return IpAddress::parse(s).value();
}
IpPrefix pfx(const char* s) {
  return IpPrefix::parse(s).value();
}

class L3Test : public NetnsTest {
 protected:
  // A namespace with eth0 (veth, up) whose peer "peer0" sits in `other`.
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    a_ = newNetns();
    b_ = newNetns();
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    ASSERT_TRUE(b_->nl()
                    .createVeth({.name = "peer0", .peer_name = "eth0", .peer_netns_fd = a_->fd()})
                    .isOk());
    ASSERT_TRUE(a_->nl().setUp("eth0", true).isOk());
    ASSERT_TRUE(b_->nl().setUp("peer0", true).isOk());
  }
  TestNetns* a_ = nullptr;
  TestNetns* b_ = nullptr;
};

TEST_F(L3Test, AddressesV4AndV6) {
  Netlink& nl = a_->nl();
  ASSERT_TRUE(nl.addAddress("eth0", {.prefix = pfx("10.99.0.2/24"), .broadcast = ip("10.99.0.255")})
                  .isOk());
  ASSERT_TRUE(nl.addAddress("eth0", {.prefix = pfx("fd99::2/64"), .flags = IFA_F_NODAD}).isOk());
  ASSERT_TRUE(
      nl.addAddress("eth0", {.prefix = pfx("10.98.0.2/24"), .flags = IFA_F_NOPREFIXROUTE}).isOk());
  Status dup = nl.addAddress("eth0", {.prefix = pfx("10.99.0.2/24")});
  EXPECT_EQ(dup.code(), EEXIST);
  EXPECT_NE(dup.message().find("add address 10.99.0.2/24 to eth0"), std::string::npos);

  auto v4 = nl.listAddresses("eth0", IpFamily::kV4);
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  std::vector<std::string> got;
  for (const auto& a : *v4) got.push_back(a.prefix.toString());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"10.98.0.2/24", "10.99.0.2/24"}));
  auto v6 = nl.listAddresses("eth0", IpFamily::kV6);
  ASSERT_TRUE(v6.ok());
  auto it = std::find_if(v6->begin(), v6->end(),
                         [](const AddrInfo& a) { return a.prefix.toString() == "fd99::2/64"; });
  ASSERT_NE(it, v6->end());
  EXPECT_TRUE(it->flags & IFA_F_NODAD);
  EXPECT_FALSE(it->flags & IFA_F_TENTATIVE);

  // Independently: ip -j addr show.
  auto j = a_->ipJson({"addr", "show", "dev", "eth0"});
  ASSERT_TRUE(j.ok()) << j.status().message();
  std::vector<std::string> ipview;
  for (const auto& ai : (*j)[0]["addr_info"]) {
    ipview.push_back(ai["local"].get<std::string>() + "/" +
                     std::to_string(ai["prefixlen"].get<int>()));
    if (ai["local"] == "10.99.0.2") {
      EXPECT_EQ(ai["broadcast"], "10.99.0.255");
    }
    if (ai["local"] == "10.98.0.2") {
      EXPECT_EQ(ai.value("noprefixroute", false), true);
    }
  }
  for (const char* want : {"10.99.0.2/24", "10.98.0.2/24", "fd99::2/64"}) {
    EXPECT_NE(std::find(ipview.begin(), ipview.end(), want), ipview.end()) << want;
  }
  // noprefixroute: no 10.98.0.0/24 route appeared.
  auto routes = nl.listRoutes(IpFamily::kV4);
  ASSERT_TRUE(routes.ok());
  for (const auto& r : *routes) {
    EXPECT_FALSE(r.dst && r.dst->toString() == "10.98.0.0/24") << r.describe();
  }

  ASSERT_TRUE(nl.delAddress("eth0", pfx("10.99.0.2/24")).isOk());
  ASSERT_TRUE(nl.delAddress("eth0", pfx("fd99::2/64")).isOk());
  EXPECT_EQ(nl.delAddress("eth0", pfx("10.99.0.2/24")).code(), EADDRNOTAVAIL);
  v4 = nl.listAddresses("eth0", IpFamily::kV4);
  ASSERT_TRUE(v4.ok());
  ASSERT_EQ(v4->size(), 1u);
  EXPECT_EQ((*v4)[0].prefix.toString(), "10.98.0.2/24");
}

TEST_F(L3Test, RoutesIncludingDefaults) {
  Netlink& nl = a_->nl();
  ASSERT_TRUE(nl.addAddress("eth0", {.prefix = pfx("10.99.0.2/24")}).isOk());
  ASSERT_TRUE(nl.addAddress("eth0", {.prefix = pfx("fd99::2/64"), .flags = IFA_F_NODAD}).isOk());

  Status st = nl.addRoute({.gateway = ip("10.99.0.1"), .dev = "eth0"});
  ASSERT_TRUE(st.isOk()) << st.message();
  st = nl.addRoute({.gateway = ip("fd99::1"), .dev = "eth0"});
  ASSERT_TRUE(st.isOk()) << st.message();
  st = nl.addRoute({.dst = pfx("10.100.0.0/16"),
                    .gateway = ip("10.99.0.1"),
                    .priority = 50,
                    .src = ip("10.99.0.2"),
                    .mtu = 1300});
  ASSERT_TRUE(st.isOk()) << st.message();
  st = nl.addRoute({.dst = pfx("10.101.0.0/16"), .dev = "eth0", .table = 100});
  ASSERT_TRUE(st.isOk()) << st.message();
  Status dup = nl.addRoute({.gateway = ip("10.99.0.1"), .dev = "eth0"});
  EXPECT_EQ(dup.code(), EEXIST);
  EXPECT_NE(dup.message().find("add route default via 10.99.0.1 dev eth0"), std::string::npos)
      << dup.message();
  EXPECT_EQ(nl.addRoute({.dev = "eth0"}).code(), EINVAL);  // no family
  EXPECT_EQ(nl.addRoute({.dst = pfx("10.0.0.0/8"), .gateway = ip("fd99::1")}).code(), EINVAL);

  auto v4 = nl.listRoutes(IpFamily::kV4);
  ASSERT_TRUE(v4.ok()) << v4.status().message();
  auto find = [](const std::vector<Route>& rs, const std::string& dst) -> const Route* {
    for (const auto& r : rs) {
      if ((r.dst ? r.dst->toString() : "default") == dst) return &r;
    }
    return nullptr;
  };
  const Route* def = find(*v4, "default");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->gateway, ip("10.99.0.1"));
  EXPECT_EQ(def->dev, "eth0");
  const Route* r100 = find(*v4, "10.100.0.0/16");
  ASSERT_NE(r100, nullptr);
  EXPECT_EQ(r100->priority, 50u);
  EXPECT_EQ(r100->mtu, 1300u);
  EXPECT_EQ(r100->src, ip("10.99.0.2"));
  const Route* link = find(*v4, "10.99.0.0/24");  // the kernel's prefix route
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(link->scope, RT_SCOPE_LINK);
  EXPECT_EQ(find(*v4, "10.101.0.0/16"), nullptr);  // other table
  auto t100 = nl.listRoutes(IpFamily::kV4, 100);
  ASSERT_TRUE(t100.ok());
  ASSERT_NE(find(*t100, "10.101.0.0/16"), nullptr);
  auto v6 = nl.listRoutes(IpFamily::kV6);
  ASSERT_TRUE(v6.ok());
  const Route* def6 = find(*v6, "default");
  ASSERT_NE(def6, nullptr);
  EXPECT_EQ(def6->gateway, ip("fd99::1"));

  // Independently.
  auto j = a_->ipJson({"route", "show"});
  ASSERT_TRUE(j.ok());
  bool saw_def = false, saw_100 = false;
  for (const auto& r : *j) {
    if (r["dst"] == "default") {
      saw_def = true;
      EXPECT_EQ(r["gateway"], "10.99.0.1");
      EXPECT_EQ(r["dev"], "eth0");
    }
    if (r["dst"] == "10.100.0.0/16") {
      saw_100 = true;
      EXPECT_EQ(r["metric"], 50);
      EXPECT_EQ(r["prefsrc"], "10.99.0.2");
    }
  }
  EXPECT_TRUE(saw_def);
  EXPECT_TRUE(saw_100);
  auto j6 = a_->ipJson({"-6", "route", "show", "default"});
  ASSERT_TRUE(j6.ok());
  ASSERT_EQ(j6->size(), 1u);
  EXPECT_EQ((*j6)[0]["gateway"], "fd99::1");

  // Replace changes the gateway in place; delete removes.
  st = nl.replaceRoute({.dst = pfx("10.100.0.0/16"), .gateway = ip("10.99.0.3"), .priority = 50});
  ASSERT_TRUE(st.isOk()) << st.message();
  v4 = nl.listRoutes(IpFamily::kV4);
  ASSERT_TRUE(v4.ok());
  r100 = find(*v4, "10.100.0.0/16");
  ASSERT_NE(r100, nullptr);
  EXPECT_EQ(r100->gateway, ip("10.99.0.3"));
  ASSERT_TRUE(nl.delRoute({.dst = pfx("10.100.0.0/16"), .priority = 50}).isOk());
  ASSERT_TRUE(nl.delRoute({.family = IpFamily::kV4}).isOk());  // the default
  EXPECT_EQ(nl.delRoute({.family = IpFamily::kV4}).code(), ESRCH);
  v4 = nl.listRoutes(IpFamily::kV4);
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(find(*v4, "10.100.0.0/16"), nullptr);
  EXPECT_EQ(find(*v4, "default"), nullptr);
  j = a_->ipJson({"route", "show", "default"});
  ASSERT_TRUE(j.ok());
  EXPECT_TRUE(j->empty());
}

TEST_F(L3Test, StaticNeighbors) {
  Netlink& nl = a_->nl();
  ASSERT_TRUE(
      nl.addNeighbor({.dev = "eth0", .ip = ip("10.99.0.7"), .mac = "02:00:00:00:00:07"}).isOk());
  ASSERT_TRUE(
      nl.addNeighbor({.dev = "eth0", .ip = ip("fd99::7"), .mac = "02:00:00:00:00:77"}).isOk());
  // Replacing is allowed.
  ASSERT_TRUE(
      nl.addNeighbor({.dev = "eth0", .ip = ip("10.99.0.7"), .mac = "02:00:00:00:00:08"}).isOk());
  auto all = nl.listNeighbors("eth0", std::nullopt);
  ASSERT_TRUE(all.ok()) << all.status().message();
  auto v4 = std::find_if(all->begin(), all->end(), [](auto& n) { return n.ip.isV4(); });
  ASSERT_NE(v4, all->end());
  EXPECT_EQ(v4->mac, "02:00:00:00:00:08");
  EXPECT_EQ(v4->state, NUD_PERMANENT);
  EXPECT_EQ(v4->dev, "eth0");
  auto j = a_->ipJson({"neigh", "show", "dev", "eth0"});
  ASSERT_TRUE(j.ok());
  int seen = 0;
  for (const auto& n : *j) {
    if (n["dst"] == "10.99.0.7") {
      ++seen;
      EXPECT_EQ(n["lladdr"], "02:00:00:00:00:08");
    }
    if (n["dst"] == "fd99::7") ++seen;
  }
  EXPECT_EQ(seen, 2);
  ASSERT_TRUE(nl.delNeighbor("eth0", ip("10.99.0.7")).isOk());
  auto v6only = nl.listNeighbors("eth0", IpFamily::kV4);
  ASSERT_TRUE(v6only.ok());
  EXPECT_TRUE(v6only->empty());
  EXPECT_EQ(nl.addNeighbor({.dev = "eth0", .ip = ip("10.99.0.8"), .mac = "zz"}).code(), EINVAL);
}

TEST_F(L3Test, SysctlsAreNamespaced) {
  auto host = readSysctl("net.ipv4.ip_forward");
  ASSERT_TRUE(host.ok()) << host.status().message();
  std::string flipped = *host == "1" ? "0" : "1";
  Status st = a_->run([&]() -> Status {
    ORCH_RETURN_IF_ERROR(writeSysctl("net.ipv4.ip_forward", flipped));
    ORCH_RETURN_IF_ERROR(writeInterfaceSysctl(IpFamily::kV6, "eth0", "accept_dad", "0"));
    return writeInterfaceSysctl(IpFamily::kV4, "eth0", "arp_notify", "1");
  });
  ASSERT_TRUE(st.isOk()) << st.message();
  auto inside = a_->run([]() { return readSysctl("net.ipv4.ip_forward"); });
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(*inside, flipped);
  EXPECT_EQ(readSysctl("net.ipv4.ip_forward").value(), *host);  // the host's is untouched

  auto r = a_->exec({"sysctl", "-n", "net.ipv6.conf.eth0.accept_dad",
                     "net.ipv4.conf.eth0.arp_notify", "net.ipv4.ip_forward"});
  ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
  EXPECT_EQ(r->out, "0\n1\n" + flipped + "\n");

  auto missing =
      a_->run([]() { return readInterfaceSysctl(IpFamily::kV4, "nosuch0", "arp_notify"); });
  EXPECT_EQ(missing.status().code(), ENOENT);
}

// A listening TCP socket made inside `t` (sockets keep the namespace they were born in,
// so the test thread can accept on it afterwards).
Result<UniqueFd> listenIn(TestNetns* t, const IpAddress& addr, uint16_t port) {
  return t->run([&]() -> Result<UniqueFd> {
    int af = toAf(addr.family());
    UniqueFd fd(::socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return Status::fromErrno("socket");
    sockaddr_storage ss{};
    socklen_t len;
    if (addr.isV4()) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      std::memcpy(&sin->sin_addr, addr.data(), 4);
      len = sizeof(*sin);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      std::memcpy(&sin6->sin6_addr, addr.data(), 16);
      len = sizeof(*sin6);
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return Status::fromErrno("bind " + addr.toString());
    }
    if (::listen(fd.get(), 4) != 0) return Status::fromErrno("listen");
    return fd;
  });
}

// Connects from inside `t` to addr:port and sends `msg`; gives up after `wait_ms`.
Status sendFrom(TestNetns* t, const IpAddress& addr, uint16_t port, const std::string& msg,
                int wait_ms) {
  return t->run([&]() -> Status {
    int af = toAf(addr.family());
    UniqueFd fd(::socket(af, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd) return Status::fromErrno("socket");
    sockaddr_storage ss{};
    socklen_t len;
    if (addr.isV4()) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      sin->sin_port = htons(port);
      std::memcpy(&sin->sin_addr, addr.data(), 4);
      len = sizeof(*sin);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(port);
      std::memcpy(&sin6->sin6_addr, addr.data(), 16);
      len = sizeof(*sin6);
    }
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
      return Status::fromErrno("connect " + addr.toString());
    }
    pollfd p{.fd = fd.get(), .events = POLLOUT};
    int n = ::poll(&p, 1, wait_ms);
    if (n == 0) return Status::timeout("connect " + addr.toString());
    int err = 0;
    socklen_t elen = sizeof(err);
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
    if (err != 0) return Status::error(err, "connect " + addr.toString());
    if (::send(fd.get(), msg.data(), msg.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(msg.size())) {
      return Status::fromErrno("send");
    }
    return Status::ok();
  });
}

std::string acceptAndRead(int listen_fd) {
  UniqueFd c(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
  if (!c) return "accept: " + errnoName(errno);
  char buf[64];
  ssize_t n = ::recv(c.get(), buf, sizeof(buf), 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "recv failed";
}

// Two "pods" (B, C) with eth0 each, joined by bridge br0 in a third namespace (A).
class BridgedPodsTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    for (auto** t : {&a_, &b_, &c_}) {
      *t = newNetns();
      ASSERT_NE(*t, nullptr);
    }
    Netlink& nl = a_->nl();
    ASSERT_TRUE(nl.createBridge({.name = "br0"}).isOk());
    ASSERT_TRUE(nl.setUp("br0", true).isOk());
    int n = 0;
    for (TestNetns* pod : {b_, c_}) {
      std::string host = "vpod" + std::to_string(n);
      ASSERT_TRUE(
          nl.createVeth({.name = host, .peer_name = "eth0", .peer_netns_fd = pod->fd()}).isOk());
      ASSERT_TRUE(nl.setMaster(host, "br0").isOk());
      ASSERT_TRUE(nl.setUp(host, true).isOk());
      ASSERT_TRUE(pod->nl().setUp("eth0", true).isOk());
      std::string v4 = "10.99.1." + std::to_string(2 + n) + "/24";
      std::string v6 = "fd99:1::" + std::to_string(2 + n) + "/64";
      ASSERT_TRUE(pod->nl().addAddress("eth0", {.prefix = pfx(v4.c_str())}).isOk());
      ASSERT_TRUE(
          pod->nl().addAddress("eth0", {.prefix = pfx(v6.c_str()), .flags = IFA_F_NODAD}).isOk());
      ++n;
    }
  }
  TestNetns* a_ = nullptr;
  TestNetns* b_ = nullptr;
  TestNetns* c_ = nullptr;
};

TEST_F(BridgedPodsTest, TrafficCrossesTheBridgeV4AndV6) {
  for (const char* dst : {"10.99.1.3", "fd99:1::3"}) {
    auto l = listenIn(c_, ip(dst), 7777);
    ASSERT_TRUE(l.ok()) << l.status().message();
    // Generous bound: the bridge port must first reach forwarding state (no STP: at once).
    Status st = sendFrom(b_, ip(dst), 7777, std::string("hello ") + dst, 10000);
    ASSERT_TRUE(st.isOk()) << st.message();
    EXPECT_EQ(acceptAndRead(l->get()), std::string("hello ") + dst);
  }
  // The library sees what the kernel learned: C's MAC in B's neighbour table.
  auto c_mac = c_->nl().getLink("eth0");
  ASSERT_TRUE(c_mac.ok());
  auto neigh = b_->nl().listNeighbors("eth0", IpFamily::kV4);
  ASSERT_TRUE(neigh.ok());
  ASSERT_EQ(neigh->size(), 1u);
  EXPECT_EQ((*neigh)[0].ip, ip("10.99.1.3"));
  EXPECT_EQ((*neigh)[0].mac, c_mac->mac);
}

TEST_F(BridgedPodsTest, IsolatedPortsCannotTalk) {
  ASSERT_TRUE(a_->nl().setBridgePortFlags("vpod0", {.isolated = true}).isOk());
  ASSERT_TRUE(a_->nl().setBridgePortFlags("vpod1", {.isolated = true}).isOk());
  auto l = listenIn(c_, ip("10.99.1.3"), 7778);
  ASSERT_TRUE(l.ok()) << l.status().message();
  Status st = sendFrom(b_, ip("10.99.1.3"), 7778, "x", 3000);
  EXPECT_FALSE(st.isOk());
  // Lift isolation on one port: traffic flows again.
  ASSERT_TRUE(a_->nl().setBridgePortFlags("vpod1", {.isolated = false}).isOk());
  // B's failed ARP entry for C would answer EHOSTUNREACH for a while: drop it.
  (void)b_->nl().delNeighbor("eth0", ip("10.99.1.3"));
  st = sendFrom(b_, ip("10.99.1.3"), 7778, "again", 10000);
  ASSERT_TRUE(st.isOk()) << st.message();
  // The first (failed) attempt may have left a half-open connection in the backlog.
  std::string got = acceptAndRead(l->get());
  if (got != "again") got = acceptAndRead(l->get());
  EXPECT_EQ(got, "again");
}

}  // namespace
}  // namespace orch::netlink
