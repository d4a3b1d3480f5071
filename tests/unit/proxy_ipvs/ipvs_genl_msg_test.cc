// The IPVS generic netlink messages, parsed back with libnl: the encoding the kernel's
// ip_vs_genl_parse_service/_dest expects, tested without a kernel.

#include "proxy/ipvs/ipvs_genl_msg.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <cstring>
#include <string>

namespace orch::proxy::ipvs_genl {
namespace {

constexpr int kFamily = 0x42;

VirtualServer udpDns() {
  return VirtualServer{.family = IpFamily::kIpv4,
                       .address = "10.96.0.10",
                       .protocol = Protocol::kUdp,
                       .port = 53,
                       .scheduler = "lc",
                       .flags = IP_VS_SVC_F_PERSISTENT,
                       .timeout_s = 10800};
}

// The parsed top-level attributes of a built message, plus its header.
struct Parsed {
  nlmsghdr* hdr = nullptr;
  genlmsghdr* genl = nullptr;
  nlattr* tb[IPVS_CMD_ATTR_MAX + 1] = {};
  nlattr* svc[IPVS_SVC_ATTR_MAX + 1] = {};
  nlattr* dst[IPVS_DEST_ATTR_MAX + 1] = {};
};

Parsed parse(nl_msg* msg) {
  Parsed p;
  p.hdr = nlmsg_hdr(msg);
  p.genl = static_cast<genlmsghdr*>(nlmsg_data(p.hdr));
  EXPECT_EQ(genlmsg_parse(p.hdr, 0, p.tb, IPVS_CMD_ATTR_MAX, nullptr), 0);
  if (p.tb[IPVS_CMD_ATTR_SERVICE]) {
    EXPECT_EQ(nla_parse_nested(p.svc, IPVS_SVC_ATTR_MAX, p.tb[IPVS_CMD_ATTR_SERVICE], nullptr), 0);
  }
  if (p.tb[IPVS_CMD_ATTR_DEST]) {
    EXPECT_EQ(nla_parse_nested(p.dst, IPVS_DEST_ATTR_MAX, p.tb[IPVS_CMD_ATTR_DEST], nullptr), 0);
  }
  return p;
}

std::string bytesOf(const nlattr* a) {
  return std::string(static_cast<const char*>(nla_data(a)), static_cast<size_t>(nla_len(a)));
}

std::string v4(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return std::string(reinterpret_cast<const char*>(&a), 4);
}

std::string v6(const char* text) {
  in6_addr a{};
  inet_pton(AF_INET6, text, &a);
  return std::string(reinterpret_cast<const char*>(&a), 16);
}

TEST(IpvsGenlMsg, NewServiceCarriesTheFullServiceAttribute) {
  auto msg = serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, udpDns());
  ASSERT_TRUE(msg.ok()) << msg.status().message();
  Parsed p = parse(msg->get());
  EXPECT_EQ(p.hdr->nlmsg_type, kFamily);
  EXPECT_EQ(p.genl->cmd, IPVS_CMD_NEW_SERVICE);
  EXPECT_EQ(p.genl->version, IPVS_GENL_VERSION);
  EXPECT_EQ(p.tb[IPVS_CMD_ATTR_DEST], nullptr);
  ASSERT_NE(p.tb[IPVS_CMD_ATTR_SERVICE], nullptr);
  ASSERT_NE(p.svc[IPVS_SVC_ATTR_AF], nullptr);
  EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_AF]), AF_INET);
  EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_UDP);
  EXPECT_EQ(bytesOf(p.svc[IPVS_SVC_ATTR_ADDR]), v4("10.96.0.10"));
  EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_PORT]), htons(53));
  EXPECT_STREQ(nla_get_string(p.svc[IPVS_SVC_ATTR_SCHED_NAME]), "lc");
  ASSERT_EQ(nla_len(p.svc[IPVS_SVC_ATTR_FLAGS]), static_cast<int>(sizeof(ip_vs_flags)));
  ip_vs_flags flags;
  std::memcpy(&flags, nla_data(p.svc[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
  EXPECT_EQ(flags.flags, uint32_t{IP_VS_SVC_F_PERSISTENT});
  EXPECT_EQ(flags.mask, ~0u);
  EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_TIMEOUT]), 10800u);
  EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_NETMASK]), 0xffffffffu);
  EXPECT_EQ(p.svc[IPVS_SVC_ATTR_FWMARK], nullptr);
}

TEST(IpvsGenlMsg, SetServiceIsFullAndDeleteServiceCarriesOnlyTheKey) {
  auto set = serviceRequest(kFamily, IPVS_CMD_SET_SERVICE, udpDns());
  ASSERT_TRUE(set.ok());
  Parsed s = parse(set->get());
  EXPECT_EQ(s.genl->cmd, IPVS_CMD_SET_SERVICE);
  EXPECT_NE(s.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);
  EXPECT_NE(s.svc[IPVS_SVC_ATTR_NETMASK], nullptr);

  auto del = serviceRequest(kFamily, IPVS_CMD_DEL_SERVICE, udpDns());
  ASSERT_TRUE(del.ok());
  Parsed d = parse(del->get());
  EXPECT_EQ(d.genl->cmd, IPVS_CMD_DEL_SERVICE);
  EXPECT_NE(d.svc[IPVS_SVC_ATTR_AF], nullptr);
  EXPECT_NE(d.svc[IPVS_SVC_ATTR_PROTOCOL], nullptr);
  EXPECT_NE(d.svc[IPVS_SVC_ATTR_ADDR], nullptr);
  EXPECT_NE(d.svc[IPVS_SVC_ATTR_PORT], nullptr);
  EXPECT_EQ(d.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);
  EXPECT_EQ(d.svc[IPVS_SVC_ATTR_FLAGS], nullptr);
  EXPECT_EQ(d.svc[IPVS_SVC_ATTR_TIMEOUT], nullptr);
}

TEST(IpvsGenlMsg, Ipv6ServiceHasSixteenByteAddressAndPrefixNetmask) {
  VirtualServer svc{.family = IpFamily::kIpv6,
                    .address = "fd00:96::1",
                    .protocol = Protocol::kSctp,
                    .port = 3868,
                    .scheduler = "sh"};
  auto msg = serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, svc);
  ASSERT_TRUE(msg.ok());
  Parsed p = parse(msg->get());
  EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_AF]), AF_INET6);
  EXPECT_EQ(nla_get_u16(p.svc[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_SCTP);
  EXPECT_EQ(bytesOf(p.svc[IPVS_SVC_ATTR_ADDR]), v6("fd00:96::1"));
  EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_NETMASK]), 128u);
  EXPECT_EQ(nla_get_u32(p.svc[IPVS_SVC_ATTR_TIMEOUT]), 0u);
}

TEST(IpvsGenlMsg, NewDestCarriesServiceKeyAndFullDestination) {
  RealServer dst{.address = "10.244.1.5", .port = 5353, .weight = 3};
  auto msg = destRequest(kFamily, IPVS_CMD_NEW_DEST, udpDns(), dst);
  ASSERT_TRUE(msg.ok()) << msg.status().message();
  Parsed p = parse(msg->get());
  EXPECT_EQ(p.genl->cmd, IPVS_CMD_NEW_DEST);
  EXPECT_EQ(bytesOf(p.svc[IPVS_SVC_ATTR_ADDR]), v4("10.96.0.10"));
  EXPECT_EQ(p.svc[IPVS_SVC_ATTR_SCHED_NAME], nullptr);
  ASSERT_NE(p.tb[IPVS_CMD_ATTR_DEST], nullptr);
  EXPECT_EQ(bytesOf(p.dst[IPVS_DEST_ATTR_ADDR]), v4("10.244.1.5"));
  EXPECT_EQ(nla_get_u16(p.dst[IPVS_DEST_ATTR_PORT]), htons(5353));
  EXPECT_EQ(nla_get_u32(p.dst[IPVS_DEST_ATTR_FWD_METHOD]), uint32_t{IP_VS_CONN_F_MASQ});
  EXPECT_EQ(nla_get_u32(p.dst[IPVS_DEST_ATTR_WEIGHT]), 3u);
  EXPECT_EQ(nla_get_u32(p.dst[IPVS_DEST_ATTR_U_THRESH]), 0u);
  EXPECT_EQ(nla_get_u32(p.dst[IPVS_DEST_ATTR_L_THRESH]), 0u);
  EXPECT_EQ(nla_get_u16(p.dst[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);
}

TEST(IpvsGenlMsg, SetAndDeleteDest) {
  RealServer dst{.address = "10.244.1.5", .port = 5353, .weight = 0};
  auto set = destRequest(kFamily, IPVS_CMD_SET_DEST, udpDns(), dst);
  ASSERT_TRUE(set.ok());
  Parsed s = parse(set->get());
  EXPECT_EQ(s.genl->cmd, IPVS_CMD_SET_DEST);
  EXPECT_EQ(nla_get_u32(s.dst[IPVS_DEST_ATTR_WEIGHT]), 0u);

  auto del = destRequest(kFamily, IPVS_CMD_DEL_DEST, udpDns(), dst);
  ASSERT_TRUE(del.ok());
  Parsed d = parse(del->get());
  EXPECT_EQ(d.genl->cmd, IPVS_CMD_DEL_DEST);
  EXPECT_NE(d.dst[IPVS_DEST_ATTR_ADDR], nullptr);
  EXPECT_NE(d.dst[IPVS_DEST_ATTR_PORT], nullptr);
  EXPECT_EQ(d.dst[IPVS_DEST_ATTR_WEIGHT], nullptr);
  EXPECT_EQ(d.dst[IPVS_DEST_ATTR_FWD_METHOD], nullptr);
}

TEST(IpvsGenlMsg, DumpsAndFlush) {
  auto svcs = serviceDumpRequest(kFamily);
  ASSERT_TRUE(svcs.ok());
  Parsed s = parse(svcs->get());
  EXPECT_EQ(s.genl->cmd, IPVS_CMD_GET_SERVICE);
  EXPECT_TRUE(s.hdr->nlmsg_flags & NLM_F_DUMP);
  EXPECT_EQ(s.tb[IPVS_CMD_ATTR_SERVICE], nullptr);

  auto dsts = destDumpRequest(kFamily, udpDns());
  ASSERT_TRUE(dsts.ok());
  Parsed d = parse(dsts->get());
  EXPECT_EQ(d.genl->cmd, IPVS_CMD_GET_DEST);
  EXPECT_TRUE(d.hdr->nlmsg_flags & NLM_F_DUMP);
  EXPECT_EQ(bytesOf(d.svc[IPVS_SVC_ATTR_ADDR]), v4("10.96.0.10"));
  EXPECT_EQ(nla_get_u16(d.svc[IPVS_SVC_ATTR_PORT]), htons(53));

  auto flush = flushRequest(kFamily);
  ASSERT_TRUE(flush.ok());
  Parsed f = parse(flush->get());
  EXPECT_EQ(f.genl->cmd, IPVS_CMD_FLUSH);
  EXPECT_FALSE(f.hdr->nlmsg_flags & NLM_F_DUMP);
}

TEST(IpvsGenlMsg, RejectsBadInput) {
  VirtualServer bad = udpDns();
  bad.address = "not-an-ip";
  EXPECT_EQ(serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, bad).status().code(), EINVAL);
  VirtualServer mixed = udpDns();
  mixed.address = "fd00::1";  // family says IPv4
  EXPECT_EQ(serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, mixed).status().code(), EINVAL);
  VirtualServer long_sched = udpDns();
  long_sched.scheduler = "a-scheduler-name-too-long";
  EXPECT_EQ(serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, long_sched).status().code(), EINVAL);
  EXPECT_EQ(serviceRequest(kFamily, IPVS_CMD_NEW_DEST, udpDns()).status().code(), EINVAL);
  RealServer v6dst{.address = "fd00::5", .port = 1};
  EXPECT_EQ(destRequest(kFamily, IPVS_CMD_NEW_DEST, udpDns(), v6dst).status().code(), EINVAL);
  EXPECT_EQ(destRequest(kFamily, IPVS_CMD_NEW_SERVICE, udpDns(), {}).status().code(), EINVAL);
}

// A GET_SERVICE reply as the kernel writes it: 16-byte address, HASHED in the flags,
// stats and other attributes present.
ipvs_genl::NlMsgPtr kernelServiceReply(int af, const std::string& addr16, uint16_t proto,
                                       uint16_t port, uint32_t flags, bool fwmark = false) {
  NlMsgPtr msg(nlmsg_alloc());
  genlmsg_put(msg.get(), 0, 0, kFamily, 0, NLM_F_MULTI, IPVS_CMD_NEW_SERVICE, IPVS_GENL_VERSION);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_SERVICE);
  nla_put_u16(msg.get(), IPVS_SVC_ATTR_AF, static_cast<uint16_t>(af));
  if (fwmark) {
    nla_put_u32(msg.get(), IPVS_SVC_ATTR_FWMARK, 7);
  } else {
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_PROTOCOL, proto);
    nla_put(msg.get(), IPVS_SVC_ATTR_ADDR, 16, addr16.data());
    nla_put_u16(msg.get(), IPVS_SVC_ATTR_PORT, htons(port));
  }
  nla_put_string(msg.get(), IPVS_SVC_ATTR_SCHED_NAME, "wrr");
  ip_vs_flags f{flags | IP_VS_SVC_F_HASHED, ~0u};
  nla_put(msg.get(), IPVS_SVC_ATTR_FLAGS, sizeof(f), &f);
  nla_put_u32(msg.get(), IPVS_SVC_ATTR_TIMEOUT, 300);
  nla_put_u32(msg.get(), IPVS_SVC_ATTR_NETMASK, 0xffffffff);
  nlattr* stats = nla_nest_start(msg.get(), IPVS_SVC_ATTR_STATS);
  nla_put_u32(msg.get(), IPVS_STATS_ATTR_CONNS, 12);
  nla_nest_end(msg.get(), stats);
  nla_nest_end(msg.get(), nest);
  return msg;
}

TEST(IpvsGenlMsg, ParsesAKernelServiceReply) {
  std::string addr = v4("10.96.0.10") + std::string(12, '\0');
  auto msg = kernelServiceReply(AF_INET, addr, IPPROTO_TCP, 443, IP_VS_SVC_F_PERSISTENT);
  auto svc = parseService(nlmsg_hdr(msg.get()));
  ASSERT_TRUE(svc.ok()) << svc.status().message();
  ASSERT_TRUE(svc->has_value());
  const VirtualServer& vs = **svc;
  EXPECT_EQ(vs.family, IpFamily::kIpv4);
  EXPECT_EQ(vs.address, "10.96.0.10");
  EXPECT_EQ(vs.protocol, Protocol::kTcp);
  EXPECT_EQ(vs.port, 443);
  EXPECT_EQ(vs.scheduler, "wrr");
  EXPECT_EQ(vs.flags, uint32_t{IP_VS_SVC_F_PERSISTENT});  // HASHED is the kernel's own
  EXPECT_EQ(vs.timeout_s, 300u);

  auto v6msg = kernelServiceReply(AF_INET6, v6("fd00::a"), IPPROTO_UDP, 53, 0);
  auto v6svc = parseService(nlmsg_hdr(v6msg.get()));
  ASSERT_TRUE(v6svc.ok() && v6svc->has_value());
  EXPECT_EQ((*v6svc)->family, IpFamily::kIpv6);
  EXPECT_EQ((*v6svc)->address, "fd00::a");
  EXPECT_EQ((*v6svc)->flags, 0u);
}

TEST(IpvsGenlMsg, FwmarkServicesAreSkipped) {
  auto msg = kernelServiceReply(AF_INET, "", 0, 0, 0, true);
  auto svc = parseService(nlmsg_hdr(msg.get()));
  ASSERT_TRUE(svc.ok()) << svc.status().message();
  EXPECT_FALSE(svc->has_value());
}

TEST(IpvsGenlMsg, RequestRoundTripsThroughTheParser) {
  auto msg = serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, udpDns());
  ASSERT_TRUE(msg.ok());
  auto svc = parseService(nlmsg_hdr(msg->get()));
  ASSERT_TRUE(svc.ok() && svc->has_value());
  EXPECT_EQ(**svc, udpDns());

  RealServer dst{.address = "10.244.1.5", .port = 5353, .weight = 2};
  auto dmsg = destRequest(kFamily, IPVS_CMD_NEW_DEST, udpDns(), dst);
  ASSERT_TRUE(dmsg.ok());
  auto parsed = parseDestination(nlmsg_hdr(dmsg->get()), IpFamily::kIpv4);
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, dst);
}

TEST(IpvsGenlMsg, ParsesAKernelDestReplyAndRejectsMalformedOnes) {
  NlMsgPtr msg(nlmsg_alloc());
  genlmsg_put(msg.get(), 0, 0, kFamily, 0, NLM_F_MULTI, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION);
  nlattr* nest = nla_nest_start(msg.get(), IPVS_CMD_ATTR_DEST);
  std::string addr = v6("fd00:244::7");
  nla_put(msg.get(), IPVS_DEST_ATTR_ADDR, 16, addr.data());
  nla_put_u16(msg.get(), IPVS_DEST_ATTR_PORT, htons(8080));
  nla_put_u32(msg.get(), IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
  nla_put_u32(msg.get(), IPVS_DEST_ATTR_WEIGHT, 5);
  nla_put_u32(msg.get(), IPVS_DEST_ATTR_ACTIVE_CONNS, 9);
  nla_put_u16(msg.get(), IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET6);
  nla_nest_end(msg.get(), nest);
  auto dst = parseDestination(nlmsg_hdr(msg.get()), IpFamily::kIpv4);
  ASSERT_TRUE(dst.ok()) << dst.status().message();
  EXPECT_EQ(dst->address, "fd00:244::7");
  EXPECT_EQ(dst->port, 8080);
  EXPECT_EQ(dst->weight, 5u);

  // A service dump message is not a destination.
  auto svc_msg = serviceRequest(kFamily, IPVS_CMD_NEW_SERVICE, udpDns());
  ASSERT_TRUE(svc_msg.ok());
  EXPECT_EQ(parseDestination(nlmsg_hdr(svc_msg->get()), IpFamily::kIpv4).status().code(), EPROTO);
  auto empty = flushRequest(kFamily);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(parseService(nlmsg_hdr(empty->get())).status().code(), EPROTO);
}

}  // namespace
}  // namespace orch::proxy::ipvs_genl
