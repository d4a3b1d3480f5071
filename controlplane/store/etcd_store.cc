#include "controlplane/store/etcd_store.h"

#include <fstream>
#include <sstream>

#include "common/base/file_util.h"
#include "controlplane/store/etcd_rpc.grpc.pb.h"
#include "controlplane/store/etcd_watch.h"

namespace orch::store {

namespace pb = etcdserverpb;

struct EtcdStore::Stubs {
  std::unique_ptr<pb::KV::Stub> kv;
  std::unique_ptr<pb::Watch::Stub> watch;
};

namespace {

Result<std::string> readFile(const std::string& path, std::string_view what) {
  auto r = orch::readFile(path);
  if (!r.ok()) return r.status().withContext(what);
  return r;
}

bool isIpLiteral(std::string_view hostport) {
  if (hostport.starts_with('[')) return true;  // [v6]:port
  auto colon = hostport.rfind(':');
  std::string_view host = hostport.substr(0, colon);
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string_view::npos;
}

KeyValue fromPb(const mvccpb::KeyValue& kv) {
  return KeyValue{.key = kv.key(),
                  .value = kv.value(),
                  .create_revision = kv.create_revision(),
                  .mod_revision = kv.mod_revision(),
                  .version = kv.version()};
}

}  // namespace

Status fromGrpc(const grpc::Status& s, std::string_view what) {
  if (s.ok()) return Status::ok();
  std::string ctx = std::string(what) + ": etcd: " + s.error_message();
  const std::string& msg = s.error_message();
  switch (s.error_code()) {
    case grpc::StatusCode::OUT_OF_RANGE:
      if (msg.find("compacted") != std::string::npos) return compactedError(ctx);
      return Status::invalid(ctx);  // "required revision is a future revision"
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return Status::invalid(ctx);
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::timeout(ctx);
    case grpc::StatusCode::UNAVAILABLE:
      return Status::error(ECONNREFUSED, ctx);
    case grpc::StatusCode::CANCELLED:
      return watchClosedError(ctx);
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return Status::error(EACCES, ctx);
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return Status::error(ENOSPC, ctx);
    default:
      return Status::error(EIO, ctx);
  }
}

EtcdStore::EtcdStore(Options options) : opts_(std::move(options)) {}
EtcdStore::~EtcdStore() = default;

Result<std::unique_ptr<EtcdStore>> EtcdStore::open(Options options) {
  if (options.endpoints.empty()) return Status::invalid("etcd: endpoints: none given");
  bool tls = !options.ca_file.empty();
  std::vector<std::string> hostports;
  for (const auto& ep : options.endpoints) {
    std::string_view e = ep;
    if (e.starts_with("https://")) {
      tls = true;
      e.remove_prefix(8);
    } else if (e.starts_with("http://")) {
      e.remove_prefix(7);
    }
    while (e.ends_with('/')) e.remove_suffix(1);
    if (e.empty() || e.find(':') == std::string_view::npos) {
      return Status::invalid("etcd: endpoints: \"" + ep + "\" is not host:port");
    }
    hostports.emplace_back(e);
  }
  std::string target = hostports.front();
  if (hostports.size() > 1) {
    bool v6 = hostports.front().starts_with('[');
    target = v6 ? "ipv6:" : "ipv4:";
    for (size_t i = 0; i < hostports.size(); ++i) {
      if (!isIpLiteral(hostports[i]) || hostports[i].starts_with('[') != v6) {
        return Status::invalid(
            "etcd: endpoints: several endpoints must all be IPv4 or all IPv6 "
            "addresses, got \"" +
            hostports[i] + "\"");
      }
      target += (i ? "," : "") + hostports[i];
    }
  }

  std::shared_ptr<grpc::ChannelCredentials> creds;
  if (tls || !options.cert_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      ORCH_ASSIGN_OR_RETURN(ssl.pem_root_certs, readFile(options.ca_file, "etcd: ca file"));
    }
    if (options.cert_file.empty() != options.key_file.empty()) {
      return Status::invalid("etcd: cert file and key file must be given together");
    }
    if (!options.cert_file.empty()) {
      ORCH_ASSIGN_OR_RETURN(ssl.pem_cert_chain, readFile(options.cert_file, "etcd: cert file"));
      ORCH_ASSIGN_OR_RETURN(ssl.pem_private_key, readFile(options.key_file, "etcd: key file"));
    }
    creds = grpc::SslCredentials(ssl);
  } else {
    creds = grpc::InsecureChannelCredentials();
  }
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // a LIST of many large objects exceeds the 4 MiB default
  args.SetLoadBalancingPolicyName("pick_first");

  std::unique_ptr<EtcdStore> s(new EtcdStore(std::move(options)));
  s->channel_ = grpc::CreateCustomChannel(target, creds, args);
  s->stubs_ = std::make_unique<Stubs>(
      Stubs{.kv = pb::KV::NewStub(s->channel_), .watch = pb::Watch::NewStub(s->channel_)});
  ORCH_RETURN_IF_ERROR(s->currentRevision().status().withContext("connect to etcd " + target));
  return s;
}

void EtcdStore::setDeadline(grpc::ClientContext& ctx) const {
  ctx.set_deadline(std::chrono::system_clock::now() + opts_.timeout);
}

Result<int64_t> EtcdStore::currentRevision() {
  pb::RangeRequest req;
  req.set_key(std::string(1, '\0'));
  req.set_count_only(true);
  pb::RangeResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Range(&ctx, req, &resp), "current revision"));
  return resp.header().revision();
}

Result<KeyValue> EtcdStore::get(std::string_view key, int64_t revision) {
  pb::RangeRequest req;
  req.set_key(std::string(key));
  req.set_revision(revision);
  pb::RangeResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Range(&ctx, req, &resp), "get " + std::string(key)));
  if (resp.kvs_size() == 0) return Status::notFound("key " + std::string(key));
  return fromPb(resp.kvs(0));
}

Result<ListResult> EtcdStore::list(std::string_view prefix, int64_t revision, int64_t limit,
                                   std::string_view continue_after) {
  if (limit < 0) return Status::invalid("list: limit must be >= 0");
  std::string start(prefix);
  if (!continue_after.empty()) {
    std::string after = std::string(continue_after) + '\0';
    if (after > start) start = std::move(after);
  }
  if (start.empty()) start.assign(1, '\0');  // etcd needs a key; "\0" is the smallest one
  std::string end = prefixEnd(prefix);
  pb::RangeRequest req;
  req.set_key(start);
  req.set_range_end(end.empty() ? std::string(1, '\0') : end);  // "\0" = no upper bound
  req.set_limit(limit);
  req.set_revision(revision);
  pb::RangeResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(
      fromGrpc(stubs_->kv->Range(&ctx, req, &resp), "list " + std::string(prefix)));
  ListResult out;
  out.revision = revision > 0 ? revision : resp.header().revision();
  out.more = resp.more();
  out.items.reserve(resp.kvs_size());
  for (const auto& kv : resp.kvs()) out.items.push_back(fromPb(kv));
  return out;
}

Result<KeyValue> EtcdStore::create(std::string_view key, std::string_view value) {
  if (key.empty()) return Status::invalid("create: key is empty");
  pb::TxnRequest req;
  auto* cmp = req.add_compare();
  cmp->set_key(std::string(key));
  cmp->set_target(pb::Compare::CREATE);
  cmp->set_result(pb::Compare::EQUAL);
  cmp->set_create_revision(0);
  auto* put = req.add_success()->mutable_request_put();
  put->set_key(std::string(key));
  put->set_value(std::string(value));
  pb::TxnResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Txn(&ctx, req, &resp), "create " + std::string(key)));
  if (!resp.succeeded()) return Status::exists("create " + std::string(key));
  int64_t rev = resp.header().revision();
  return KeyValue{.key = std::string(key),
                  .value = std::string(value),
                  .create_revision = rev,
                  .mod_revision = rev,
                  .version = 1};
}

namespace {

// The guard shared by update and remove: the key's mod_revision equals `expected`, or, with
// expected == 0, the key merely exists.
void addCasGuard(pb::TxnRequest& req, std::string_view key, int64_t expected) {
  auto* cmp = req.add_compare();
  cmp->set_key(std::string(key));
  if (expected != 0) {
    cmp->set_target(pb::Compare::MOD);
    cmp->set_result(pb::Compare::EQUAL);
    cmp->set_mod_revision(expected);
  } else {
    cmp->set_target(pb::Compare::CREATE);
    cmp->set_result(pb::Compare::GREATER);
    cmp->set_create_revision(0);
  }
  req.add_failure()->mutable_request_range()->set_key(std::string(key));
}

// Why a guarded Txn failed: the failure branch's Range shows whether the key exists.
Status casFailure(const pb::TxnResponse& resp, const char* verb, std::string_view key,
                  int64_t expected) {
  const auto& kvs = resp.responses(0).response_range().kvs();
  if (kvs.empty()) return Status::notFound(verb + std::string(key));
  return conflictError(verb + std::string(key) + ": expected mod_revision " +
                       std::to_string(expected) + ", have " +
                       std::to_string(kvs[0].mod_revision()));
}

}  // namespace

Result<KeyValue> EtcdStore::update(std::string_view key, std::string_view value,
                                   int64_t expected_mod_revision) {
  if (key.empty()) return Status::invalid("update: key is empty");
  pb::TxnRequest req;
  addCasGuard(req, key, expected_mod_revision);
  auto* put = req.add_success()->mutable_request_put();
  put->set_key(std::string(key));
  put->set_value(std::string(value));
  put->set_prev_kv(true);
  pb::TxnResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Txn(&ctx, req, &resp), "update " + std::string(key)));
  if (resp.responses_size() != 1) {
    return Status::error(EPROTO, "update " + std::string(key) + ": etcd: unexpected txn response");
  }
  if (!resp.succeeded()) return casFailure(resp, "update ", key, expected_mod_revision);
  const auto& prev = resp.responses(0).response_put().prev_kv();
  return KeyValue{.key = std::string(key),
                  .value = std::string(value),
                  .create_revision = prev.create_revision(),
                  .mod_revision = resp.header().revision(),
                  .version = prev.version() + 1};
}

Result<DeleteResult> EtcdStore::remove(std::string_view key, int64_t expected_mod_revision) {
  if (key.empty()) return Status::invalid("remove: key is empty");
  pb::TxnRequest req;
  addCasGuard(req, key, expected_mod_revision);
  auto* del = req.add_success()->mutable_request_delete_range();
  del->set_key(std::string(key));
  del->set_prev_kv(true);
  pb::TxnResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Txn(&ctx, req, &resp), "delete " + std::string(key)));
  if (resp.responses_size() != 1) {
    return Status::error(EPROTO, "delete " + std::string(key) + ": etcd: unexpected txn response");
  }
  if (!resp.succeeded()) return casFailure(resp, "delete ", key, expected_mod_revision);
  const auto& prevs = resp.responses(0).response_delete_range().prev_kvs();
  if (prevs.empty()) return Status::notFound("delete " + std::string(key));
  return DeleteResult{.deleted = fromPb(prevs[0]), .revision = resp.header().revision()};
}

Status EtcdStore::compact(int64_t revision) {
  pb::CompactionRequest req;
  req.set_revision(revision);
  pb::CompactionResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  Status st =
      fromGrpc(stubs_->kv->Compact(&ctx, req, &resp), "compact to " + std::to_string(revision));
  // Compacting at or below the compacted revision is a no-op by our contract.
  if (isCompacted(st)) return Status::ok();
  return st;
}

Result<int64_t> EtcdStore::put(std::string_view key, std::string_view value) {
  pb::PutRequest req;
  req.set_key(std::string(key));
  req.set_value(std::string(value));
  pb::PutResponse resp;
  grpc::ClientContext ctx;
  setDeadline(ctx);
  ORCH_RETURN_IF_ERROR(fromGrpc(stubs_->kv->Put(&ctx, req, &resp), "put " + std::string(key)));
  return resp.header().revision();
}

Result<std::unique_ptr<Watch>> EtcdStore::watch(std::string_view prefix, int64_t from_revision) {
  if (from_revision < 0) return Status::invalid("watch: from_revision must be >= 0");
  if (from_revision > 0) {
    // etcd reports a compacted start only after the watch was created, asynchronously; a
    // Range at the start revision reports it now, as SqliteStore does.
    pb::RangeRequest req;
    req.set_key(std::string(1, '\0'));
    req.set_count_only(true);
    req.set_revision(from_revision + 1);
    pb::RangeResponse resp;
    grpc::ClientContext ctx;
    setDeadline(ctx);
    Status st = fromGrpc(stubs_->kv->Range(&ctx, req, &resp), "watch");
    if (isCompacted(st)) {
      return compactedError("watch from revision " + std::to_string(from_revision) + ": " +
                            st.context());
    }
  }
  return startEtcdWatch(*stubs_->watch, prefix, from_revision, opts_.watch_buffer);
}

}  // namespace orch::store
