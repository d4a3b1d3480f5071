#include "proxy/ipvs/genl_ipvs_ops.h"

#include <linux/ip_vs.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <unistd.h>

#include <functional>

#include "common/netlink/rtnl_socket.h"
#include "proxy/ipvs/ipvs_genl_msg.h"

namespace orch::proxy {
namespace {

using ipvs_genl::NlMsgPtr;

struct SockFree {
  void operator()(nl_sock* s) const { nl_socket_free(s); }
};
struct CbFree {
  void operator()(nl_cb* c) const { nl_cb_put(c); }
};

class GenlIpvsOps final : public IpvsOps {
 public:
  GenlIpvsOps(std::unique_ptr<nl_sock, SockFree> sk, int family)
      : sk_(std::move(sk)), family_(family) {}

  Result<std::vector<VirtualServer>> listServices() override {
    std::vector<VirtualServer> out;
    Status parse_error;
    ORCH_ASSIGN_OR_RETURN(auto msg, ipvs_genl::serviceDumpRequest(family_));
    ORCH_RETURN_IF_ERROR(dump(
        std::move(msg),
        [&](nlmsghdr* h) {
          auto svc = ipvs_genl::parseService(h);
          if (!svc.ok()) {
            if (parse_error.isOk()) parse_error = svc.status();
          } else if (*svc) {
            out.push_back(std::move(**svc));
          }
        },
        "list IPVS services"));
    if (!parse_error.isOk()) return parse_error.withContext("list IPVS services");
    return out;
  }

  Status addService(const VirtualServer& svc) override {
    return serviceCmd(IPVS_CMD_NEW_SERVICE, svc, "add IPVS service " + svc.str());
  }
  Status updateService(const VirtualServer& svc) override {
    return serviceCmd(IPVS_CMD_SET_SERVICE, svc, "update IPVS service " + svc.str());
  }
  Status deleteService(const VirtualServer& svc) override {
    return serviceCmd(IPVS_CMD_DEL_SERVICE, svc, "delete IPVS service " + svc.str());
  }

  Result<std::vector<RealServer>> listDestinations(const VirtualServer& svc) override {
    std::string ctx = "list destinations of IPVS service " + svc.str();
    std::vector<RealServer> out;
    Status parse_error;
    ORCH_ASSIGN_OR_RETURN(auto msg, ipvs_genl::destDumpRequest(family_, svc));
    ORCH_RETURN_IF_ERROR(dump(
        std::move(msg),
        [&](nlmsghdr* h) {
          auto dst = ipvs_genl::parseDestination(h, svc.family);
          if (!dst.ok()) {
            if (parse_error.isOk()) parse_error = dst.status();
          } else {
            out.push_back(std::move(*dst));
          }
        },
        ctx));
    if (!parse_error.isOk()) return parse_error.withContext(ctx);
    return out;
  }

  Status addDestination(const VirtualServer& svc, const RealServer& dst) override {
    return destCmd(IPVS_CMD_NEW_DEST, svc, dst, "add destination " + dst.str() + " to ");
  }
  Status updateDestination(const VirtualServer& svc, const RealServer& dst) override {
    return destCmd(IPVS_CMD_SET_DEST, svc, dst, "update destination " + dst.str() + " of ");
  }
  Status deleteDestination(const VirtualServer& svc, const RealServer& dst) override {
    return destCmd(IPVS_CMD_DEL_DEST, svc, dst, "delete destination " + dst.str() + " of ");
  }

  Status flush() override {
    ORCH_ASSIGN_OR_RETURN(auto msg, ipvs_genl::flushRequest(family_));
    return request(std::move(msg), "flush IPVS");
  }

 private:
  Status serviceCmd(uint8_t cmd, const VirtualServer& svc, const std::string& ctx) {
    auto msg = ipvs_genl::serviceRequest(family_, cmd, svc);
    if (!msg.ok()) return msg.status().withContext(ctx);
    return request(std::move(*msg), ctx);
  }
  Status destCmd(uint8_t cmd, const VirtualServer& svc, const RealServer& dst,
                 const std::string& what) {
    std::string ctx = what + "IPVS service " + svc.str();
    auto msg = ipvs_genl::destRequest(family_, cmd, svc, dst);
    if (!msg.ok()) return msg.status().withContext(ctx);
    return request(std::move(*msg), ctx);
  }

  static int onError(sockaddr_nl* /*who*/, nlmsgerr* err, void* arg) {
    auto* self = static_cast<GenlIpvsOps*>(arg);
    self->kernel_errno_ = err->error < 0 ? -err->error : err->error;
    return NL_STOP;
  }
  static int onValid(nl_msg* msg, void* arg) {
    (*static_cast<std::function<void(nlmsghdr*)>*>(arg))(nlmsg_hdr(msg));
    return NL_OK;
  }
  static int onAck(nl_msg* /*msg*/, void* arg) {
    *static_cast<bool*>(arg) = true;
    return NL_STOP;
  }

  Status check(int nl_ret, const std::string& ctx) const {
    if (nl_ret >= 0 && kernel_errno_ == 0) return Status::ok();
    if (kernel_errno_ != 0) return Status::error(kernel_errno_, ctx);
    return Status::error(netlink::nlErrorToErrno(nl_ret), ctx + ": " + nl_geterror(nl_ret));
  }

  // Sends a request and waits for the kernel's ack (or error).
  Status request(NlMsgPtr msg, const std::string& ctx) {
    std::unique_ptr<nl_cb, CbFree> cb(nl_cb_clone(nl_socket_get_cb(sk_.get())));
    if (!cb) return Status::error(ENOMEM, ctx);
    bool acked = false;
    nl_cb_err(cb.get(), NL_CB_CUSTOM, onError, this);
    nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, onAck, &acked);
    kernel_errno_ = 0;
    int err = nl_send_auto(sk_.get(), msg.get());
    if (err < 0) return check(err, ctx);
    while (!acked && kernel_errno_ == 0 && err >= 0) err = nl_recvmsgs(sk_.get(), cb.get());
    return check(err, ctx);
  }

  // Sends a dump request and hands every reply message to on_msg.
  Status dump(NlMsgPtr msg, std::function<void(nlmsghdr*)> on_msg, const std::string& ctx) {
    std::unique_ptr<nl_cb, CbFree> cb(nl_cb_clone(nl_socket_get_cb(sk_.get())));
    if (!cb) return Status::error(ENOMEM, ctx);
    nl_cb_err(cb.get(), NL_CB_CUSTOM, onError, this);
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, onValid, &on_msg);
    kernel_errno_ = 0;
    int err = nl_send_auto(sk_.get(), msg.get());
    if (err < 0) return check(err, ctx);
    // nl_recvmsgs returns once the multipart reply's NLMSG_DONE was read.
    err = nl_recvmsgs(sk_.get(), cb.get());
    return check(err, ctx);
  }

  std::unique_ptr<nl_sock, SockFree> sk_;
  int family_;
  int kernel_errno_ = 0;
};

}  // namespace

bool kernelHasIpvs() {
  return access("/proc/net/ip_vs", F_OK) == 0;
}

Result<std::unique_ptr<IpvsOps>> openGenlIpvsOps() {
  std::unique_ptr<nl_sock, SockFree> sk(nl_socket_alloc());
  if (!sk) return Status::error(ENOMEM, "allocate generic netlink socket");
  int err = genl_connect(sk.get());
  if (err < 0) return Status::error(netlink::nlErrorToErrno(err), "connect generic netlink socket");
  int family = genl_ctrl_resolve(sk.get(), IPVS_GENL_NAME);
  if (family < 0)
    return Status::error(EOPNOTSUPP,
                         "kernel has no IP_VS (generic netlink family IPVS not found; "
                         "/proc/net/ip_vs missing?)");
  return std::unique_ptr<IpvsOps>(std::make_unique<GenlIpvsOps>(std::move(sk), family));
}

}  // namespace orch::proxy
