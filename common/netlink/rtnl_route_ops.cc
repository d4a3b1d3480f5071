// Netlink: RouteOps on libnl-route's rtnl_route objects.
#include "common/netlink/dump_retry.h"
#include "common/netlink/netlink.h"
#include "common/netlink/rtnl_socket.h"

namespace orch::netlink {

std::string Route::describe() const {
  std::string s = dst ? dst->toString() : "default";
  if (gateway) s += " via " + gateway->toString();
  if (!dev.empty()) s += " dev " + dev;
  if (table != RT_TABLE_MAIN) s += " table " + std::to_string(table);
  if (priority) s += " metric " + std::to_string(priority);
  if (src) s += " src " + src->toString();
  return s;
}

namespace {

// The family a route is in, from the explicit field or its addresses; all must agree.
Result<IpFamily> routeFamily(const Route& r) {
  std::optional<IpFamily> f = r.family;
  auto agree = [&](IpFamily g, const char* field) -> Status {
    if (f && *f != g) return Status::invalid(std::string(field) + ": family mismatch");
    f = g;
    return Status::ok();
  };
  if (r.dst) ORCH_RETURN_IF_ERROR(agree(r.dst->family(), "dst"));
  if (r.gateway) ORCH_RETURN_IF_ERROR(agree(r.gateway->family(), "gateway"));
  if (r.src) ORCH_RETURN_IF_ERROR(agree(r.src->family(), "src"));
  if (!f) return Status::invalid("family: not given and no dst, gateway or src");
  return *f;
}

}  // namespace

Status Netlink::routeRequest(const Route& r, int nl_flags, bool del, const std::string& ctx) {
  auto fam = routeFamily(r);
  if (!fam.ok()) return fam.status().withContext(ctx);
  int oif = 0;
  if (!r.dev.empty()) {
    auto idx = linkIndex(r.dev);
    if (!idx.ok()) return idx.status().withContext(ctx);
    oif = *idx;
  } else if (r.ifindex > 0) {
    oif = r.ifindex;
  }
  RoutePtr route(rtnl_route_alloc());
  if (!route) return Status::error(ENOMEM, ctx);
  rtnl_route_set_family(route.get(), static_cast<uint8_t>(toAf(*fam)));
  rtnl_route_set_table(route.get(), r.table);
  rtnl_route_set_type(route.get(), r.type);
  // A default route is dst 0.0.0.0/0 (or ::/0).
  IpPrefix dst = r.dst ? r.dst->masked() : *IpPrefix::make(IpAddress::any(*fam), 0);
  NlAddrPtr dst_addr = toNlAddr(dst.address(), dst.length());
  if (!dst_addr || rtnl_route_set_dst(route.get(), dst_addr.get()) < 0) {
    return Status::error(ENOMEM, ctx);
  }
  if (del) {
    // Wildcards for what a delete need not match (as `ip route del`).
    rtnl_route_set_scope(route.get(), r.scope.value_or(RT_SCOPE_NOWHERE));
    rtnl_route_set_protocol(route.get(), 0);
  } else {
    rtnl_route_set_protocol(route.get(), r.protocol);
    rtnl_route_set_scope(route.get(),
                         r.scope.value_or(r.gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
  }
  if (r.priority) rtnl_route_set_priority(route.get(), r.priority);
  if (r.src) rtnl_route_set_pref_src(route.get(), toNlAddr(*r.src).get());
  if (r.mtu) rtnl_route_set_metric(route.get(), RTAX_MTU, r.mtu);
  if (r.gateway || oif) {
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) return Status::error(ENOMEM, ctx);
    if (r.gateway) rtnl_route_nh_set_gateway(nh, toNlAddr(*r.gateway).get());
    if (oif) rtnl_route_nh_set_ifindex(nh, oif);
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
  }
  sock_->begin();
  int err = del ? rtnl_route_delete(sock_->get(), route.get(), 0)
                : rtnl_route_add(sock_->get(), route.get(), nl_flags);
  return sock_->check(err, ctx);
}

Status Netlink::addRoute(const Route& route) {
  return routeRequest(route, NLM_F_EXCL, false, "add route " + route.describe());
}

Status Netlink::replaceRoute(const Route& route) {
  return routeRequest(route, NLM_F_REPLACE, false, "replace route " + route.describe());
}

Status Netlink::delRoute(const Route& route) {
  return routeRequest(route, 0, true, "delete route " + route.describe());
}

Result<std::vector<Route>> Netlink::listRoutes(std::optional<IpFamily> family, uint32_t table) {
  NlCachePtr cache;
  sock_->begin();
  int err = retryInterruptedDump([&] {
    nl_cache* c = nullptr;
    int e = rtnl_route_alloc_cache(sock_->get(), family ? toAf(*family) : AF_UNSPEC, 0, &c);
    cache.reset(c);
    return e;
  });
  ORCH_RETURN_IF_ERROR(sock_->check(err, "list routes"));
  // Names for the output devices, in one dump rather than one request per route.
  auto links = listLinks();
  std::vector<Route> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* rt = reinterpret_cast<rtnl_route*>(o);
    int af = rtnl_route_get_family(rt);
    if (af != AF_INET && af != AF_INET6) continue;
    if (table != 0 && rtnl_route_get_table(rt) != table) continue;
    Route r;
    r.family = af == AF_INET ? IpFamily::kV4 : IpFamily::kV6;
    r.table = rtnl_route_get_table(rt);
    r.scope = rtnl_route_get_scope(rt);
    r.priority = rtnl_route_get_priority(rt);
    r.protocol = rtnl_route_get_protocol(rt);
    r.type = rtnl_route_get_type(rt);
    nl_addr* d = rtnl_route_get_dst(rt);
    if (d && nl_addr_get_prefixlen(d) > 0) {
      auto ip = fromNlAddr(d);
      if (ip.ok()) r.dst = *IpPrefix::make(*ip, static_cast<int>(nl_addr_get_prefixlen(d)));
    }
    if (nl_addr* s = rtnl_route_get_pref_src(rt)) {
      auto ip = fromNlAddr(s);
      if (ip.ok()) r.src = *ip;
    }
    uint32_t mtu = 0;
    if (rtnl_route_get_metric(rt, RTAX_MTU, &mtu) == 0) r.mtu = mtu;
    if (rtnl_route_get_nnexthops(rt) > 0) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(rt, 0);
      if (nl_addr* g = rtnl_route_nh_get_gateway(nh)) {
        auto ip = fromNlAddr(g);
        if (ip.ok()) r.gateway = *ip;
      }
      r.ifindex = rtnl_route_nh_get_ifindex(nh);
    }
    if (links.ok() && r.ifindex > 0) {
      for (const auto& l : *links) {
        if (l.index == r.ifindex) r.dev = l.name;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace orch::netlink
