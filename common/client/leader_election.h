#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package:
// candidates race to write their identity into the Lease; the holder renews renewTime every
// retryPeriod; the others take over once the lease has not changed for leaseDuration (measured
// on their own monotonic clock from when they last saw it change, so clock skew does not
// matter). leaseTransitions counts hand-overs; acquireTime/renewTime are wall-clock stamps.
//
// Lifecycle: start() runs the elector on its own thread. It acquires (retrying every
// retryPeriod, jittered), calls onStartedLeading, renews; when it cannot renew for
// renewDeadline it calls onStoppedLeading and goes back to acquiring. stop() ends it: when
// leading and releaseOnCancel is set, it first clears holderIdentity so another candidate can
// take over at once, then calls onStoppedLeading.
// Callbacks run on the elector thread and must return promptly (start long work elsewhere).
// Threads: isLeader()/leader() may be called from any thread. The RestClient and the clock
// must outlive the elector.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "common/api/lease.h"
#include "common/client/rest_client.h"

namespace orch::client {

struct LeaderElectionConfig {
  std::string namespace_;  // of the Lease
  std::string name;        // of the Lease
  std::string identity;    // this candidate, unique among candidates (e.g. hostname_uuid)
  std::chrono::milliseconds leaseDuration{15000};
  std::chrono::milliseconds renewDeadline{10000};
  std::chrono::milliseconds retryPeriod{2000};
  bool releaseOnCancel = true;
  std::function<void()> onStartedLeading;
  std::function<void()> onStoppedLeading;
  std::function<void(const std::string& identity)> onNewLeader;  // also for itself
  Clock* clock = nullptr;                                        // nullptr = realClock()
};

class LeaderElector {
 public:
  // EINVAL when a field is missing or the durations are inconsistent (leaseDuration must
  // exceed renewDeadline, which must exceed 1.2 × retryPeriod).
  static Result<std::unique_ptr<LeaderElector>> create(RestClient& client,
                                                       LeaderElectionConfig config);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  void start();
  void stop();
  bool isLeader() const;
  // The holder last seen in the Lease ("" if none).
  std::string leader() const;

  // One acquire-or-renew attempt against the Lease (what the loop does every retryPeriod).
  // True when this candidate holds the lease afterwards.
  bool tryAcquireOrRenew();
  // Clears holderIdentity if this candidate holds the lease.
  Status release();

 private:
  LeaderElector(RestClient& client, LeaderElectionConfig config);
  void run();
  bool sleepFor(std::chrono::milliseconds d);  // false when stopping
  void observe(const api::LeaseSpec& spec);

  RestClient& client_;
  const LeaderElectionConfig cfg_;
  Clock& clock_;
  std::mt19937_64 rng_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool started_ = false;
  bool leading_ = false;
  std::string observed_holder_;
  std::optional<api::MicroTime> observed_renew_;
  std::optional<int32_t> observed_transitions_;
  Clock::TimePoint observed_at_{};
  std::thread thread_;
};

}  // namespace orch::client
