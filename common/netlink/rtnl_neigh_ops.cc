// Netlink: NeighOps on libnl-route's rtnl_neigh objects.
#include "common/netlink/dump_retry.h"
#include "common/netlink/netlink.h"
#include "common/netlink/rtnl_socket.h"

namespace orch::netlink {

Status Netlink::addNeighbor(const Neighbor& n) {
  std::string ctx = "add neighbor " + n.ip.toString() + " lladdr " + n.mac + " dev " + n.dev;
  auto idx = linkIndex(n.dev);
  if (!idx.ok()) return idx.status().withContext(ctx);
  auto mac = parseMac(n.mac);
  if (!mac.ok()) return mac.status().withContext(ctx);
  NeighPtr neigh(rtnl_neigh_alloc());
  NlAddrPtr ll(nl_addr_build(AF_LLC, mac->data(), mac->size()));
  NlAddrPtr dst = toNlAddr(n.ip);
  if (!neigh || !ll || !dst) return Status::error(ENOMEM, ctx);
  rtnl_neigh_set_ifindex(neigh.get(), *idx);
  rtnl_neigh_set_family(neigh.get(), toAf(n.ip.family()));
  rtnl_neigh_set_dst(neigh.get(), dst.get());
  rtnl_neigh_set_lladdr(neigh.get(), ll.get());
  rtnl_neigh_set_state(neigh.get(), n.state);
  sock_->begin();
  return sock_->check(rtnl_neigh_add(sock_->get(), neigh.get(), NLM_F_CREATE | NLM_F_REPLACE), ctx);
}

Status Netlink::delNeighbor(const std::string& dev, const IpAddress& ip) {
  std::string ctx = "delete neighbor " + ip.toString() + " dev " + dev;
  auto idx = linkIndex(dev);
  if (!idx.ok()) return idx.status().withContext(ctx);
  NeighPtr neigh(rtnl_neigh_alloc());
  NlAddrPtr dst = toNlAddr(ip);
  if (!neigh || !dst) return Status::error(ENOMEM, ctx);
  rtnl_neigh_set_ifindex(neigh.get(), *idx);
  rtnl_neigh_set_family(neigh.get(), toAf(ip.family()));
  rtnl_neigh_set_dst(neigh.get(), dst.get());
  sock_->begin();
  return sock_->check(rtnl_neigh_delete(sock_->get(), neigh.get(), 0), ctx);
}

Result<std::vector<Neighbor>> Netlink::listNeighbors(const std::string& dev,
                                                     std::optional<IpFamily> family) {
  std::string ctx = "list neighbors" + (dev.empty() ? std::string() : " of " + dev);
  int want = 0;
  if (!dev.empty()) {
    auto idx = linkIndex(dev);
    if (!idx.ok()) return idx.status().withContext(ctx);
    want = *idx;
  }
  NlCachePtr cache;
  sock_->begin();
  int err = retryInterruptedDump([&] {
    nl_cache* c = nullptr;
    int e = rtnl_neigh_alloc_cache(sock_->get(), &c);
    cache.reset(c);
    return e;
  });
  ORCH_RETURN_IF_ERROR(sock_->check(err, ctx));
  auto links = listLinks();
  std::vector<Neighbor> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* nb = reinterpret_cast<rtnl_neigh*>(o);
    int af = rtnl_neigh_get_family(nb);
    if (af != AF_INET && af != AF_INET6) continue;  // bridge fdb entries are AF_BRIDGE
    if (family && toAf(*family) != af) continue;
    if (want && rtnl_neigh_get_ifindex(nb) != want) continue;
    auto ip = fromNlAddr(rtnl_neigh_get_dst(nb));
    if (!ip.ok()) continue;
    Neighbor n;
    n.ifindex = rtnl_neigh_get_ifindex(nb);
    n.ip = *ip;
    n.state = static_cast<uint16_t>(rtnl_neigh_get_state(nb));
    if (nl_addr* ll = rtnl_neigh_get_lladdr(nb); ll && nl_addr_get_len(ll) > 0) {
      n.mac =
          formatMac(static_cast<const uint8_t*>(nl_addr_get_binary_addr(ll)), nl_addr_get_len(ll));
    }
    if (links.ok()) {
      for (const auto& l : *links) {
        if (l.index == n.ifindex) n.dev = l.name;
      }
    }
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace orch::netlink
