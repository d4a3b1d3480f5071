#pragma once
// WatchChannel: the buffer between a store's event producer and one Watch consumer, shared by
// both backends. The producer pushes batches in revision order; the consumer drains them with
// next(). Bounded: a push that would exceed the capacity ends the channel with a "lagged" error
// (after the events already buffered are drained), so a slow consumer never makes the
// producer block or buffer without limit.
//
// Threads: push/fail from the producer, next() from the consumer, cancel() from anyone.

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "controlplane/store/store.h"

namespace orch::store {

class WatchChannel {
 public:
  explicit WatchChannel(size_t capacity) : capacity_(capacity) {}

  // Appends events. `force` ignores the capacity (used for a bounded catch-up at creation).
  // Returns false when the channel has ended (cancelled, failed or just overflowed): the
  // producer should drop it.
  bool push(std::vector<Event> events, bool force = false);
  // Ends the channel with `error`; buffered events are still delivered first.
  void fail(Status error);
  // Ends the channel at once with "closed"; buffered events are dropped.
  void cancel();
  bool ended() const;
  Result<std::vector<Event>> next(std::chrono::milliseconds timeout);

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> events_;
  std::optional<Status> end_;  // the terminal error, once ended
};

}  // namespace orch::store
