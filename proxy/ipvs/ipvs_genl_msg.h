#pragma once
// The IPVS generic-netlink messages (linux/ip_vs.h), built and parsed with libnl-genl,
// apart from the socket so that the encoding is testable without a kernel that has
// IP_VS. `family_id` is what genl_ctrl_resolve(sock, "IPVS") returned.
//
// Requests carry the attributes the kernel's ip_vs_genl_parse_service/_dest demand:
//   NEW/SET_SERVICE  IPVS_CMD_ATTR_SERVICE { AF, PROTOCOL, ADDR, PORT, SCHED_NAME, FLAGS,
//                                            TIMEOUT, NETMASK }
//   DEL_SERVICE      IPVS_CMD_ATTR_SERVICE { AF, PROTOCOL, ADDR, PORT }
//   NEW/SET_DEST     the service key + IPVS_CMD_ATTR_DEST { ADDR, PORT, FWD_METHOD, WEIGHT,
//                                            U_THRESH, L_THRESH, ADDR_FAMILY }
//   DEL_DEST         the service key + IPVS_CMD_ATTR_DEST { ADDR, PORT, ADDR_FAMILY }
//   GET_SERVICE dump no attribute; GET_DEST dump: the service key
//   FLUSH            no attribute
// Ports are big-endian u16; IPv4 addresses are sent as 4 bytes (the kernel reads up to
// 16), replies carry 16-byte addresses and are accepted either way.

#include <linux/genetlink.h>
#include <netlink/msg.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "common/base/status.h"
#include "proxy/ipvs/ipvs_ops.h"

namespace orch::proxy::ipvs_genl {

struct NlMsgFree {
  void operator()(nl_msg* m) const { nlmsg_free(m); }
};
using NlMsgPtr = std::unique_ptr<nl_msg, NlMsgFree>;

// cmd: IPVS_CMD_NEW_SERVICE, _SET_SERVICE or _DEL_SERVICE. EINVAL for a bad address,
// a scheduler name longer than the kernel's 15 characters, or another command.
Result<NlMsgPtr> serviceRequest(int family_id, uint8_t cmd, const VirtualServer& svc);
// cmd: IPVS_CMD_NEW_DEST, _SET_DEST or _DEL_DEST. EINVAL for bad addresses, a family
// mismatch or another command.
Result<NlMsgPtr> destRequest(int family_id, uint8_t cmd, const VirtualServer& svc,
                             const RealServer& dst);
// IPVS_CMD_GET_SERVICE with NLM_F_DUMP.
Result<NlMsgPtr> serviceDumpRequest(int family_id);
// IPVS_CMD_GET_DEST with NLM_F_DUMP for one service.
Result<NlMsgPtr> destDumpRequest(int family_id, const VirtualServer& svc);
// IPVS_CMD_FLUSH.
Result<NlMsgPtr> flushRequest(int family_id);

// One message of a GET_SERVICE dump. nullopt for services orch does not model
// (fwmark services, other protocols); EPROTO for a malformed message.
Result<std::optional<VirtualServer>> parseService(nlmsghdr* hdr);
// One message of a GET_DEST dump; the address is read in `family` unless the message
// carries IPVS_DEST_ATTR_ADDR_FAMILY. EPROTO for a malformed message.
Result<RealServer> parseDestination(nlmsghdr* hdr, IpFamily family);

}  // namespace orch::proxy::ipvs_genl
