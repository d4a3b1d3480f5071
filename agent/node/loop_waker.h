#pragma once
// LoopWaker: the pause between two rounds of a periodic loop, on an injectable clock, that
// stop() ends at once and poke() cuts short (e.g. "the runtime became ready: post status now").
// Threads: all methods may be called from any thread; wait() from the loop's thread only.

#include <condition_variable>
#include <mutex>

#include "common/base/clock.h"

namespace orch::agent {

class LoopWaker {
 public:
  explicit LoopWaker(Clock& clock) : clock_(clock) {}

  // Waits up to `d`. False when stopped (before or during the wait), true otherwise.
  bool wait(Clock::Duration d) {
    std::unique_lock l(mu_);
    clock_.waitUntil(cv_, l, clock_.now() + d, [&] { return stopped_ || poked_; });
    poked_ = false;
    return !stopped_;
  }
  void poke() {
    {
      std::lock_guard l(mu_);
      poked_ = true;
    }
    cv_.notify_all();
  }
  void stop() {
    {
      std::lock_guard l(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }
  // Makes a stopped waker usable again (before the loop is restarted).
  void reset() {
    std::lock_guard l(mu_);
    stopped_ = false;
    poked_ = false;
  }
  bool stopped() const {
    std::lock_guard l(mu_);
    return stopped_;
  }

 private:
  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool poked_ = false;
};

}  // namespace orch::agent
