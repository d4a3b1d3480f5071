#pragma once
// LeaseRenewer: the node heartbeat, as the kubelet's node lease controller
// (k8s.io/component-helpers/apimachinery/lease): the Lease kube-node-lease/<node>
// (coordination.k8s.io/v1) with holderIdentity = the node name, leaseDurationSeconds
// (default 40) and renewTime = now, owned by the Node (an ownerReference v1/Node with its uid,
// added as soon as the Node exists, so the Lease goes away with the Node).
//
// sync() is one round, run every renew interval (10 s) by NodeAgent:
//  1. with a Lease from the previous round, PUT it with a new renewTime (up to 5 attempts; a
//     409 Conflict re-reads the Lease first);
//  2. otherwise, or when that failed, "ensure" the Lease: GET it, or create it when it is
//     missing, retrying with backoff (200 ms doubling up to 7 s) until it succeeds or `wait`
//     says stop; then renew it as in 1 unless it was just created.
// Threads: sync() from one thread (the lease loop); lastLease() from any. No lock is held
// during an API call.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "agent/node/node_info.h"
#include "common/api/lease.h"
#include "common/base/clock.h"
#include "common/client/rest_client.h"

namespace orch::agent {

inline constexpr const char* kNodeLeaseNamespace = "kube-node-lease";

class LeaseRenewer {
 public:
  // Waits between attempts; returns false when the caller is stopping.
  using WaitFn = std::function<bool(std::chrono::milliseconds)>;

  LeaseRenewer(client::RestClient& client, const NodeOptions& opts, Clock& clock)
      : client_(client), opts_(opts), clock_(clock) {}

  // One round (see above). ECANCELED when `wait` returned false; the last API error when
  // the renewal failed after the retries.
  Status sync(const WaitFn& wait);

  // The Lease as last read or written; nullopt before the first success.
  std::optional<api::Lease> lastLease() const;

 private:
  // The Lease to write: `base` (or a new one) with holder, duration and renewTime set, and
  // the Node as owner when it has none yet.
  api::Lease newLease(const std::optional<api::Lease>& base);
  // GET or create, with backoff until it works. nullopt when stopping.
  std::optional<api::Lease> backoffEnsureLease(const WaitFn& wait, bool* created);
  Result<api::Lease> ensureLease(bool* created);
  Status retryUpdateLease(api::Lease base, const WaitFn& wait);
  void remember(const api::Lease& lease);

  client::RestClient& client_;
  const NodeOptions opts_;
  Clock& clock_;

  std::optional<api::Lease> latest_;  // the loop thread's own copy
  mutable std::mutex mu_;             // guards shown_ only
  std::optional<api::Lease> shown_;
};

}  // namespace orch::agent
