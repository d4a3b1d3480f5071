#pragma once
// A work queue of string keys, as client-go's rate-limited workqueue:
//  - add(key) queues a key once: adding a key that is queued and not yet taken is a no-op;
//  - get() hands a key to one worker; while it is processing, add(key) marks it dirty and it
//    is queued again when the worker calls done(key) (a key is never processed twice at once);
//  - addAfter(key, delay) queues it once the delay has passed on the injected Clock;
//  - addRateLimited(key) waits a per-key exponential backoff (base * 2^failures, capped);
//    forget(key) resets that key's failures; numRequeues(key) reads them;
//  - shutDown() wakes every get(), which then returns nullopt; shutDownWithDrain() also waits
//    until the keys being processed are done.
//
// Threads: every method may be called from any thread. The clock must outlive the queue.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common/base/clock.h"

namespace orch::client {

// Per-item exponential backoff: base * 2^(failures), capped (client-go's
// ItemExponentialFailureRateLimiter). Thread-safe.
class ItemExponentialBackoff {
 public:
  explicit ItemExponentialBackoff(std::chrono::nanoseconds base = std::chrono::milliseconds(5),
                                  std::chrono::nanoseconds cap = std::chrono::seconds(1000))
      : base_(base), cap_(cap) {}
  // The delay for this failure of `key`, counting it.
  std::chrono::nanoseconds when(const std::string& key);
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

 private:
  std::chrono::nanoseconds base_, cap_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> failures_;
};

class WorkQueue {
 public:
  struct Options {
    std::chrono::nanoseconds backoffBase = std::chrono::milliseconds(5);
    std::chrono::nanoseconds backoffCap = std::chrono::seconds(1000);
    Clock* clock = nullptr;  // nullptr = realClock()
  };
  WorkQueue() : WorkQueue(Options{}) {}
  explicit WorkQueue(Options opts);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue();

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::nanoseconds delay);
  void addRateLimited(const std::string& key);
  void forget(const std::string& key);
  int numRequeues(const std::string& key) const;

  // Blocks until a key is ready (returned, now "processing") or the queue shuts down
  // (nullopt; with drain, only once the queue is empty).
  std::optional<std::string> get();
  // The worker finished `key`; if it was added meanwhile it is queued again.
  void done(const std::string& key);

  void shutDown();
  // Stops accepting new keys, lets workers still take the queued ones, and returns once no
  // key is being processed (as client-go, it does not wait for keys no worker takes).
  void shutDownWithDrain();
  bool shuttingDown() const;
  // Keys queued and ready (not delayed, not processing).
  size_t len() const;
  // Keys waiting for their delay.
  size_t delayed() const;

 private:
  void addLocked(const std::string& key);
  void promoteDueLocked();

  Clock& clock_;
  ItemExponentialBackoff backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued or to be re-queued after done()
  std::unordered_set<std::string> processing_;  // taken by a worker
  std::multimap<Clock::TimePoint, std::string> waiting_;
  std::unordered_map<std::string, Clock::TimePoint> waiting_at_;  // earliest ready time
  uint64_t generation_ = 0;  // bumped on every change a getter must look at
  bool shutting_down_ = false;
  bool drain_ = false;
};

}  // namespace orch::client
