#include "common/netlink/rtnl_socket.h"

#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/socket.h>

#include <cerrno>

#include "common/netlink/dump_retry.h"

namespace orch::netlink {

NlAddrPtr toNlAddr(const IpAddress& a, int prefix_len) {
  NlAddrPtr p(nl_addr_build(toAf(a.family()), a.data(), a.byteLength()));
  if (p) nl_addr_set_prefixlen(p.get(), prefix_len < 0 ? a.bitLength() : prefix_len);
  return p;
}

Result<IpAddress> fromNlAddr(const nl_addr* a) {
  if (!a) return Status::invalid("no address");
  // nl_addr_get_binary_addr takes a non-const pointer but does not modify.
  auto* m = const_cast<nl_addr*>(a);
  return IpAddress::fromBytes(static_cast<const uint8_t*>(nl_addr_get_binary_addr(m)),
                              nl_addr_get_len(m));
}

int nlErrorToErrno(int nle) {
  switch (nle < 0 ? -nle : nle) {
    case NLE_NOMEM:
      return ENOMEM;
    case NLE_EXIST:
      return EEXIST;
    case NLE_OBJ_NOTFOUND:
      return ENOENT;
    case NLE_NODEV:
      return ENODEV;
    case NLE_INVAL:
      return EINVAL;
    case NLE_RANGE:
      return ERANGE;
    case NLE_PERM:
      return EPERM;
    case NLE_NOACCESS:
      return EACCES;
    case NLE_BUSY:
      return EBUSY;
    case NLE_OPNOTSUPP:
      return EOPNOTSUPP;
    case NLE_AGAIN:
      return EAGAIN;
    case NLE_INTR:
      return EINTR;
    case NLE_DUMP_INTR:
      return EINTR;
    case NLE_AF_NOSUPPORT:
      return EAFNOSUPPORT;
    case NLE_MSGSIZE:
      return EMSGSIZE;
    case NLE_NOADDR:
      return EADDRNOTAVAIL;
    case NLE_AF_MISMATCH:
      return EINVAL;
    case NLE_MISSING_ATTR:
      return EINVAL;
    default:
      return EIO;
  }
}

Result<std::unique_ptr<RtnlSocket>> RtnlSocket::connect() {
  std::unique_ptr<RtnlSocket> s(new RtnlSocket());
  s->sk_.reset(nl_socket_alloc());
  if (!s->sk_) return Status::error(ENOMEM, "allocate netlink socket");
  int err = nl_connect(s->sk_.get(), NETLINK_ROUTE);
  if (err < 0) return Status::error(nlErrorToErrno(-err), "connect NETLINK_ROUTE");
  // Record the kernel's own errno: libnl's NLE_* mapping merges e.g. ENODEV and ENOENT.
  nl_socket_modify_err_cb(s->sk_.get(), NL_CB_CUSTOM, &RtnlSocket::onError, s.get());
  // Large dumps (many routes/links) must not fail on a small receive buffer.
  nl_socket_set_buffer_size(s->sk_.get(), 1 << 20, 1 << 20);
  nl_socket_set_msg_buf_size(s->sk_.get(), 64 * 1024);
  return s;
}

int RtnlSocket::onError(sockaddr_nl*, nlmsgerr* err, void* arg) {
  static_cast<RtnlSocket*>(arg)->kernel_errno_ = -err->error;
  return NL_STOP;
}

Status RtnlSocket::check(int nl_ret, const std::string& context) const {
  if (nl_ret >= 0) return Status::ok();
  if (kernel_errno_ > 0) return Status::error(kernel_errno_, context);
  return Status::error(nlErrorToErrno(-nl_ret), context);
}

Status RtnlSocket::request(NlMsgPtr msg, const std::string& context) {
  begin();
  if (!msg) return Status::error(ENOMEM, context);
  int err = nl_send_auto(sk_.get(), msg.get());
  if (err >= 0) err = nl_wait_for_ack(sk_.get());
  return check(err, context);
}

namespace {
int validTrampoline(nl_msg* msg, void* arg) {
  (*static_cast<const std::function<void(nlmsghdr*)>*>(arg))(nlmsg_hdr(msg));
  return NL_OK;
}
}  // namespace

Status RtnlSocket::dump(const std::function<NlMsgPtr()>& build, const std::function<void()>& reset,
                        const std::function<void(nlmsghdr*)>& on_msg, const std::string& context) {
  int err = retryInterruptedDump([&]() -> int {
    begin();
    reset();
    NlMsgPtr msg = build();
    if (!msg) return -NLE_NOMEM;
    int e = nl_send_auto(sk_.get(), msg.get());
    if (e < 0) return e;
    nl_cb* base = nl_socket_get_cb(sk_.get());
    nl_cb* cb = nl_cb_clone(base);
    nl_cb_put(base);
    if (!cb) return -NLE_NOMEM;
    nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, validTrampoline,
              const_cast<std::function<void(nlmsghdr*)>*>(&on_msg));
    e = nl_recvmsgs(sk_.get(), cb);
    nl_cb_put(cb);
    return e;
  });
  return check(err, context);
}

}  // namespace orch::netlink
