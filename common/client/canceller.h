#pragma once
// Cancels a blocking HTTP request or watch stream from another thread. The operation that
// runs with a Canceller attaches a hook; cancel() runs that hook (which wakes the blocked
// I/O) and makes every later operation using this Canceller fail at once with ECANCELED.
//
// Thread-safe. A Canceller must outlive the operations that use it.

#include <functional>
#include <mutex>

namespace orch::client {

class Canceller {
 public:
  Canceller() = default;
  Canceller(const Canceller&) = delete;
  Canceller& operator=(const Canceller&) = delete;

  // Idempotent. Returns promptly; the cancelled operation returns ECANCELED soon after.
  void cancel() {
    std::lock_guard l(mu_);
    cancelled_ = true;
    if (hook_) hook_();
  }
  bool cancelled() const {
    std::lock_guard l(mu_);
    return cancelled_;
  }
  // Makes the Canceller usable again (for a loop that owns it and restarts its work).
  void reset() {
    std::lock_guard l(mu_);
    cancelled_ = false;
  }

  // For the I/O layer: installs the wake-up hook; false (and no hook) if already cancelled.
  bool attach(std::function<void()> hook) {
    std::lock_guard l(mu_);
    if (cancelled_) return false;
    hook_ = std::move(hook);
    return true;
  }
  // Removes the hook; once this returns the hook will not run again.
  void detach() {
    std::lock_guard l(mu_);
    hook_ = nullptr;
  }

 private:
  mutable std::mutex mu_;
  bool cancelled_ = false;
  std::function<void()> hook_;
};

}  // namespace orch::client
