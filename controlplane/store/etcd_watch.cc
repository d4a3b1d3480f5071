#include "controlplane/store/etcd_watch.h"

#include <thread>

#include "controlplane/store/etcd_store.h"
#include "controlplane/store/watch_channel.h"

namespace orch::store {

namespace pb = etcdserverpb;

namespace {

KeyValue fromPb(const mvccpb::KeyValue& kv) {
  return KeyValue{.key = kv.key(),
                  .value = kv.value(),
                  .create_revision = kv.create_revision(),
                  .mod_revision = kv.mod_revision(),
                  .version = kv.version()};
}

Event fromPb(const mvccpb::Event& e) {
  Event out;
  out.type = e.type() == mvccpb::Event::DELETE ? Event::Type::kDelete : Event::Type::kPut;
  out.kv = fromPb(e.kv());
  if (out.type == Event::Type::kDelete) {
    out.kv.value.clear();
    out.kv.create_revision = 0;
    out.kv.version = 0;
  }
  // etcd sends no prev_kv for a create (and none once the previous version is compacted).
  if (e.has_prev_kv() && !e.prev_kv().key().empty()) out.prev = fromPb(e.prev_kv());
  return out;
}

// Why etcd cancelled a watcher.
Status canceledStatus(const pb::WatchResponse& r) {
  if (r.compact_revision() > 0) {
    return compactedError("watch: compacted to " + std::to_string(r.compact_revision()));
  }
  return Status::error(EIO, "watch: cancelled by etcd: " + r.cancel_reason());
}

class EtcdWatch final : public Watch {
 public:
  explicit EtcdWatch(size_t buffer) : ch_(std::make_shared<WatchChannel>(buffer)) {}
  ~EtcdWatch() override {
    cancel();
    if (reader_.joinable()) reader_.join();
  }

  Result<std::vector<Event>> next(std::chrono::milliseconds timeout) override {
    return ch_->next(timeout);
  }
  void cancel() override {
    ch_->cancel();
    ctx_.TryCancel();
  }

  Status start(pb::Watch::Stub& stub, std::string_view prefix, int64_t from_revision) {
    stream_ = stub.Watch(&ctx_);
    pb::WatchRequest req;
    auto* create = req.mutable_create_request();
    create->set_key(prefix.empty() ? std::string(1, '\0') : std::string(prefix));
    std::string end = prefixEnd(prefix);
    create->set_range_end(end.empty() ? std::string(1, '\0') : end);
    create->set_start_revision(from_revision > 0 ? from_revision + 1 : 0);
    create->set_prev_kv(true);
    create->set_progress_notify(true);
    if (!stream_->Write(req)) return finish("watch: create");
    pb::WatchResponse resp;
    if (!stream_->Read(&resp)) return finish("watch: create");
    if (resp.canceled() || !resp.created()) {
      Status why = resp.canceled() ? canceledStatus(resp)
                                   : Status::error(EPROTO,
                                                   "watch: etcd answered the create "
                                                   "without created=true");
      (void)finish("watch: create");
      return why;
    }
    // Events may ride on the created response in principle; keep them.
    if (resp.events_size() > 0) deliver(resp);
    reader_ = std::thread([this] { readLoop(); });
    return Status::ok();
  }

 private:
  Status finish(std::string_view what) {
    ctx_.TryCancel();
    grpc::Status st = stream_->Finish();
    Status out = fromGrpc(st, what);
    return out.isOk() ? Status::error(EPIPE, std::string(what) + ": etcd closed the stream") : out;
  }

  bool deliver(const pb::WatchResponse& resp) {
    std::vector<Event> events;
    events.reserve(resp.events_size());
    for (const auto& e : resp.events()) events.push_back(fromPb(e));
    return ch_->push(std::move(events));
  }

  void readLoop() {
    pb::WatchResponse resp;
    while (stream_->Read(&resp)) {
      if (resp.canceled()) {
        ch_->fail(canceledStatus(resp));
        ctx_.TryCancel();
        break;
      }
      // Responses without events are progress notifications: nothing to deliver.
      if (resp.events_size() > 0 && !deliver(resp)) {
        ctx_.TryCancel();  // lagged or cancelled: stop the stream
        break;
      }
    }
    grpc::Status st = stream_->Finish();
    Status s = fromGrpc(st, "watch");
    ch_->fail(s.isOk() ? Status::error(EPIPE, "watch: etcd closed the stream") : s);
  }

  std::shared_ptr<WatchChannel> ch_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<pb::WatchRequest, pb::WatchResponse>> stream_;
  std::thread reader_;
};

}  // namespace

Result<std::unique_ptr<Watch>> startEtcdWatch(pb::Watch::Stub& stub, std::string_view prefix,
                                              int64_t from_revision, size_t buffer) {
  auto w = std::make_unique<EtcdWatch>(buffer);
  ORCH_RETURN_IF_ERROR(w->start(stub, prefix, from_revision));
  return std::unique_ptr<Watch>(std::move(w));
}

}  // namespace orch::store
