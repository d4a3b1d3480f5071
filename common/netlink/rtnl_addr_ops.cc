// Netlink: AddrOps on libnl-route's rtnl_addr objects.
#include "common/netlink/dump_retry.h"
#include "common/netlink/netlink.h"
#include "common/netlink/rtnl_socket.h"

namespace orch::netlink {

namespace {

RtAddrPtr makeAddr(int ifindex, const IpPrefix& prefix) {
  RtAddrPtr a(rtnl_addr_alloc());
  if (!a) return a;
  rtnl_addr_set_ifindex(a.get(), ifindex);
  rtnl_addr_set_family(a.get(), toAf(prefix.family()));
  NlAddrPtr local = toNlAddr(prefix.address(), prefix.length());
  if (!local || rtnl_addr_set_local(a.get(), local.get()) < 0) return nullptr;
  rtnl_addr_set_prefixlen(a.get(), prefix.length());
  return a;
}

}  // namespace

Status Netlink::addAddress(const std::string& dev, const AddrSpec& spec) {
  std::string ctx = "add address " + spec.prefix.toString() + " to " + dev;
  auto idx = linkIndex(dev);
  if (!idx.ok()) return idx.status().withContext(ctx);
  RtAddrPtr a = makeAddr(*idx, spec.prefix);
  if (!a) return Status::error(ENOMEM, ctx);
  if (spec.flags) rtnl_addr_set_flags(a.get(), spec.flags);
  if (spec.broadcast) {
    if (!spec.prefix.isV4() || !spec.broadcast->isV4()) {
      return Status::invalid(ctx + ": broadcast is IPv4 only");
    }
    rtnl_addr_set_broadcast(a.get(), toNlAddr(*spec.broadcast).get());
  }
  sock_->begin();
  return sock_->check(rtnl_addr_add(sock_->get(), a.get(), NLM_F_EXCL), ctx);
}

Status Netlink::delAddress(const std::string& dev, const IpPrefix& prefix) {
  std::string ctx = "delete address " + prefix.toString() + " from " + dev;
  auto idx = linkIndex(dev);
  if (!idx.ok()) return idx.status().withContext(ctx);
  RtAddrPtr a = makeAddr(*idx, prefix);
  if (!a) return Status::error(ENOMEM, ctx);
  sock_->begin();
  return sock_->check(rtnl_addr_delete(sock_->get(), a.get(), 0), ctx);
}

Result<std::vector<AddrInfo>> Netlink::listAddresses(const std::string& dev,
                                                     std::optional<IpFamily> family) {
  std::string ctx = "list addresses of " + dev;
  auto idx = linkIndex(dev);
  if (!idx.ok()) return idx.status().withContext(ctx);
  NlCachePtr cache;
  sock_->begin();
  int err = retryInterruptedDump([&] {
    nl_cache* c = nullptr;
    int e = rtnl_addr_alloc_cache(sock_->get(), &c);
    cache.reset(c);
    return e;
  });
  ORCH_RETURN_IF_ERROR(sock_->check(err, ctx));
  std::vector<AddrInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != *idx) continue;
    int af = rtnl_addr_get_family(a);
    if (af != AF_INET && af != AF_INET6) continue;
    if (family && toAf(*family) != af) continue;
    auto ip = fromNlAddr(rtnl_addr_get_local(a));
    if (!ip.ok()) continue;
    auto prefix = IpPrefix::make(*ip, rtnl_addr_get_prefixlen(a));
    if (!prefix.ok()) continue;
    AddrInfo info;
    info.index = *idx;
    info.prefix = *prefix;
    info.flags = static_cast<uint32_t>(rtnl_addr_get_flags(a));
    info.scope = static_cast<uint8_t>(rtnl_addr_get_scope(a));
    if (const char* l = rtnl_addr_get_label(a)) info.label = l;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace orch::netlink
