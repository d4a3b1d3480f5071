// Netlink: construction and the link half of LinkOps, on libnl-route's rtnl_link
// objects. Bridges are built with libnl's message API because libnl 3.7 has no setter
// for IFLA_BR_VLAN_FILTERING.
#include <linux/if.h>
#include <linux/if_link.h>
#include <netlink/route/link/veth.h>
#include <netlink/route/link/vlan.h>
#include <netlink/route/link/vxlan.h>

#include "common/netlink/dump_retry.h"
#include "common/netlink/netlink.h"
#include "common/netlink/rtnl_socket.h"

namespace orch::netlink {

bool LinkInfo::up() const {
  return (flags & IFF_UP) != 0;
}
bool LinkInfo::promisc() const {
  return (flags & IFF_PROMISC) != 0;
}

Netlink::Netlink(std::unique_ptr<RtnlSocket> sock) : sock_(std::move(sock)) {}
Netlink::Netlink(Netlink&&) noexcept = default;
Netlink& Netlink::operator=(Netlink&&) noexcept = default;
Netlink::~Netlink() = default;

Result<Netlink> Netlink::open() {
  ORCH_ASSIGN_OR_RETURN(auto sock, RtnlSocket::connect());
  return Netlink(std::move(sock));
}

Result<Netlink> Netlink::openIn(const NetNs& ns) {
  // A socket belongs to the namespace it was created in, whichever thread uses it later.
  return ns.run([]() -> Result<Netlink> { return Netlink::open(); });
}

namespace {

LinkInfo toLinkInfo(rtnl_link* l) {
  LinkInfo info;
  info.index = rtnl_link_get_ifindex(l);
  if (const char* n = rtnl_link_get_name(l)) info.name = n;
  if (const char* k = rtnl_link_get_type(l)) info.kind = k;
  info.flags = rtnl_link_get_flags(l);
  info.mtu = rtnl_link_get_mtu(l);
  info.master = rtnl_link_get_master(l);
  info.link = rtnl_link_get_link(l);
  if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) > 0) {
    info.mac =
        formatMac(static_cast<const uint8_t*>(nl_addr_get_binary_addr(a)), nl_addr_get_len(a));
  }
  char buf[32];
  info.operstate = rtnl_link_operstate2str(rtnl_link_get_operstate(l), buf, sizeof(buf));
  return info;
}

Status setMacOn(rtnl_link* l, const std::string& mac, const std::string& field) {
  auto m = parseMac(mac);
  if (!m.ok()) return m.status().withContext(field);
  NlAddrPtr a(nl_addr_build(AF_LLC, m->data(), m->size()));
  if (!a) return Status::error(ENOMEM, field);
  rtnl_link_set_addr(l, a.get());
  return Status::ok();
}

}  // namespace

Result<int> Netlink::linkIndex(const std::string& name) {
  ORCH_ASSIGN_OR_RETURN(LinkInfo info, getLink(name));
  return info.index;
}

Result<LinkInfo> Netlink::getLink(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ) {
    return Status::invalid("invalid link name \"" + name + "\"");
  }
  sock_->begin();
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(sock_->get(), 0, name.c_str(), &raw);
  LinkPtr link(raw);
  Status st = sock_->check(err, "get link " + name);
  // The kernel says ENODEV for an unknown name; keep that one errno for "no such link".
  if (!st.isOk()) return st.code() == ENOENT ? Status::error(ENODEV, st.context()) : st;
  return toLinkInfo(link.get());
}

Result<LinkInfo> Netlink::getLinkByIndex(int index) {
  sock_->begin();
  rtnl_link* raw = nullptr;
  int err = rtnl_link_get_kernel(sock_->get(), index, nullptr, &raw);
  LinkPtr link(raw);
  std::string ctx = "get link #" + std::to_string(index);
  Status st = sock_->check(err, ctx);
  if (!st.isOk()) return st.code() == ENOENT ? Status::error(ENODEV, ctx) : st;
  return toLinkInfo(link.get());
}

Result<std::vector<LinkInfo>> Netlink::listLinks() {
  sock_->begin();
  // libnl's cache refill restarts interrupted dumps itself; the retry here also covers
  // libnl versions that hand -NLE_DUMP_INTR to the caller.
  NlCachePtr cache;
  int err = retryInterruptedDump([&] {
    nl_cache* c = nullptr;
    int e = rtnl_link_alloc_cache(sock_->get(), AF_UNSPEC, &c);
    cache.reset(c);
    return e;
  });
  ORCH_RETURN_IF_ERROR(sock_->check(err, "list links"));
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    out.push_back(toLinkInfo(reinterpret_cast<rtnl_link*>(o)));
  }
  return out;
}

Status Netlink::addLink(rtnl_link* link, const std::string& context) {
  sock_->begin();
  return sock_->check(rtnl_link_add(sock_->get(), link, NLM_F_CREATE | NLM_F_EXCL), context);
}

Status Netlink::createVeth(const VethSpec& spec) {
  std::string ctx = "add veth " + spec.name + "/" + spec.peer_name;
  LinkPtr link(rtnl_link_veth_alloc());
  if (!link) return Status::error(ENOMEM, ctx);
  LinkPtr peer(rtnl_link_veth_get_peer(link.get()));  // a new reference
  rtnl_link_set_name(link.get(), spec.name.c_str());
  rtnl_link_set_name(peer.get(), spec.peer_name.c_str());
  if (spec.mtu) {
    rtnl_link_set_mtu(link.get(), spec.mtu);
    rtnl_link_set_mtu(peer.get(), spec.mtu);
  }
  if (!spec.mac.empty()) ORCH_RETURN_IF_ERROR(setMacOn(link.get(), spec.mac, ctx + ": mac"));
  if (!spec.peer_mac.empty()) {
    ORCH_RETURN_IF_ERROR(setMacOn(peer.get(), spec.peer_mac, ctx + ": peer_mac"));
  }
  if (spec.peer_netns_fd >= 0) rtnl_link_set_ns_fd(peer.get(), spec.peer_netns_fd);
  return addLink(link.get(), ctx);
}

Status Netlink::createBridge(const BridgeSpec& spec) {
  std::string ctx = "add bridge " + spec.name;
  if (spec.name.empty() || spec.name.size() >= IFNAMSIZ) return Status::invalid(ctx + ": name");
  NlMsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL));
  if (!msg) return Status::error(ENOMEM, ctx);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  int err = nlmsg_append(msg.get(), &ifi, sizeof(ifi), NLMSG_ALIGNTO);
  if (err >= 0) err = nla_put_string(msg.get(), IFLA_IFNAME, spec.name.c_str());
  if (err >= 0 && spec.mtu) err = nla_put_u32(msg.get(), IFLA_MTU, spec.mtu);
  if (err >= 0 && !spec.mac.empty()) {
    auto m = parseMac(spec.mac);
    if (!m.ok()) return m.status().withContext(ctx + ": mac");
    err = nla_put(msg.get(), IFLA_ADDRESS, static_cast<int>(m->size()), m->data());
  }
  nlattr* info = err >= 0 ? nla_nest_start(msg.get(), IFLA_LINKINFO) : nullptr;
  if (!info) return Status::error(EMSGSIZE, ctx);
  err = nla_put_string(msg.get(), IFLA_INFO_KIND, "bridge");
  nlattr* data = err >= 0 ? nla_nest_start(msg.get(), IFLA_INFO_DATA) : nullptr;
  if (!data) return Status::error(EMSGSIZE, ctx);
  if (spec.vlan_filtering) err = nla_put_u8(msg.get(), IFLA_BR_VLAN_FILTERING, 1);
  if (err >= 0 && spec.vlan_default_pvid) {
    err = nla_put_u16(msg.get(), IFLA_BR_VLAN_DEFAULT_PVID, *spec.vlan_default_pvid);
  }
  if (err < 0) return Status::error(EMSGSIZE, ctx);
  nla_nest_end(msg.get(), data);
  nla_nest_end(msg.get(), info);
  return sock_->request(std::move(msg), ctx);
}

Status Netlink::createDummy(const std::string& name, uint32_t mtu) {
  std::string ctx = "add dummy " + name;
  LinkPtr link(rtnl_link_alloc());
  if (!link) return Status::error(ENOMEM, ctx);
  rtnl_link_set_name(link.get(), name.c_str());
  int err = rtnl_link_set_type(link.get(), "dummy");
  if (err < 0) return sock_->check(err, ctx);
  if (mtu) rtnl_link_set_mtu(link.get(), mtu);
  return addLink(link.get(), ctx);
}

Status Netlink::createVxlan(const VxlanSpec& spec) {
  std::string ctx = "add vxlan " + spec.name;
  if (spec.id == 0 || spec.id >= (1u << 24)) return Status::invalid(ctx + ": id out of range");
  LinkPtr link(rtnl_link_vxlan_alloc());
  if (!link) return Status::error(ENOMEM, ctx);
  rtnl_link_set_name(link.get(), spec.name.c_str());
  rtnl_link_vxlan_set_id(link.get(), spec.id);
  if (spec.local) rtnl_link_vxlan_set_local(link.get(), toNlAddr(*spec.local).get());
  if (spec.remote) rtnl_link_vxlan_set_group(link.get(), toNlAddr(*spec.remote).get());
  rtnl_link_vxlan_set_port(link.get(), spec.port);
  rtnl_link_vxlan_set_learning(link.get(), spec.learning ? 1 : 0);
  if (!spec.dev.empty()) {
    auto idx = linkIndex(spec.dev);
    if (!idx.ok()) return idx.status().withContext(ctx + ": dev");
    // IFLA_VXLAN_LINK, not IFLA_LINK: only the former picks the underlay device.
    rtnl_link_vxlan_set_link(link.get(), static_cast<uint32_t>(*idx));
  }
  if (spec.mtu) rtnl_link_set_mtu(link.get(), spec.mtu);
  return addLink(link.get(), ctx);
}

Status Netlink::createVlan(const VlanSpec& spec) {
  std::string ctx = "add vlan " + spec.name + " on " + spec.parent;
  if (spec.id == 0 || spec.id > 4094) return Status::invalid(ctx + ": id out of range");
  auto parent = linkIndex(spec.parent);
  if (!parent.ok()) return parent.status().withContext(ctx + ": parent");
  LinkPtr link(rtnl_link_vlan_alloc());
  if (!link) return Status::error(ENOMEM, ctx);
  rtnl_link_set_name(link.get(), spec.name.c_str());
  rtnl_link_set_link(link.get(), *parent);
  rtnl_link_vlan_set_id(link.get(), spec.id);
  if (spec.mtu) rtnl_link_set_mtu(link.get(), spec.mtu);
  return addLink(link.get(), ctx);
}

Status Netlink::deleteLink(const std::string& name) {
  std::string ctx = "delete link " + name;
  auto idx = linkIndex(name);
  if (!idx.ok()) return idx.status().withContext(ctx);
  LinkPtr link(rtnl_link_alloc());
  rtnl_link_set_ifindex(link.get(), *idx);
  sock_->begin();
  return sock_->check(rtnl_link_delete(sock_->get(), link.get()), ctx);
}

Status Netlink::changeLink(const std::string& name, const std::string& context,
                           const std::function<void(rtnl_link*)>& edit) {
  auto idx = linkIndex(name);
  if (!idx.ok()) return idx.status().withContext(context);
  LinkPtr orig(rtnl_link_alloc());
  LinkPtr change(rtnl_link_alloc());
  if (!orig || !change) return Status::error(ENOMEM, context);
  rtnl_link_set_ifindex(orig.get(), *idx);
  edit(change.get());
  sock_->begin();
  return sock_->check(rtnl_link_change(sock_->get(), orig.get(), change.get(), 0), context);
}

Status Netlink::setUp(const std::string& name, bool up) {
  return changeLink(name, "set " + name + (up ? " up" : " down"), [up](rtnl_link* l) {
    if (up) {
      rtnl_link_set_flags(l, IFF_UP);
    } else {
      rtnl_link_unset_flags(l, IFF_UP);
    }
  });
}

Status Netlink::setMtu(const std::string& name, uint32_t mtu) {
  return changeLink(name, "set mtu " + name + " " + std::to_string(mtu),
                    [mtu](rtnl_link* l) { rtnl_link_set_mtu(l, mtu); });
}

Status Netlink::setMac(const std::string& name, const std::string& mac) {
  std::string ctx = "set mac " + name + " " + mac;
  auto m = parseMac(mac);
  if (!m.ok()) return m.status().withContext(ctx);
  // Validated above, so setMacOn can only fail on allocation; the kernel then sees no
  // address attribute and the change is a no-op we report as ENOMEM below.
  bool set = false;
  Status st = changeLink(name, ctx, [&](rtnl_link* l) { set = setMacOn(l, mac, ctx).isOk(); });
  if (st.isOk() && !set) return Status::error(ENOMEM, ctx);
  return st;
}

Status Netlink::setPromisc(const std::string& name, bool on) {
  return changeLink(name, "set promisc " + name + (on ? " on" : " off"), [on](rtnl_link* l) {
    if (on) {
      rtnl_link_set_flags(l, IFF_PROMISC);
    } else {
      rtnl_link_unset_flags(l, IFF_PROMISC);
    }
  });
}

Status Netlink::setMaster(const std::string& name, const std::string& master) {
  std::string ctx = "set master " + name + " " + master;
  auto m = linkIndex(master);
  if (!m.ok()) return m.status().withContext(ctx);
  int idx = *m;
  return changeLink(name, ctx, [idx](rtnl_link* l) { rtnl_link_set_master(l, idx); });
}

Status Netlink::setNoMaster(const std::string& name) {
  return changeLink(name, "set nomaster " + name, [](rtnl_link* l) { rtnl_link_set_master(l, 0); });
}

Status Netlink::rename(const std::string& name, const std::string& new_name) {
  std::string ctx = "rename " + name + " to " + new_name;
  if (new_name.empty() || new_name.size() >= IFNAMSIZ) return Status::invalid(ctx + ": new name");
  return changeLink(name, ctx, [&](rtnl_link* l) { rtnl_link_set_name(l, new_name.c_str()); });
}

Status Netlink::moveToNetns(const std::string& name, int netns_fd, const std::string& new_name) {
  std::string ctx = "move " + name + " to netns" + (new_name.empty() ? "" : " as " + new_name);
  if (new_name.size() >= IFNAMSIZ) return Status::invalid(ctx + ": new name");
  return changeLink(name, ctx, [&](rtnl_link* l) {
    rtnl_link_set_ns_fd(l, netns_fd);
    if (!new_name.empty()) rtnl_link_set_name(l, new_name.c_str());
  });
}

}  // namespace orch::netlink
