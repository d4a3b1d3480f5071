#include "common/client/leader_election.h"

namespace orch::client {

Result<std::unique_ptr<LeaderElector>> LeaderElector::create(RestClient& client,
                                                             LeaderElectionConfig config) {
  if (config.name.empty()) return Status::invalid("leader election: lease name is empty");
  if (config.namespace_.empty()) {
    return Status::invalid("leader election: lease namespace is empty");
  }
  if (config.identity.empty()) return Status::invalid("leader election: identity is empty");
  if (config.leaseDuration <= config.renewDeadline) {
    return Status::invalid("leader election: leaseDuration must be greater than renewDeadline");
  }
  if (config.renewDeadline.count() * 10 <= config.retryPeriod.count() * 12) {
    return Status::invalid("leader election: renewDeadline must be greater than 1.2 x retryPeriod");
  }
  if (config.retryPeriod.count() <= 0) {
    return Status::invalid("leader election: retryPeriod must be positive");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(config)));
}

LeaderElector::LeaderElector(RestClient& client, LeaderElectionConfig config)
    : client_(client),
      cfg_(std::move(config)),
      clock_(cfg_.clock != nullptr ? *cfg_.clock : realClock()),
      rng_(std::random_device{}()) {}

LeaderElector::~LeaderElector() {
  stop();
}

void LeaderElector::start() {
  std::lock_guard l(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void LeaderElector::stop() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard l(mu_);
  started_ = false;
}

bool LeaderElector::isLeader() const {
  std::lock_guard l(mu_);
  return leading_;
}

std::string LeaderElector::leader() const {
  std::lock_guard l(mu_);
  return observed_holder_;
}

bool LeaderElector::sleepFor(std::chrono::milliseconds d) {
  std::unique_lock l(mu_);
  clock_.waitUntil(cv_, l, clock_.now() + d, [&] { return stopping_; });
  return !stopping_;
}

void LeaderElector::observe(const api::LeaseSpec& spec) {
  std::string holder = spec.holderIdentity.value_or("");
  bool changed_holder = false;
  {
    std::lock_guard l(mu_);
    // Expiry is judged from when *this* candidate saw the record change, on its own
    // monotonic clock: the holder's wall clock may be skewed.
    if (holder != observed_holder_ || spec.renewTime != observed_renew_ ||
        spec.leaseTransitions != observed_transitions_) {
      observed_at_ = clock_.now();
    }
    changed_holder = holder != observed_holder_;
    observed_holder_ = holder;
    observed_renew_ = spec.renewTime;
    observed_transitions_ = spec.leaseTransitions;
  }
  if (changed_holder && !holder.empty() && cfg_.onNewLeader) cfg_.onNewLeader(holder);
}

bool LeaderElector::tryAcquireOrRenew() {
  const api::MicroTime now(clock_.wallNow());
  const int32_t duration_s =
      static_cast<int32_t>(std::max<int64_t>(1, (cfg_.leaseDuration.count() + 999) / 1000));
  auto got = client_.get<api::Lease>(cfg_.namespace_, cfg_.name);
  if (!got.ok()) {
    if (!isNotFound(got.status())) return false;
    api::Lease lease;
    lease.metadata.name = cfg_.name;
    lease.metadata.namespace_ = cfg_.namespace_;
    lease.spec.holderIdentity = cfg_.identity;
    lease.spec.leaseDurationSeconds = duration_s;
    lease.spec.acquireTime = now;
    lease.spec.renewTime = now;
    lease.spec.leaseTransitions = 0;
    auto created = client_.create(lease);
    if (!created.ok()) return false;
    observe(created->spec);
    return true;
  }
  api::Lease lease = std::move(got).value();
  observe(lease.spec);
  const std::string holder = lease.spec.holderIdentity.value_or("");
  const bool mine = holder == cfg_.identity;
  if (!mine && !holder.empty()) {
    std::lock_guard l(mu_);
    const auto held_for =
        std::chrono::seconds(lease.spec.leaseDurationSeconds.value_or(duration_s));
    if (clock_.now() < observed_at_ + held_for) return false;  // still valid
  }
  if (!mine) {
    lease.spec.acquireTime = now;
    lease.spec.leaseTransitions = lease.spec.leaseTransitions.value_or(0) + 1;
  }
  lease.spec.holderIdentity = cfg_.identity;
  lease.spec.leaseDurationSeconds = duration_s;
  lease.spec.renewTime = now;
  // metadata.resourceVersion makes this a compare-and-swap: a racing candidate gets 409.
  auto updated = client_.update(lease);
  if (!updated.ok()) return false;
  observe(updated->spec);
  return true;
}

Status LeaderElector::release() {
  auto got = client_.get<api::Lease>(cfg_.namespace_, cfg_.name);
  if (!got.ok()) return got.status().withContext("release lease");
  api::Lease lease = std::move(got).value();
  if (lease.spec.holderIdentity.value_or("") != cfg_.identity) return Status::ok();
  lease.spec.holderIdentity = "";
  lease.spec.leaseDurationSeconds = 1;
  lease.spec.renewTime = api::MicroTime(clock_.wallNow());
  auto updated = client_.update(lease);
  if (!updated.ok()) return updated.status().withContext("release lease");
  observe(updated->spec);
  return Status::ok();
}

void LeaderElector::run() {
  std::uniform_real_distribution<double> jitter(1.0, 1.2);
  while (true) {
    // Acquire.
    bool acquired = false;
    while (!acquired) {
      {
        std::lock_guard l(mu_);
        if (stopping_) return;
      }
      acquired = tryAcquireOrRenew();
      if (!acquired) {
        auto d = std::chrono::milliseconds(
            static_cast<int64_t>(static_cast<double>(cfg_.retryPeriod.count()) * jitter(rng_)));
        if (!sleepFor(d)) return;
      }
    }
    {
      std::lock_guard l(mu_);
      leading_ = true;
    }
    if (cfg_.onStartedLeading) cfg_.onStartedLeading();
    // Renew until stopped or until renewing failed for renewDeadline.
    auto last_renew = clock_.now();
    bool stopped = false;
    while (true) {
      if (!sleepFor(cfg_.retryPeriod)) {
        stopped = true;
        break;
      }
      if (tryAcquireOrRenew()) {
        last_renew = clock_.now();
      } else if (clock_.now() - last_renew >= cfg_.renewDeadline) {
        break;  // lost the lease
      }
    }
    if (stopped && cfg_.releaseOnCancel) (void)release();
    {
      std::lock_guard l(mu_);
      leading_ = false;
    }
    if (cfg_.onStoppedLeading) cfg_.onStoppedLeading();
    if (stopped) return;
  }
}

}  // namespace orch::client
