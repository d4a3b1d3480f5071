#include "agent/node/lease_renewer.h"

#include <algorithm>

#include "common/api/node.h"

namespace orch::agent {
namespace {

constexpr int kMaxUpdateRetries = 5;
constexpr std::chrono::milliseconds kEnsureBackoffBase{200};
constexpr std::chrono::milliseconds kEnsureBackoffMax{7000};

}  // namespace

std::optional<api::Lease> LeaseRenewer::lastLease() const {
  std::lock_guard l(mu_);
  return shown_;
}

void LeaseRenewer::remember(const api::Lease& lease) {
  latest_ = lease;
  std::lock_guard l(mu_);
  shown_ = lease;
}

api::Lease LeaseRenewer::newLease(const std::optional<api::Lease>& base) {
  api::Lease lease;
  if (base) {
    lease = *base;
  } else {
    lease.metadata.name = opts_.nodeName;
    lease.metadata.namespace_ = kNodeLeaseNamespace;
  }
  lease.spec.holderIdentity = opts_.nodeName;
  lease.spec.leaseDurationSeconds = opts_.nodeLeaseDurationSeconds;
  lease.spec.renewTime = api::MicroTime(clock_.wallNow());
  if (lease.metadata.ownerReferences.empty()) {
    // The Node may not exist yet (registration still running): try again next round.
    auto node = client_.get<api::Node>("", opts_.nodeName);
    if (node.ok() && !node->metadata.uid.empty()) {
      api::OwnerReference ref;
      ref.apiVersion = "v1";
      ref.kind = "Node";
      ref.name = node->metadata.name;
      ref.uid = node->metadata.uid;
      lease.metadata.ownerReferences.push_back(std::move(ref));
    }
  }
  return lease;
}

Result<api::Lease> LeaseRenewer::ensureLease(bool* created) {
  *created = false;
  auto got = client_.get<api::Lease>(kNodeLeaseNamespace, opts_.nodeName);
  if (got.ok()) return got;
  if (!client::isNotFound(got.status())) return got.status().withContext("get node lease");
  auto made = client_.create(newLease(std::nullopt));
  if (!made.ok()) return made.status().withContext("create node lease");
  *created = true;
  return made;
}

std::optional<api::Lease> LeaseRenewer::backoffEnsureLease(const WaitFn& wait, bool* created) {
  std::chrono::milliseconds delay = kEnsureBackoffBase;
  while (true) {
    auto lease = ensureLease(created);
    if (lease.ok()) return std::move(lease).value();
    if (!wait(delay)) return std::nullopt;
    delay = std::min(delay * 2, kEnsureBackoffMax);
  }
}

Status LeaseRenewer::retryUpdateLease(api::Lease base, const WaitFn& wait) {
  Status last;
  for (int i = 0; i < kMaxUpdateRetries; ++i) {
    auto updated = client_.update(newLease(base));
    if (updated.ok()) {
      remember(*updated);
      return Status::ok();
    }
    last = updated.status();
    if (client::isConflict(last)) {
      // Someone else wrote the Lease: renew on top of its current version.
      bool created = false;
      auto fresh = backoffEnsureLease(wait, &created);
      if (!fresh) return Status::error(ECANCELED, "renew node lease: stopping");
      base = std::move(*fresh);
    }
  }
  return last.withContext("renew node lease: failed " + std::to_string(kMaxUpdateRetries) +
                          " attempts");
}

Status LeaseRenewer::sync(const WaitFn& wait) {
  if (latest_) {
    Status st = retryUpdateLease(*latest_, wait);
    if (st.isOk() || st.code() == ECANCELED) return st;
  }
  bool created = false;
  auto lease = backoffEnsureLease(wait, &created);
  if (!lease) return Status::error(ECANCELED, "ensure node lease: stopping");
  remember(*lease);
  if (created) return Status::ok();
  return retryUpdateLease(std::move(*lease), wait);
}

}  // namespace orch::agent
