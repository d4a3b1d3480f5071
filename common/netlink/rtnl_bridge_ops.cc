// Netlink: bridge port flags and bridge VLANs. These live in AF_BRIDGE messages
// (IFLA_PROTINFO with IFLA_BRPORT_*, IFLA_AF_SPEC with IFLA_BRIDGE_VLAN_INFO) that
// libnl-route 3.7 only partly models (no isolated flag, no VLAN add/delete), so the
// messages are built and parsed with libnl's generic message/attribute API.
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <algorithm>

#include "common/netlink/netlink.h"
#include "common/netlink/rtnl_socket.h"

namespace orch::netlink {

namespace {

NlMsgPtr bridgeMsg(int type, int flags, int ifindex) {
  NlMsgPtr msg(nlmsg_alloc_simple(type, flags));
  if (!msg) return msg;
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = ifindex;
  if (nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) msg.reset();
  return msg;
}

// Dumps AF_BRIDGE link info (ports and bridges, with VLANs) and calls fn(tb) for the
// message about `ifindex`.
Status dumpBridgeInfo(RtnlSocket& sock, int ifindex, const std::string& ctx,
                      const std::function<void()>& reset,
                      const std::function<void(nlattr** tb)>& fn) {
  return sock.dump(
      [] {
        NlMsgPtr msg = bridgeMsg(RTM_GETLINK, NLM_F_DUMP, 0);
        if (msg && nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN) < 0) msg.reset();
        return msg;
      },
      reset,
      [&](nlmsghdr* hdr) {
        if (hdr->nlmsg_type != RTM_NEWLINK) return;
        auto* ifi = static_cast<ifinfomsg*>(nlmsg_data(hdr));
        if (ifi->ifi_index != ifindex) return;
        nlattr* tb[IFLA_MAX + 1] = {};
        if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return;
        fn(tb);
      },
      ctx);
}

}  // namespace

Status Netlink::setBridgePortFlags(const std::string& port, const BridgePortFlags& flags) {
  std::string ctx = "set bridge port flags " + port;
  auto idx = linkIndex(port);
  if (!idx.ok()) return idx.status().withContext(ctx);
  NlMsgPtr msg = bridgeMsg(RTM_SETLINK, 0, *idx);
  if (!msg) return Status::error(ENOMEM, ctx);
  // NLA_F_NESTED tells the kernel this is the attribute form, not the old u8 port state.
  nlattr* prot = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
  if (!prot) return Status::error(EMSGSIZE, ctx);
  int err = 0;
  auto put = [&](int attr, const std::optional<bool>& v) {
    if (err >= 0 && v) err = nla_put_u8(msg.get(), attr, *v ? 1 : 0);
  };
  put(IFLA_BRPORT_MODE, flags.hairpin);
  put(IFLA_BRPORT_LEARNING, flags.learning);
  put(IFLA_BRPORT_UNICAST_FLOOD, flags.flood);
  put(IFLA_BRPORT_ISOLATED, flags.isolated);
  if (err < 0) return Status::error(EMSGSIZE, ctx);
  nla_nest_end(msg.get(), prot);
  return sock_->request(std::move(msg), ctx);
}

Result<BridgePortFlags> Netlink::getBridgePortFlags(const std::string& port) {
  std::string ctx = "get bridge port flags " + port;
  auto idx = linkIndex(port);
  if (!idx.ok()) return idx.status().withContext(ctx);
  BridgePortFlags out;
  bool found = false;
  ORCH_RETURN_IF_ERROR(dumpBridgeInfo(
      *sock_, *idx, ctx, [&] { out = {}, found = false; },
      [&](nlattr** tb) {
        if (!tb[IFLA_PROTINFO]) return;
        nlattr* pt[IFLA_BRPORT_MAX + 1] = {};
        if (nla_parse_nested(pt, IFLA_BRPORT_MAX, tb[IFLA_PROTINFO], nullptr) < 0) return;
        auto get = [&](int attr) { return pt[attr] ? nla_get_u8(pt[attr]) != 0 : false; };
        out.hairpin = get(IFLA_BRPORT_MODE);
        out.learning = get(IFLA_BRPORT_LEARNING);
        out.flood = get(IFLA_BRPORT_UNICAST_FLOOD);
        out.isolated = get(IFLA_BRPORT_ISOLATED);
        found = true;
      }));
  if (!found) return Status::error(EOPNOTSUPP, ctx + ": not a bridge port");
  return out;
}

Status Netlink::bridgeVlan(const std::string& name, const BridgeVlan& vlan, bool self, bool add) {
  std::string ctx = std::string(add ? "add" : "delete") + " vlan " + std::to_string(vlan.vid) +
                    (self ? " self" : "") + " on " + name;
  if (vlan.vid == 0 || vlan.vid > 4094) return Status::invalid(ctx + ": vid out of range");
  auto idx = linkIndex(name);
  if (!idx.ok()) return idx.status().withContext(ctx);
  NlMsgPtr msg = bridgeMsg(add ? RTM_SETLINK : RTM_DELLINK, 0, *idx);
  if (!msg) return Status::error(ENOMEM, ctx);
  nlattr* spec = nla_nest_start(msg.get(), IFLA_AF_SPEC);
  if (!spec) return Status::error(EMSGSIZE, ctx);
  bridge_vlan_info info{};
  info.vid = vlan.vid;
  if (vlan.pvid) info.flags |= BRIDGE_VLAN_INFO_PVID;
  if (vlan.untagged) info.flags |= BRIDGE_VLAN_INFO_UNTAGGED;
  int err =
      nla_put_u16(msg.get(), IFLA_BRIDGE_FLAGS, self ? BRIDGE_FLAGS_SELF : BRIDGE_FLAGS_MASTER);
  if (err >= 0) err = nla_put(msg.get(), IFLA_BRIDGE_VLAN_INFO, sizeof(info), &info);
  if (err < 0) return Status::error(EMSGSIZE, ctx);
  nla_nest_end(msg.get(), spec);
  return sock_->request(std::move(msg), ctx);
}

Status Netlink::addBridgeVlan(const std::string& name, const BridgeVlan& vlan, bool self) {
  return bridgeVlan(name, vlan, self, true);
}

Status Netlink::delBridgeVlan(const std::string& name, uint16_t vid, bool self) {
  return bridgeVlan(name, BridgeVlan{.vid = vid}, self, false);
}

Result<std::vector<BridgeVlan>> Netlink::listBridgeVlans(const std::string& name) {
  std::string ctx = "list vlans " + name;
  auto idx = linkIndex(name);
  if (!idx.ok()) return idx.status().withContext(ctx);
  std::vector<BridgeVlan> out;
  ORCH_RETURN_IF_ERROR(dumpBridgeInfo(
      *sock_, *idx, ctx, [&] { out.clear(); },
      [&](nlattr** tb) {
        if (!tb[IFLA_AF_SPEC]) return;
        nlattr* a;
        int rem;
        nla_for_each_nested(a, tb[IFLA_AF_SPEC], rem) {
          if (nla_type(a) != IFLA_BRIDGE_VLAN_INFO || nla_len(a) < (int)sizeof(bridge_vlan_info)) {
            continue;
          }
          auto* v = static_cast<bridge_vlan_info*>(nla_data(a));
          out.push_back(BridgeVlan{.vid = v->vid,
                                   .pvid = (v->flags & BRIDGE_VLAN_INFO_PVID) != 0,
                                   .untagged = (v->flags & BRIDGE_VLAN_INFO_UNTAGGED) != 0});
        }
      }));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.vid < b.vid; });
  return out;
}

}  // namespace orch::netlink
