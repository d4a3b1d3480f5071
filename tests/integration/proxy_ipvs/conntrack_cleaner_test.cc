// The ctnetlink conntrack cleaner against the kernel's conntrack table of a private
// network namespace: entries are created with ctnetlink (NFCT_Q_CREATE), the cleaner
// runs, and an independent dump shows which remain.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nf_conntrack_tcp.h>

#include <cstring>
#include <set>
#include <string>

#include "proxy/conntrack/ctnetlink_conntrack_cleaner.h"
#include "support/netns/netns_fixture.h"
#include "support/netns/node_namespace.h"
#include "support/proxy_state_builder.h"

namespace orch::proxy {
namespace {

using testing::addService;
using testing::ready;
using testing::spn;

struct Tuple {
  uint8_t proto;
  std::string src;
  uint16_t sport;
  std::string dst;
  uint16_t dport;
  std::string reply_src;  // the DNAT target ("" = dst: not NATed)
  uint16_t reply_sport = 0;
};

// "udp 10.0.0.1:1000>10.96.0.10:53" for the original direction.
std::string label(uint8_t proto, const std::string& src, uint16_t sport, const std::string& dst,
                  uint16_t dport) {
  std::string p = proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_TCP ? "tcp" : "other";
  return p + " " + src + ":" + std::to_string(sport) + ">" + dst + ":" + std::to_string(dport);
}

void setAddr(nf_conntrack* ct, bool v6, nf_conntrack_attr a4, nf_conntrack_attr a6,
             const std::string& text) {
  if (v6) {
    in6_addr a{};
    inet_pton(AF_INET6, text.c_str(), &a);
    nfct_set_attr(ct, a6, &a);
  } else {
    in_addr a{};
    inet_pton(AF_INET, text.c_str(), &a);
    nfct_set_attr_u32(ct, a4, a.s_addr);
  }
}

// Creates one conntrack entry in the calling thread's namespace.
Status createEntry(const Tuple& t) {
  bool v6 = t.src.find(':') != std::string::npos;
  nfct_handle* h = nfct_open(CONNTRACK, 0);
  if (h == nullptr) return Status::fromErrno("nfct_open");
  nf_conntrack* ct = nfct_new();
  nfct_set_attr_u8(ct, ATTR_L3PROTO, v6 ? AF_INET6 : AF_INET);
  setAddr(ct, v6, ATTR_IPV4_SRC, ATTR_IPV6_SRC, t.src);
  setAddr(ct, v6, ATTR_IPV4_DST, ATTR_IPV6_DST, t.dst);
  nfct_set_attr_u8(ct, ATTR_L4PROTO, t.proto);
  nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(t.sport));
  nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(t.dport));
  nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
  if (!t.reply_src.empty()) {
    setAddr(ct, v6, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC, t.reply_src);
    nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(t.reply_sport));
  }
  if (t.proto == IPPROTO_TCP) nfct_set_attr_u8(ct, ATTR_TCP_STATE, TCP_CONNTRACK_ESTABLISHED);
  nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
  int r = nfct_query(h, NFCT_Q_CREATE, ct);
  Status st = r < 0 ? Status::fromErrno("create conntrack entry " +
                                        label(t.proto, t.src, t.sport, t.dst, t.dport))
                    : Status::ok();
  nfct_destroy(ct);
  nfct_close(h);
  return st;
}

int collect(nf_conntrack_msg_type, nf_conntrack* ct, void* data) {
  auto* out = static_cast<std::set<std::string>*>(data);
  bool v6 = nfct_get_attr_u8(ct, ATTR_L3PROTO) == AF_INET6;
  char src[INET6_ADDRSTRLEN] = {}, dst[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, nfct_get_attr(ct, v6 ? ATTR_IPV6_SRC : ATTR_IPV4_SRC), src,
            sizeof(src));
  inet_ntop(v6 ? AF_INET6 : AF_INET, nfct_get_attr(ct, v6 ? ATTR_IPV6_DST : ATTR_IPV4_DST), dst,
            sizeof(dst));
  out->insert(label(nfct_get_attr_u8(ct, ATTR_L4PROTO), src,
                    ntohs(nfct_get_attr_u16(ct, ATTR_PORT_SRC)), dst,
                    ntohs(nfct_get_attr_u16(ct, ATTR_PORT_DST))));
  return NFCT_CB_CONTINUE;
}

// Every entry of the calling thread's namespace (both families).
Result<std::set<std::string>> dumpEntries() {
  std::set<std::string> out;
  nfct_handle* h = nfct_open(CONNTRACK, 0);
  if (h == nullptr) return Status::fromErrno("nfct_open");
  nfct_callback_register(h, NFCT_T_ALL, collect, &out);
  uint32_t family = AF_UNSPEC;
  int r = nfct_query(h, NFCT_Q_DUMP, &family);
  Status st = r < 0 ? Status::fromErrno("dump conntrack") : Status::ok();
  nfct_close(h);
  if (!st.isOk()) return st;
  return out;
}

class ConntrackCleanerTest : public orch::testing::NodeNetnsTest {
 protected:
  void create(const std::vector<Tuple>& tuples) {
    Status st = ns_->run([&]() -> Status {
      for (const auto& t : tuples) ORCH_RETURN_IF_ERROR(createEntry(t));
      return Status::ok();
    });
    ASSERT_TRUE(st.isOk()) << st.message();
  }

  std::set<std::string> entries() {
    auto r = ns_->run([] { return dumpEntries(); });
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::set<std::string>{};
  }

  Status clean(const ProxyState& state) {
    return ns_->run([&] { return newCtnetlinkConntrackCleaner()->cleanStaleEntries(state); });
  }
};

TEST_F(ConntrackCleanerTest, DeletesStaleUdpEntriesOnly) {
  ProxyState state;
  auto& dns = addService(state, spn("dns"), "10.96.0.10", 53, {ready("10.244.0.5", 5353, true)});
  dns.node_port = 30053;
  create({
      {IPPROTO_UDP, "10.0.0.1", 1000, "10.96.0.10", 53, "10.244.0.5", 5353},  // live endpoint
      {IPPROTO_UDP, "10.0.0.1", 1001, "10.96.0.10", 53, "10.244.0.6", 5353},  // gone endpoint
      {IPPROTO_UDP, "10.0.0.1", 1002, "10.96.0.10", 53, "", 0},               // never DNATed
      {IPPROTO_UDP, "10.0.0.1", 1003, "192.0.2.1", 30053, "", 0},             // node port
      {IPPROTO_UDP, "10.0.0.1", 1004, "192.0.2.1", 30053, "10.244.0.5", 5353},
      {IPPROTO_UDP, "10.0.0.1", 1005, "10.1.1.1", 53, "", 0},    // not a Service
      {IPPROTO_TCP, "10.0.0.1", 1006, "10.96.0.10", 53, "", 0},  // TCP: left alone
      {IPPROTO_UDP, "fd00::1", 1007, "fd00:96::a", 53, "", 0},   // other family
  });
  std::set<std::string> before = entries();
  ASSERT_EQ(before.size(), 8u);

  Status st = clean(state);
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(entries(), (std::set<std::string>{
                           "udp 10.0.0.1:1000>10.96.0.10:53",
                           "udp 10.0.0.1:1004>192.0.2.1:30053",
                           "udp 10.0.0.1:1005>10.1.1.1:53",
                           "tcp 10.0.0.1:1006>10.96.0.10:53",
                           "udp fd00::1:1007>fd00:96::a:53",
                       }));

  // Idempotent.
  st = clean(state);
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(entries().size(), 5u);

  // The endpoint goes: its entries go too.
  state.endpoints[spn("dns")].clear();
  st = clean(state);
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(entries(), (std::set<std::string>{
                           "udp 10.0.0.1:1005>10.1.1.1:53",
                           "tcp 10.0.0.1:1006>10.96.0.10:53",
                           "udp fd00::1:1007>fd00:96::a:53",
                       }));
}

TEST_F(ConntrackCleanerTest, Ipv6) {
  ProxyState state;
  state.config.family = IpFamily::kIpv6;
  addService(state, spn("dns6"), "fd00:96::a", 53, {ready("fd00:244::5", 5353, true)});
  create({
      {IPPROTO_UDP, "fd00::1", 2000, "fd00:96::a", 53, "fd00:244::5", 5353},
      {IPPROTO_UDP, "fd00::1", 2001, "fd00:96::a", 53, "", 0},
      {IPPROTO_UDP, "10.0.0.1", 2002, "10.96.0.10", 53, "", 0},
  });
  Status st = clean(state);
  ASSERT_TRUE(st.isOk()) << st.message();
  EXPECT_EQ(entries(), (std::set<std::string>{
                           "udp fd00::1:2000>fd00:96::a:53",
                           "udp 10.0.0.1:2002>10.96.0.10:53",
                       }));
}

TEST_F(ConntrackCleanerTest, NothingToDoWithoutUdpServices) {
  create({{IPPROTO_UDP, "10.0.0.1", 3000, "10.96.0.10", 53, "", 0}});
  ProxyState state;
  addService(state, spn("web", Protocol::kTcp), "10.96.0.10", 53, {});
  ASSERT_TRUE(clean(state).isOk());
  EXPECT_EQ(entries().size(), 1u);
}

}  // namespace
}  // namespace orch::proxy
