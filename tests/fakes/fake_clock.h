#pragma once
// A Clock that only moves when the test says so. waitUntil() blocks until either
// the predicate holds (after a notify) or advance() moves time past the deadline.

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>

#include "common/base/clock.h"

namespace orch::testing {

class FakeClock final : public Clock {
 public:
  FakeClock()
      : now_(TimePoint{} + std::chrono::hours(1)),
        wall_(WallTime{} + std::chrono::hours(24 * 365 * 50)) {}

  TimePoint now() const override {
    std::lock_guard l(mu_);
    return now_;
  }
  WallTime wallNow() const override {
    std::lock_guard l(mu_);
    return wall_;
  }

  // Moves time forward and wakes everything waiting on this clock.
  void advance(Duration d) {
    std::set<std::condition_variable*> waiters;
    {
      std::lock_guard l(mu_);
      now_ += d;
      wall_ += std::chrono::duration_cast<WallTime::duration>(d);
      waiters = waiters_;
    }
    for (auto* cv : waiters) cv->notify_all();
    sleepers_.notify_all();
  }

  // How many threads currently wait on this clock (for tests to sync with them).
  int waiting() const {
    std::lock_guard l(mu_);
    return static_cast<int>(waiting_count_);
  }

  bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline, const std::function<bool()>& pred) override {
    {
      std::lock_guard l(mu_);
      waiters_.insert(&cv);
      ++waiting_count_;
    }
    bool result = false;
    while (true) {
      if (pred()) {
        result = true;
        break;
      }
      if (now() >= deadline) break;
      // A short real-time wait guards against a lost wake-up between the
      // checks above and the wait below; time itself only moves via advance().
      cv.wait_for(lock, std::chrono::milliseconds(5));
    }
    {
      std::lock_guard l(mu_);
      --waiting_count_;
      waiters_.erase(&cv);
    }
    return result;
  }

  void sleepUntil(TimePoint deadline) override {
    std::unique_lock l(mu_);
    ++waiting_count_;
    while (now_ < deadline) sleepers_.wait_for(l, std::chrono::milliseconds(5));
    --waiting_count_;
  }

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  WallTime wall_;
  std::set<std::condition_variable*> waiters_;
  std::condition_variable sleepers_;
  size_t waiting_count_ = 0;
};

}  // namespace orch::testing
