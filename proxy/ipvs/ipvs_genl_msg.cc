#include "proxy/ipvs/ipvs_genl_msg.h"

#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <netinet/in.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include <cstring>

#include "common/netlink/ip_address.h"

namespace orch::proxy::ipvs_genl {
namespace {

int afOf(IpFamily f) {
  return f == IpFamily::kIpv6 ? AF_INET6 : AF_INET;
}

Result<netlink::IpAddress> parseAddr(const std::string& text, IpFamily family,
                                     const std::string& what) {
  auto ip = netlink::IpAddress::parse(text);
  if (!ip.ok()) return ip.status().withContext(what);
  if (ip->isV6() != (family == IpFamily::kIpv6))
    return Status::invalid(what + ": " + text + " is not of the service's family");
  return ip;
}

Result<NlMsgPtr> newMsg(int family_id, uint8_t cmd, int flags) {
  NlMsgPtr msg(nlmsg_alloc());
  if (!msg) return Status::error(ENOMEM, "allocate IPVS netlink message");
  if (genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_id, 0, flags, cmd,
                  IPVS_GENL_VERSION) == nullptr)
    return Status::error(ENOMEM, "put IPVS generic netlink header");
  return msg;
}

// The nested IPVS_CMD_ATTR_SERVICE; `full` adds what NEW/SET_SERVICE require.
Status putService(nl_msg* msg, const VirtualServer& svc, bool full) {
  ORCH_ASSIGN_OR_RETURN(auto ip, parseAddr(svc.address, svc.family, "IPVS service address"));
  if (full && svc.scheduler.size() >= IP_VS_SCHEDNAME_MAXLEN)
    return Status::invalid("IPVS scheduler name too long: " + svc.scheduler);
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);
  if (nest == nullptr) return Status::error(EMSGSIZE, "put IPVS service attribute");
  int err = 0;
  err |= nla_put_u16(msg, IPVS_SVC_ATTR_AF, static_cast<uint16_t>(afOf(svc.family)));
  err |= nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, protocolNumber(svc.protocol));
  err |= nla_put(msg, IPVS_SVC_ATTR_ADDR, static_cast<int>(ip.byteLength()), ip.data());
  err |= nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(svc.port));
  if (full) {
    ip_vs_flags flags{svc.flags, ~0u};
    err |= nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, svc.scheduler.c_str());
    err |= nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(flags), &flags);
    err |= nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, svc.timeout_s);
    // Persistence groups clients by this mask: one client address per group.
    err |=
        nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, svc.family == IpFamily::kIpv6 ? 128u : 0xffffffffu);
  }
  if (err != 0) return Status::error(EMSGSIZE, "put IPVS service attributes");
  nla_nest_end(msg, nest);
  return Status::ok();
}

Status putDest(nl_msg* msg, const VirtualServer& svc, const RealServer& dst, bool full) {
  ORCH_ASSIGN_OR_RETURN(auto ip, parseAddr(dst.address, svc.family, "IPVS destination address"));
  nlattr* nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);
  if (nest == nullptr) return Status::error(EMSGSIZE, "put IPVS destination attribute");
  int err = 0;
  err |= nla_put(msg, IPVS_DEST_ATTR_ADDR, static_cast<int>(ip.byteLength()), ip.data());
  err |= nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(dst.port));
  err |= nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, static_cast<uint16_t>(afOf(svc.family)));
  if (full) {
    err |= nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, dst.fwd_method);
    err |= nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, dst.weight);
    err |= nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, 0);
    err |= nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, 0);
  }
  if (err != 0) return Status::error(EMSGSIZE, "put IPVS destination attributes");
  nla_nest_end(msg, nest);
  return Status::ok();
}

bool hasLen(const nlattr* a, int len) {
  return a != nullptr && nla_len(a) >= len;
}

Result<std::string> addrFrom(const nlattr* a, int af) {
  int len = af == AF_INET6 ? 16 : 4;
  if (!hasLen(a, len)) return Status::error(EPROTO, "IPVS reply: short address");
  auto ip = netlink::IpAddress::fromBytes(static_cast<const uint8_t*>(nla_data(a)),
                                          static_cast<size_t>(len));
  if (!ip.ok()) return Status::error(EPROTO, "IPVS reply: bad address");
  return ip->toString();
}

// The top-level attributes of a reply.
Status parseTop(nlmsghdr* hdr, nlattr** tb) {
  int err = genlmsg_parse(hdr, 0, tb, IPVS_CMD_ATTR_MAX, nullptr);
  if (err < 0) return Status::error(EPROTO, "parse IPVS reply");
  return Status::ok();
}

}  // namespace

Result<NlMsgPtr> serviceRequest(int family_id, uint8_t cmd, const VirtualServer& svc) {
  if (cmd != IPVS_CMD_NEW_SERVICE && cmd != IPVS_CMD_SET_SERVICE && cmd != IPVS_CMD_DEL_SERVICE)
    return Status::invalid("not an IPVS service command: " + std::to_string(cmd));
  ORCH_ASSIGN_OR_RETURN(auto msg, newMsg(family_id, cmd, 0));
  ORCH_RETURN_IF_ERROR(putService(msg.get(), svc, cmd != IPVS_CMD_DEL_SERVICE));
  return msg;
}

Result<NlMsgPtr> destRequest(int family_id, uint8_t cmd, const VirtualServer& svc,
                             const RealServer& dst) {
  if (cmd != IPVS_CMD_NEW_DEST && cmd != IPVS_CMD_SET_DEST && cmd != IPVS_CMD_DEL_DEST)
    return Status::invalid("not an IPVS destination command: " + std::to_string(cmd));
  ORCH_ASSIGN_OR_RETURN(auto msg, newMsg(family_id, cmd, 0));
  ORCH_RETURN_IF_ERROR(putService(msg.get(), svc, false));
  ORCH_RETURN_IF_ERROR(putDest(msg.get(), svc, dst, cmd != IPVS_CMD_DEL_DEST));
  return msg;
}

Result<NlMsgPtr> serviceDumpRequest(int family_id) {
  return newMsg(family_id, IPVS_CMD_GET_SERVICE, NLM_F_DUMP);
}

Result<NlMsgPtr> destDumpRequest(int family_id, const VirtualServer& svc) {
  ORCH_ASSIGN_OR_RETURN(auto msg, newMsg(family_id, IPVS_CMD_GET_DEST, NLM_F_DUMP));
  ORCH_RETURN_IF_ERROR(putService(msg.get(), svc, false));
  return msg;
}

Result<NlMsgPtr> flushRequest(int family_id) {
  return newMsg(family_id, IPVS_CMD_FLUSH, 0);
}

Result<std::optional<VirtualServer>> parseService(nlmsghdr* hdr) {
  nlattr* tb[IPVS_CMD_ATTR_MAX + 1] = {};
  ORCH_RETURN_IF_ERROR(parseTop(hdr, tb));
  if (tb[IPVS_CMD_ATTR_SERVICE] == nullptr)
    return Status::error(EPROTO, "IPVS reply without a service");
  nlattr* sa[IPVS_SVC_ATTR_MAX + 1] = {};
  if (nla_parse_nested(sa, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], nullptr) < 0)
    return Status::error(EPROTO, "parse IPVS service attributes");
  if (!hasLen(sa[IPVS_SVC_ATTR_AF], 2)) return Status::error(EPROTO, "IPVS service without AF");
  if (sa[IPVS_SVC_ATTR_FWMARK] != nullptr && sa[IPVS_SVC_ATTR_ADDR] == nullptr)
    return std::optional<VirtualServer>();
  int af = nla_get_u16(sa[IPVS_SVC_ATTR_AF]);
  if (af != AF_INET && af != AF_INET6) return std::optional<VirtualServer>();
  if (!hasLen(sa[IPVS_SVC_ATTR_PROTOCOL], 2) || !hasLen(sa[IPVS_SVC_ATTR_PORT], 2))
    return Status::error(EPROTO, "IPVS service without protocol or port");
  VirtualServer svc;
  svc.family = af == AF_INET6 ? IpFamily::kIpv6 : IpFamily::kIpv4;
  switch (nla_get_u16(sa[IPVS_SVC_ATTR_PROTOCOL])) {
    case IPPROTO_TCP:
      svc.protocol = Protocol::kTcp;
      break;
    case IPPROTO_UDP:
      svc.protocol = Protocol::kUdp;
      break;
    case IPPROTO_SCTP:
      svc.protocol = Protocol::kSctp;
      break;
    default:
      return std::optional<VirtualServer>();
  }
  ORCH_ASSIGN_OR_RETURN(svc.address, addrFrom(sa[IPVS_SVC_ATTR_ADDR], af));
  svc.port = ntohs(nla_get_u16(sa[IPVS_SVC_ATTR_PORT]));
  svc.scheduler = sa[IPVS_SVC_ATTR_SCHED_NAME] ? nla_get_string(sa[IPVS_SVC_ATTR_SCHED_NAME]) : "";
  if (hasLen(sa[IPVS_SVC_ATTR_FLAGS], sizeof(ip_vs_flags))) {
    ip_vs_flags flags;
    std::memcpy(&flags, nla_data(sa[IPVS_SVC_ATTR_FLAGS]), sizeof(flags));
    svc.flags = flags.flags & ~uint32_t{IP_VS_SVC_F_HASHED};
  }
  if (hasLen(sa[IPVS_SVC_ATTR_TIMEOUT], 4)) svc.timeout_s = nla_get_u32(sa[IPVS_SVC_ATTR_TIMEOUT]);
  return std::optional<VirtualServer>(std::move(svc));
}

Result<RealServer> parseDestination(nlmsghdr* hdr, IpFamily family) {
  nlattr* tb[IPVS_CMD_ATTR_MAX + 1] = {};
  ORCH_RETURN_IF_ERROR(parseTop(hdr, tb));
  if (tb[IPVS_CMD_ATTR_DEST] == nullptr)
    return Status::error(EPROTO, "IPVS reply without a destination");
  nlattr* da[IPVS_DEST_ATTR_MAX + 1] = {};
  if (nla_parse_nested(da, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST], nullptr) < 0)
    return Status::error(EPROTO, "parse IPVS destination attributes");
  int af = afOf(family);
  if (hasLen(da[IPVS_DEST_ATTR_ADDR_FAMILY], 2)) af = nla_get_u16(da[IPVS_DEST_ATTR_ADDR_FAMILY]);
  if (!hasLen(da[IPVS_DEST_ATTR_PORT], 2))
    return Status::error(EPROTO, "IPVS destination without port");
  RealServer dst;
  ORCH_ASSIGN_OR_RETURN(dst.address, addrFrom(da[IPVS_DEST_ATTR_ADDR], af));
  dst.port = ntohs(nla_get_u16(da[IPVS_DEST_ATTR_PORT]));
  if (hasLen(da[IPVS_DEST_ATTR_WEIGHT], 4)) dst.weight = nla_get_u32(da[IPVS_DEST_ATTR_WEIGHT]);
  if (hasLen(da[IPVS_DEST_ATTR_FWD_METHOD], 4))
    dst.fwd_method = nla_get_u32(da[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
  return dst;
}

}  // namespace orch::proxy::ipvs_genl
