#pragma once
// An injectable clock. Code that waits or stamps time takes a Clock&, so tests
// can drive time with tests/fakes/fake_clock.h instead of sleeping.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

namespace orch {

class Clock {
 public:
  using Duration = std::chrono::steady_clock::duration;
  using TimePoint = std::chrono::steady_clock::time_point;
  using WallTime = std::chrono::system_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic time, for deadlines and intervals.
  virtual TimePoint now() const = 0;
  // Wall-clock time, for timestamps written into objects.
  virtual WallTime wallNow() const = 0;
  // Waits on `cv` (with `lock` held) until `pred` holds or `deadline` passes, in
  // this clock's time. Returns pred(). A fake clock wakes waiters when advanced.
  virtual bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline, const std::function<bool()>& pred) = 0;
  // Sleeps until `deadline` in this clock's time.
  virtual void sleepUntil(TimePoint deadline) = 0;
};

class RealClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  WallTime wallNow() const override { return std::chrono::system_clock::now(); }
  bool waitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline, const std::function<bool()>& pred) override {
    return cv.wait_until(lock, deadline, pred);
  }
  void sleepUntil(TimePoint deadline) override;
};

// The process-wide real clock.
Clock& realClock();

}  // namespace orch
