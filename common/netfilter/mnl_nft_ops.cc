// NftOps over a netfilter netlink socket (libmnl), with messages built by libnftnl.

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <functional>
#include <map>
#include <variant>

#include "common/netfilter/nft_ops.h"
#include "common/netfilter/nftnl_encode.h"

#include "common/base/overloaded.h"

namespace orch::netfilter {

namespace {

using namespace detail;

constexpr size_t kElementsPerMessage = 256;
constexpr uint32_t kBatchPageSize = 256 * 1024;

struct SocketClose {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
struct BatchFree {
  void operator()(nftnl_batch* b) const { nftnl_batch_free(b); }
};

std::string describe(const Op& op) {
  auto where = [](Family f, const std::string& t, const std::string& n) {
    return familyName(f) + " " + t + (n.empty() ? "" : "/" + n);
  };
  return std::visit(
      Overloaded{
          [&](const AddTable& o) { return "add table " + where(o.table.family, o.table.name, ""); },
          [&](const DeleteTable& o) {
            return "delete table " + where(o.table.family, o.table.name, "");
          },
          [&](const AddChain& o) {
            return "add chain " + where(o.chain.family, o.chain.table, o.chain.name);
          },
          [&](const FlushChain& o) {
            return "flush chain " + where(o.chain.family, o.chain.table, o.chain.name);
          },
          [&](const DeleteChain& o) {
            return "delete chain " + where(o.chain.family, o.chain.table, o.chain.name);
          },
          [&](const AddRule& o) {
            return "add rule to " + where(o.rule.family, o.rule.table, o.rule.chain);
          },
          [&](const DeleteRule& o) {
            return "delete rule from " + where(o.rule.family, o.rule.table, o.rule.chain);
          },
          [&](const AddSet& o) {
            return "add set " + where(o.set.family, o.set.table, o.set.name);
          },
          [&](const FlushSet& o) {
            return "flush set " + where(o.set.family, o.set.table, o.set.name);
          },
          [&](const DeleteSet& o) {
            return "delete set " + where(o.set.family, o.set.table, o.set.name);
          },
          [&](const AddElements& o) {
            return "add elements to " + where(o.set.family, o.set.table, o.set.name);
          },
          [&](const DeleteElements& o) {
            return "delete elements from " + where(o.set.family, o.set.table, o.set.name);
          },
      },
      op);
}

class MnlNftOps final : public NftOps {
 public:
  explicit MnlNftOps(mnl_socket* s) : sock_(s), portid_(mnl_socket_get_portid(s)) {}

  Status commit(const Transaction& tx) override;
  Result<std::vector<RuleInfo>> listRules(Family family, std::string_view table,
                                          std::string_view chain) override;
  Result<std::vector<std::string>> listTables(Family family) override;

 private:
  // Appends the messages of one operation; records seq → op index for errors.
  void encodeOp(nftnl_batch* b, const Op& op, size_t index);
  nlmsghdr* header(nftnl_batch* b, uint16_t type, Family f, uint16_t flags, size_t index);
  // Sends a dump request and feeds each reply message to `cb`.
  Status dump(const std::vector<char>& request, const std::function<void(const nlmsghdr*)>& cb);

  std::unique_ptr<mnl_socket, SocketClose> sock_;
  uint32_t portid_;
  uint32_t seq_ = 1;
  std::map<uint32_t, size_t> seq_to_op_;
  size_t expected_bytes_ = 0;  // sum of the operation messages put in the batch
};

nlmsghdr* MnlNftOps::header(nftnl_batch* b, uint16_t type, Family f, uint16_t flags, size_t index) {
  uint32_t seq = seq_++;
  seq_to_op_[seq] = index;
  return nftnl_nlmsg_build_hdr(static_cast<char*>(nftnl_batch_buffer(b)), type,
                               static_cast<uint16_t>(f), flags, seq);
}

void MnlNftOps::encodeOp(nftnl_batch* b, const Op& op, size_t index) {
  auto next = [this, b] {
    expected_bytes_ += static_cast<nlmsghdr*>(nftnl_batch_buffer(b))->nlmsg_len;
    nftnl_batch_update(b);
  };
  std::visit(Overloaded{
                 [&](const AddTable& o) {
                   auto t = encodeTable(o.table);
                   nftnl_table_nlmsg_build_payload(
                       header(b, NFT_MSG_NEWTABLE, o.table.family, NLM_F_CREATE, index), t.get());
                   next();
                 },
                 [&](const DeleteTable& o) {
                   auto t = encodeTable(o.table);
                   nftnl_table_nlmsg_build_payload(
                       header(b, NFT_MSG_DELTABLE, o.table.family, 0, index), t.get());
                   next();
                 },
                 [&](const AddChain& o) {
                   auto c = encodeChain(o.chain);
                   nftnl_chain_nlmsg_build_payload(
                       header(b, NFT_MSG_NEWCHAIN, o.chain.family, NLM_F_CREATE, index), c.get());
                   next();
                 },
                 [&](const FlushChain& o) {
                   // Deleting rules with only table + chain set flushes the chain.
                   Rule r{o.chain.family, o.chain.table, o.chain.name, {}, {}, {}};
                   auto p = encodeRule(r);
                   nftnl_rule_nlmsg_build_payload(
                       header(b, NFT_MSG_DELRULE, o.chain.family, 0, index), p.get());
                   next();
                 },
                 [&](const DeleteChain& o) {
                   auto c = encodeChain(Chain{o.chain.family, o.chain.table, o.chain.name, {}});
                   nftnl_chain_nlmsg_build_payload(
                       header(b, NFT_MSG_DELCHAIN, o.chain.family, 0, index), c.get());
                   next();
                 },
                 [&](const AddRule& o) {
                   auto r = encodeRule(o.rule);
                   nftnl_rule_nlmsg_build_payload(header(b, NFT_MSG_NEWRULE, o.rule.family,
                                                         NLM_F_CREATE | NLM_F_APPEND, index),
                                                  r.get());
                   next();
                 },
                 [&](const DeleteRule& o) {
                   Rule r = o.rule;
                   r.exprs.clear();
                   r.comment.clear();
                   auto p = encodeRule(r);
                   nftnl_rule_nlmsg_build_payload(
                       header(b, NFT_MSG_DELRULE, o.rule.family, 0, index), p.get());
                   next();
                 },
                 [&](const AddSet& o) {
                   auto s = encodeSet(o.set, true);
                   nftnl_set_set_u32(s.get(), NFTNL_SET_ID, seq_);
                   nftnl_set_nlmsg_build_payload(
                       header(b, NFT_MSG_NEWSET, o.set.family, NLM_F_CREATE, index), s.get());
                   next();
                 },
                 [&](const FlushSet& o) {
                   auto s = encodeSet(o.set, false);
                   nftnl_set_elems_nlmsg_build_payload(
                       header(b, NFT_MSG_DELSETELEM, o.set.family, 0, index), s.get());
                   next();
                 },
                 [&](const DeleteSet& o) {
                   auto s = encodeSet(o.set, false);
                   nftnl_set_nlmsg_build_payload(header(b, NFT_MSG_DELSET, o.set.family, 0, index),
                                                 s.get());
                   next();
                 },
                 [&](const AddElements& o) {
                   for (size_t i = 0; i < o.elements.size(); i += kElementsPerMessage) {
                     auto s = encodeElements(o.set, o.elements, i, kElementsPerMessage);
                     nftnl_set_elems_nlmsg_build_payload(
                         header(b, NFT_MSG_NEWSETELEM, o.set.family, NLM_F_CREATE, index), s.get());
                     next();
                   }
                 },
                 [&](const DeleteElements& o) {
                   for (size_t i = 0; i < o.elements.size(); i += kElementsPerMessage) {
                     auto s = encodeElements(o.set, o.elements, i, kElementsPerMessage);
                     nftnl_set_elems_nlmsg_build_payload(
                         header(b, NFT_MSG_DELSETELEM, o.set.family, 0, index), s.get());
                     next();
                   }
                 },
             },
             op);
}

Status MnlNftOps::commit(const Transaction& tx) {
  if (tx.empty()) return Status::ok();
  // A message larger than a batch page is silently dropped by libmnl's batch
  // bookkeeping, so pages are made far larger than any single message we build
  // (element messages are capped at kElementsPerMessage entries).
  std::unique_ptr<nftnl_batch, BatchFree> batch(nftnl_batch_alloc(kBatchPageSize, kBatchPageSize));
  if (!batch) return Status::error(ENOMEM, "allocate nftables batch");
  seq_to_op_.clear();
  expected_bytes_ = 0;
  nftnl_batch_begin(static_cast<char*>(nftnl_batch_buffer(batch.get())), seq_++);
  nftnl_batch_update(batch.get());
  for (size_t i = 0; i < tx.ops().size(); ++i) encodeOp(batch.get(), tx.ops()[i], i);
  nftnl_batch_end(static_cast<char*>(nftnl_batch_buffer(batch.get())), seq_++);
  nftnl_batch_update(batch.get());

  int iov_len = nftnl_batch_iovec_len(batch.get());
  std::vector<iovec> iov(static_cast<size_t>(iov_len));
  nftnl_batch_iovec(batch.get(), iov.data(), static_cast<uint32_t>(iov_len));
  size_t total = 0;
  for (const iovec& v : iov) total += v.iov_len;
  size_t framing = 2 * NLMSG_ALIGN(sizeof(nlmsghdr) + sizeof(nfgenmsg));  // batch begin + end
  if (total != expected_bytes_ + framing) {
    return Status::error(EMSGSIZE, "nftables batch lost a message larger than a batch page");
  }
  // The whole batch must go in one sendmsg; make room for it.
  int fd = mnl_socket_get_fd(sock_.get());
  int sndbuf = static_cast<int>(total + MNL_SOCKET_BUFFER_SIZE);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
  sockaddr_nl snl{};
  snl.nl_family = AF_NETLINK;
  msghdr msg{};
  msg.msg_name = &snl;
  msg.msg_namelen = sizeof snl;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (sendmsg(fd, &msg, 0) < 0) return Status::fromErrno("send nftables batch");

  // The kernel processes the batch inside sendmsg, so every error reply is queued
  // by now; drain without waiting. Only failures are reported (no NLM_F_ACK).
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  Status first_error;
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return Status::fromErrno("receive nftables replies");
    int len = static_cast<int>(n);
    for (auto* nlh = reinterpret_cast<nlmsghdr*>(buf.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      if (nlh->nlmsg_type != NLMSG_ERROR) continue;
      auto* err = static_cast<nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
      if (err->error == 0 || !first_error.isOk()) continue;
      auto it = seq_to_op_.find(err->msg.nlmsg_seq);
      std::string what = it != seq_to_op_.end() ? describe(tx.ops()[it->second]) : "nftables batch";
      first_error = Status::error(-err->error, what);
    }
  }
  return first_error;
}

Status MnlNftOps::dump(const std::vector<char>& request,
                       const std::function<void(const nlmsghdr*)>& cb) {
  auto* req = reinterpret_cast<const nlmsghdr*>(request.data());
  if (mnl_socket_sendto(sock_.get(), request.data(), req->nlmsg_len) < 0) {
    return Status::fromErrno("send nftables dump request");
  }
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE * 4);
  struct Ctx {
    const std::function<void(const nlmsghdr*)>* cb;
  } ctx{&cb};
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(sock_.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::fromErrno("receive nftables dump");
    int rc = mnl_cb_run(
        buf.data(), static_cast<size_t>(n), req->nlmsg_seq, portid_,
        [](const nlmsghdr* nlh, void* data) {
          (*static_cast<Ctx*>(data)->cb)(nlh);
          return MNL_CB_OK;
        },
        &ctx);
    if (rc == MNL_CB_STOP) return Status::ok();
    if (rc < 0) {
      // A dump of a table or chain that does not exist is simply empty.
      if (errno == ENOENT) return Status::ok();
      if (errno == EINTR) return Status::error(EAGAIN, "nftables dump interrupted");
      return Status::fromErrno("nftables dump");
    }
  }
}

Result<std::vector<RuleInfo>> MnlNftOps::listRules(Family family, std::string_view table,
                                                   std::string_view chain) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(req.data(), NFT_MSG_GETRULE,
                                          static_cast<uint16_t>(family), NLM_F_DUMP, seq_++);
    auto filter = encodeRule(Rule{family, std::string(table), std::string(chain), {}, {}, {}});
    nftnl_rule_nlmsg_build_payload(nlh, filter.get());
    std::vector<RuleInfo> rules;
    Status s = dump(req, [&](const nlmsghdr* m) {
      RulePtr r(nftnl_rule_alloc());
      if (nftnl_rule_nlmsg_parse(m, r.get()) < 0) return;
      const char* c = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
      const char* t = nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE);
      if (c == nullptr || t == nullptr || chain != c || table != t) return;
      RuleInfo info{c, nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE), {}};
      uint32_t len = 0;
      const void* ud = nftnl_rule_get_data(r.get(), NFTNL_RULE_USERDATA, &len);
      if (ud != nullptr) {
        nftnl_udata_parse(
            ud, len,
            [](const nftnl_udata* attr, void* data) {
              if (nftnl_udata_type(attr) == kRuleCommentUdata) {
                *static_cast<std::string*>(data) = static_cast<const char*>(nftnl_udata_get(attr));
              }
              return 0;
            },
            &info.comment);
      }
      rules.push_back(std::move(info));
    });
    if (s.isOk()) return rules;
    if (s.code() != EAGAIN) return s.withContext("list rules of " + std::string(chain));
  }
  return Status::error(EAGAIN, "list rules of " + std::string(chain) + ": dump kept changing");
}

Result<std::vector<std::string>> MnlNftOps::listTables(Family family) {
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  nftnl_nlmsg_build_hdr(req.data(), NFT_MSG_GETTABLE, static_cast<uint16_t>(family), NLM_F_DUMP,
                        seq_++);
  std::vector<std::string> names;
  ORCH_RETURN_IF_ERROR(dump(req, [&](const nlmsghdr* m) {
    TablePtr t(nftnl_table_alloc());
    if (nftnl_table_nlmsg_parse(m, t.get()) < 0) return;
    if (nftnl_table_get_u32(t.get(), NFTNL_TABLE_FAMILY) != static_cast<uint32_t>(family)) return;
    names.emplace_back(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME));
  }));
  return names;
}

}  // namespace

Result<std::unique_ptr<NftOps>> openMnlNftOps() {
  mnl_socket* s = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (s == nullptr) return Status::fromErrno("open netfilter netlink socket");
  if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
    Status st = Status::fromErrno("bind netfilter netlink socket");
    mnl_socket_close(s);
    return st;
  }
  return std::unique_ptr<NftOps>(new MnlNftOps(s));
}

}  // namespace orch::netfilter
