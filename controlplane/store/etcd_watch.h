#pragma once
// Internal to EtcdStore: one Watch over one etcd Watch stream.

#include "controlplane/store/etcd_rpc.grpc.pb.h"
#include "controlplane/store/store.h"

namespace orch::store {

// Opens a Watch stream, creates a watcher on [prefix, prefixEnd(prefix)) from from_revision + 1
// (or from now when 0) with prev_kv, and waits for etcd to confirm it. A reader thread then
// feeds the events into the returned Watch until it is cancelled or destroyed.
Result<std::unique_ptr<Watch>> startEtcdWatch(etcdserverpb::Watch::Stub& stub,
                                              std::string_view prefix, int64_t from_revision,
                                              size_t buffer);

}  // namespace orch::store
