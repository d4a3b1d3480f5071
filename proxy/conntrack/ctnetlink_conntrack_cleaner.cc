#include "proxy/conntrack/ctnetlink_conntrack_cleaner.h"

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

#include <optional>
#include <vector>

#include "common/netlink/ip_address.h"
#include "proxy/conntrack/stale_entries.h"

namespace orch::proxy {
namespace {

struct HandleCloser {
  void operator()(nfct_handle* h) const { nfct_close(h); }
};
struct CtDestroyer {
  void operator()(nf_conntrack* ct) const { nfct_destroy(ct); }
};
struct FilterDestroyer {
  void operator()(nfct_filter_dump* f) const { nfct_filter_dump_destroy(f); }
};
using HandlePtr = std::unique_ptr<nfct_handle, HandleCloser>;
using CtPtr = std::unique_ptr<nf_conntrack, CtDestroyer>;
using FilterPtr = std::unique_ptr<nfct_filter_dump, FilterDestroyer>;

std::string addressAttr(const nf_conntrack* ct, bool v6, nf_conntrack_attr v4_attr,
                        nf_conntrack_attr v6_attr) {
  const void* p = nfct_get_attr(ct, v6 ? v6_attr : v4_attr);
  if (p == nullptr) return "";
  auto ip = netlink::IpAddress::fromBytes(static_cast<const uint8_t*>(p), v6 ? 16 : 4);
  return ip.ok() ? ip->toString() : "";
}

// The decision's view of an entry; nullopt for protocols this cleaner ignores.
std::optional<ConntrackEntry> toEntry(const nf_conntrack* ct, bool v6) {
  if (!nfct_attr_is_set(ct, ATTR_ORIG_L4PROTO)) return std::nullopt;
  ConntrackEntry e;
  switch (nfct_get_attr_u8(ct, ATTR_ORIG_L4PROTO)) {
    case IPPROTO_UDP:
      e.protocol = Protocol::kUdp;
      break;
    case IPPROTO_SCTP:
      e.protocol = Protocol::kSctp;
      break;
    default:
      return std::nullopt;
  }
  e.orig_dst = addressAttr(ct, v6, ATTR_ORIG_IPV4_DST, ATTR_ORIG_IPV6_DST);
  e.reply_src = addressAttr(ct, v6, ATTR_REPL_IPV4_SRC, ATTR_REPL_IPV6_SRC);
  e.orig_dst_port = ntohs(nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST));
  e.reply_src_port = ntohs(nfct_get_attr_u16(ct, ATTR_REPL_PORT_SRC));
  if (e.orig_dst.empty() || e.reply_src.empty()) return std::nullopt;
  return e;
}

struct DumpContext {
  const StaleEntryMatcher* matcher;
  bool v6;
  std::vector<CtPtr> stale;
  bool out_of_memory = false;
};

int onEntry(nf_conntrack_msg_type /*type*/, nf_conntrack* ct, void* data) {
  auto* ctx = static_cast<DumpContext*>(data);
  auto entry = toEntry(ct, ctx->v6);
  if (entry && ctx->matcher->isStale(*entry)) {
    CtPtr copy(nfct_clone(ct));
    if (!copy) {
      ctx->out_of_memory = true;
      return NFCT_CB_FAILURE;
    }
    ctx->stale.push_back(std::move(copy));
  }
  return NFCT_CB_CONTINUE;
}

std::string describe(const nf_conntrack* ct, bool v6) {
  auto e = toEntry(ct, v6);
  if (!e) return "entry";
  std::string dst = v6 ? "[" + e->orig_dst + "]" : e->orig_dst;
  return std::string(protocolLowerName(e->protocol)) + " " + dst + ":" +
         std::to_string(e->orig_dst_port);
}

class CtnetlinkConntrackCleaner final : public ConntrackCleaner {
 public:
  Status cleanStaleEntries(const ProxyState& state) override {
    StaleEntryMatcher matcher(state);
    if (matcher.empty()) return Status::ok();
    bool v6 = state.config.family == IpFamily::kIpv6;

    HandlePtr h(nfct_open(CONNTRACK, 0));
    if (!h) return Status::fromErrno("open ctnetlink socket");
    DumpContext ctx{&matcher, v6, {}, false};
    if (nfct_callback_register(h.get(), NFCT_T_ALL, onEntry, &ctx) < 0)
      return Status::fromErrno("register conntrack dump callback");
    FilterPtr filter(nfct_filter_dump_create());
    if (!filter) return Status::error(ENOMEM, "create conntrack dump filter");
    nfct_filter_dump_set_attr_u8(filter.get(), NFCT_FILTER_DUMP_L3NUM, v6 ? AF_INET6 : AF_INET);
    if (nfct_query(h.get(), NFCT_Q_DUMP_FILTER, filter.get()) < 0) {
      if (ctx.out_of_memory) return Status::error(ENOMEM, "dump conntrack table");
      return Status::fromErrno("dump conntrack table");
    }
    nfct_callback_unregister(h.get());

    for (const auto& ct : ctx.stale) {
      if (nfct_query(h.get(), NFCT_Q_DESTROY, ct.get()) < 0 && errno != ENOENT)
        return Status::fromErrno("delete conntrack entry " + describe(ct.get(), v6));
    }
    return Status::ok();
  }
};

}  // namespace

std::unique_ptr<ConntrackCleaner> newCtnetlinkConntrackCleaner() {
  return std::make_unique<CtnetlinkConntrackCleaner>();
}

}  // namespace orch::proxy
