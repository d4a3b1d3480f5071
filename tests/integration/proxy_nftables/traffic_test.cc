// Real TCP traffic through the nftables Proxier's rules: a node namespace (dead-end
// uplink) with a backend namespace (10.244.1.5), a pod-like client (10.244.2.5) and an
// outside client (172.16.0.5) on veths. Checks DNAT through a ClusterIP and a NodePort,
// masquerade for the outside client only, and a reset for a Service without endpoints.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <atomic>
#include <thread>

#include "common/base/unique_fd.h"
#include "common/netfilter/nft_ops.h"
#include "proxy/nftables/nftables_proxier.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"

namespace orch::proxy {
namespace {

sockaddr_in sockaddr4(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// Accepts connections on :8080 inside `ns` until stopped; answers each with the address
// it sees the client at.
class PeerEchoServer {
 public:
  explicit PeerEchoServer(testing::TestNetns* ns) {
    thread_ = std::thread([this, ns] {
      status_ = ns->run([this]() -> Status {
        UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        int one = 1;
        setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a = sockaddr4("0.0.0.0", 8080);
        if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
            listen(fd.get(), 16) != 0) {
          listening_ = true;
          return Status::fromErrno("listen on :8080");
        }
        listening_ = true;
        while (!stop_) {
          pollfd p{fd.get(), POLLIN, 0};
          if (poll(&p, 1, 50) <= 0) continue;
          sockaddr_in peer{};
          socklen_t len = sizeof peer;
          UniqueFd c(accept4(fd.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
          if (!c) continue;
          char buf[INET_ADDRSTRLEN] = {};
          inet_ntop(AF_INET, &peer.sin_addr, buf, sizeof buf);
          std::string text = buf;
          (void)!write(c.get(), text.data(), text.size());
        }
        return Status::ok();
      });
    });
    while (!listening_) std::this_thread::yield();
  }
  ~PeerEchoServer() { (void)stop(); }
  Status stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return status_;
  }

 private:
  std::atomic<bool> stop_{false}, listening_{false};
  Status status_;
  std::thread thread_;
};

// Connects from inside `ns` and returns what the server said (its view of our address).
Result<std::string> fetch(testing::TestNetns* ns, const std::string& ip, uint16_t port) {
  return ns->run([&]() -> Result<std::string> {
    UniqueFd fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval tv{5, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a = sockaddr4(ip, port);
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      return Status::fromErrno("connect to " + ip + ":" + std::to_string(port));
    }
    std::string out;
    char buf[128];
    ssize_t n;
    while ((n = read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  });
}

class NftablesTrafficTest : public testing::NetnsTest {};

TEST_F(NftablesTrafficTest, ClusterIpAndNodePortReachTheBackend) {
  auto* node = newNetns();
  auto* backend = newNetns();
  auto* pod = newNetns();
  auto* outside = newNetns();
  ASSERT_TRUE(node && backend && pod && outside);
  ASSERT_TRUE(testing::addDeadEndUplink(*node).isOk());
  struct Link {
    testing::TestNetns* peer;
    std::string node_if, node_addr, peer_addr, gateway;
  };
  for (const Link& l : {Link{backend, "vb0", "10.244.1.1/24", "10.244.1.5/24", "10.244.1.1"},
                        Link{pod, "vp0", "10.244.2.1/24", "10.244.2.5/24", "10.244.2.1"},
                        Link{outside, "vo0", "172.16.0.1/24", "172.16.0.5/24", "172.16.0.1"}}) {
    ASSERT_TRUE(node->ip({"link", "add", l.node_if, "type", "veth", "peer", "name", "eth0", "netns",
                          l.peer->name()})
                    .isOk());
    ASSERT_TRUE(node->ip({"addr", "add", l.node_addr, "dev", l.node_if}).isOk());
    ASSERT_TRUE(node->ip({"link", "set", l.node_if, "up"}).isOk());
    ASSERT_TRUE(l.peer->ip({"addr", "add", l.peer_addr, "dev", "eth0"}).isOk());
    ASSERT_TRUE(l.peer->ip({"link", "set", "eth0", "up"}).isOk());
    ASSERT_TRUE(l.peer->ip({"route", "add", "default", "via", l.gateway}).isOk());
  }
  auto fwd = node->exec({"sysctl", "-w", "net.ipv4.ip_forward=1"});
  ASSERT_TRUE(fwd.ok() && fwd->exit_code == 0);

  auto ops = node->run([] { return netfilter::openMnlNftOps(); });
  ASSERT_TRUE(ops.ok()) << ops.status().message();
  auto proxier = newNftablesProxier(IpFamily::kIpv4, std::move(*ops));
  ProxyState s;
  s.config.cluster_cidrs = {"10.244.0.0/16"};
  s.node.node_port_all_local = true;
  ServicePortInfo web;
  web.name = ServicePortName{"default", "web", "", Protocol::kTcp};
  web.cluster_ip = "10.96.0.10";
  web.port = 80;
  web.node_port = 30080;
  EndpointInfo ep;
  ep.ip = "10.244.1.5";
  ep.port = 8080;
  ep.ready = ep.serving = true;
  s.services[web.name] = web;
  s.endpoints[web.name] = {ep};
  ServicePortInfo empty = web;
  empty.name.name = "empty";
  empty.cluster_ip = "10.96.0.99";
  empty.node_port = 0;
  s.services[empty.name] = empty;
  // externalTrafficPolicy Local with the (local) backend.
  ServicePortInfo local = web;
  local.name.name = "local";
  local.cluster_ip = "10.96.0.11";
  local.node_port = 30081;
  local.external_policy_local = true;
  s.services[local.name] = local;
  EndpointInfo local_ep = ep;
  local_ep.is_local = true;
  s.endpoints[local.name] = {local_ep};
  Status st = proxier->sync(s, ChangeSet{});
  ASSERT_TRUE(st.isOk()) << st.message();

  PeerEchoServer server(backend);
  // A pod reaches the ClusterIP and keeps its address.
  auto r = fetch(pod, "10.96.0.10", 80);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "10.244.2.5");
  // From outside the cluster CIDR: masqueraded to the node's address toward the backend.
  r = fetch(outside, "10.96.0.10", 80);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "10.244.1.1");
  r = fetch(outside, "172.16.0.1", 30080);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "10.244.1.1");
  // Local policy: the outside client's address is kept; pods reach it too.
  r = fetch(outside, "172.16.0.1", 30081);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "172.16.0.5");
  r = fetch(pod, "172.16.0.1", 30081);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "10.244.2.5");
  // No endpoints: refused at once (TCP reset), not a timeout.
  r = fetch(pod, "10.96.0.99", 80);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ECONNREFUSED) << r.status().message();

  // The endpoint goes away: the ClusterIP now rejects too.
  ProxyState b = s;
  b.endpoints.erase(web.name);
  st = proxier->sync(b, ChangeSet{false, {web.name}});
  ASSERT_TRUE(st.isOk()) << st.message();
  r = fetch(pod, "10.96.0.10", 80);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ECONNREFUSED) << r.status().message();

  // nft itself can read back everything we wrote (its decoder is stricter than the kernel).
  auto listing = node->exec({"nft", "list", "ruleset"});
  ASSERT_TRUE(listing.ok());
  EXPECT_EQ(listing->exit_code, 0) << listing->err;
  EXPECT_NE(listing->out.find("fib saddr type local"), std::string::npos) << listing->out;

  EXPECT_TRUE(server.stop().isOk());
  EXPECT_TRUE(proxier->cleanup().isOk());
}

}  // namespace
}  // namespace orch::proxy
