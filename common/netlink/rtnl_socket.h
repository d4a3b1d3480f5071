#pragma once
// Internal to common/netlink: the libnl socket under Netlink, RAII holders for libnl
// objects, and the two request shapes (request + ack, dump) shared by the rtnl_*.cc
// files. Not part of the public API.

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/route.h>

#include <functional>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

template <class T, void (*Free)(T*)>
struct NlFree {
  void operator()(T* p) const {
    if (p) Free(p);
  }
};
using NlSockPtr = std::unique_ptr<nl_sock, NlFree<nl_sock, nl_socket_free>>;
using NlMsgPtr = std::unique_ptr<nl_msg, NlFree<nl_msg, nlmsg_free>>;
using NlCachePtr = std::unique_ptr<nl_cache, NlFree<nl_cache, nl_cache_free>>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlFree<nl_addr, nl_addr_put>>;
using LinkPtr = std::unique_ptr<rtnl_link, NlFree<rtnl_link, rtnl_link_put>>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, NlFree<rtnl_addr, rtnl_addr_put>>;
using RoutePtr = std::unique_ptr<rtnl_route, NlFree<rtnl_route, rtnl_route_put>>;
using NeighPtr = std::unique_ptr<rtnl_neigh, NlFree<rtnl_neigh, rtnl_neigh_put>>;

// libnl folds errnos into its own NLE_* codes; the errno a caller may act on (exists /
// not found / busy ...) for `nle` (either sign), EIO when none fits.
int nlErrorToErrno(int nle);

// An nl_addr holding `a` with prefix length `prefix_len` (-1 = full length).
NlAddrPtr toNlAddr(const IpAddress& a, int prefix_len = -1);
// The IpAddress in an nl_addr; EINVAL for other lengths (e.g. zero-length defaults).
Result<IpAddress> fromNlAddr(const nl_addr* a);

class RtnlSocket {
 public:
  // A NETLINK_ROUTE socket in the calling thread's network namespace.
  static Result<std::unique_ptr<RtnlSocket>> connect();

  nl_sock* get() { return sk_.get(); }

  // Clears the kernel errno recorded by the error callback; call before each operation.
  void begin() { kernel_errno_ = 0; }
  // Turns a libnl return value into a Status: ok for >= 0; otherwise the kernel's errno
  // when it sent one, else the libnl code mapped onto errno.
  Status check(int nl_ret, const std::string& context) const;

  // Sends a request built with libnl's message API and waits for the kernel's ack.
  Status request(NlMsgPtr msg, const std::string& context);
  // Sends the request made by `build` (NLM_F_DUMP) and hands each reply to `on_msg`;
  // an interrupted dump is retried from scratch, after calling `reset`.
  Status dump(const std::function<NlMsgPtr()>& build, const std::function<void()>& reset,
              const std::function<void(nlmsghdr*)>& on_msg, const std::string& context);

 private:
  static int onError(sockaddr_nl* who, nlmsgerr* err, void* arg);
  NlSockPtr sk_;
  int kernel_errno_ = 0;
};

}  // namespace orch::netlink
