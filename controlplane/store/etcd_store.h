#pragma once
// EtcdStore: the Store backend on an etcd v3 cluster, over gRPC (our own subset of etcd's
// protos, wire-identical to upstream's).
//
//   create  = Txn(if create_revision(key) == 0 then Put)
//   update  = Txn(if mod_revision(key) == expected [or create_revision > 0 when expected is 0]
//                 then Put(prev_kv) else Range(key))  -- the else branch tells NotFound from
//                 Conflict
//   remove  = the same with DeleteRange(prev_kv)
//   list    = Range [prefix, prefixEnd(prefix)) at a revision, with limit
//   watch   = one Watch stream per watch (start_revision = from + 1, prev_kv, progress_notify)
// etcd's ErrCompacted (Range) and compact_revision (Watch) become isCompacted, as in SqliteStore.
//
// Endpoints: "host:port", "http://host:port" or "https://host:port". Several endpoints must be
// IP addresses (gRPC balances them with pick_first, failing over when one goes down).
// TLS is used when ca_file is set or an endpoint is https://; cert_file/key_file add a client
// certificate.
//
// Threads: all methods are thread-safe (gRPC stubs are). Each watch owns a reader thread.

#include <grpcpp/grpcpp.h>

#include "controlplane/store/store.h"

namespace orch::store {

class EtcdStore final : public Store {
 public:
  struct Options {
    std::vector<std::string> endpoints;
    std::string ca_file, cert_file, key_file;                      // PEM files; empty = unset
    std::chrono::milliseconds timeout = std::chrono::seconds(10);  // per unary call
    size_t watch_buffer = 10000;  // events a watcher may have pending before it is dropped
  };

  // Connects and checks that etcd answers (a Range), so a wrong endpoint fails here.
  static Result<std::unique_ptr<EtcdStore>> open(Options options);
  ~EtcdStore() override;

  Result<KeyValue> get(std::string_view key, int64_t revision = 0) override;
  Result<ListResult> list(std::string_view prefix, int64_t revision = 0, int64_t limit = 0,
                          std::string_view continue_after = {}) override;
  Result<KeyValue> create(std::string_view key, std::string_view value) override;
  Result<KeyValue> update(std::string_view key, std::string_view value,
                          int64_t expected_mod_revision) override;
  Result<DeleteResult> remove(std::string_view key, int64_t expected_mod_revision) override;
  Result<std::unique_ptr<Watch>> watch(std::string_view prefix, int64_t from_revision) override;
  Status compact(int64_t revision) override;
  Result<int64_t> currentRevision() override;

  // A plain unconditional Put (no Txn), returning the new revision: the raw etcd write path,
  // used by benchmarks as the ceiling for the CAS writes above.
  Result<int64_t> put(std::string_view key, std::string_view value);

 private:
  explicit EtcdStore(Options options);
  void setDeadline(grpc::ClientContext& ctx) const;

  struct Stubs;  // the generated gRPC stubs, kept out of this header

  Options opts_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stubs> stubs_;
};

// Maps a gRPC status from etcd to a Status (compacted, timeout, unavailable ...).
Status fromGrpc(const grpc::Status& s, std::string_view what);

}  // namespace orch::store
