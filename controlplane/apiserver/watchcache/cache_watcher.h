#pragma once
// CacheWatcher: one ring-served watcher's queue, filled by the cache's dispatcher thread and
// drained by the watch's consumer. Internal to the watch cache.
//
// Events are shared (one immutable copy per event for all watchers): nextShared() hands them
// out as they are, next() as copies. A consumer without a thread of its own sets a wake-up,
// called whenever nextShared() may have something new (events or the end).
// `through` is the revision the dispatcher has examined for this watcher: every event of this
// watcher up to it is queued or delivered, so once the queue is drained it is the bookmark.
//
// Threads: offer()/fail() from the dispatcher (under the cache's state lock), next() from the
// consumer, cancel(), bookmark() and setWakeup() from anyone. The wake-up runs on the thread that
// queued (the dispatcher, under the cache's state lock): it must only signal.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/apiserver/watchcache/cached_event.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

class CacheWatcher {
 public:
  // Delivers events for keys starting with `prefix` with revision > `after`.
  CacheWatcher(std::string prefix, int64_t after, int64_t bookmark, size_t capacity)
      : prefix_(std::move(prefix)),
        after_(after),
        capacity_(capacity),
        through_(bookmark),
        bookmark_(bookmark) {}

  // Queues this watcher's events among `events` (sorted by revision) and records that
  // everything up to `through` has been examined. `force` ignores the capacity (the replay at
  // registration). Returns false when the watcher has ended (cancelled, failed, or it just
  // overflowed and is now lagged): the dispatcher drops it.
  bool offer(const std::vector<SharedEvent>& events, int64_t through, bool force = false);
  // Ends the watcher with `error` after its queued events are delivered.
  void fail(Status error);
  // Ends the watcher at once with "closed"; queued events are dropped.
  void cancel();
  bool ended() const;

  Result<std::vector<SharedEvent>> nextShared(std::chrono::milliseconds timeout);
  Result<std::vector<store::Event>> next(std::chrono::milliseconds timeout);
  // Calls `wake` now and after every change nextShared() would see.
  void setWakeup(std::function<void()> wake);
  int64_t bookmark() const;

 private:
  bool matches(const CachedEvent& e) const {
    return e.revision() > after_ && e.event().kv.key.starts_with(prefix_);
  }
  // Signals the consumer; called with mu_ held (the wake-up only signals).
  void wakeLocked() {
    if (wake_) wake_();
  }

  const std::string prefix_;
  const int64_t after_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SharedEvent> queue_;
  int64_t through_;
  int64_t bookmark_;
  std::optional<Status> end_;
  std::function<void()> wake_;
};

}  // namespace orch::apiserver
