#pragma once
// BackoffPolicy: the kubelet's crash-loop back-off (flowcontrol.Backoff as the kubelet uses
// it), per key (crashBackoffKey: pod name, namespace, uid, container name and spec hash).
//
// A container that exited is restarted only once `delay` has passed since it finished. The
// delay starts at `initial` (10 s) and doubles with each restart up to `max` (5 min). It
// resets when the container ran long enough: when the exit being looked at happened more
// than 2 * max (10 min) after the last restart was recorded.
//
// Protocol for the sync loop:
//   if (auto until = backoff.backoffUntil(key, finished_at)) -> don't start; CrashLoopBackOff
//   else { start the container; backoff.recordRestart(key, finished_at); }
// (only for containers that have an exited instance; the first start is never delayed).
// Times are wall-clock times (CRI finished_at) and the Clock's wallNow(). Thread-safe.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "common/api/pod.h"
#include "common/base/clock.h"

namespace orch::agent {

std::string crashBackoffKey(const api::Pod& pod, const api::Container& container);

class BackoffPolicy {
 public:
  using Duration = Clock::Duration;
  using WallTime = Clock::WallTime;

  explicit BackoffPolicy(Clock& clock, Duration initial = std::chrono::seconds(10),
                         Duration max = std::chrono::minutes(5));

  // The time until which a restart after an exit at `finished_at` is held back, or nullopt
  // when it may happen now.
  std::optional<WallTime> backoffUntil(const std::string& key, WallTime finished_at) const;
  // The delay currently applied for `key` (0 when none).
  Duration delay(const std::string& key) const;
  // Records that the container was restarted after exiting at `finished_at`: the next delay
  // doubles (up to max), or starts over at `initial` when the entry expired.
  void recordRestart(const std::string& key, WallTime finished_at);
  // Forgets one key / entries not touched for 2 * max.
  void reset(const std::string& key);
  void gc();

 private:
  struct Entry {
    Duration delay{};
    WallTime last_update{};
  };
  bool expired(const Entry& e, WallTime event_time) const;

  Clock& clock_;
  const Duration initial_, max_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace orch::agent
