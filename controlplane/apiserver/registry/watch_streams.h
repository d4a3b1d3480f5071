#pragma once
// The threads that feed watch responses: one per open watch, started by the REST handlers,
// joined when they end or when the owner goes away (the destructor asks every stream to stop
// and joins them all).

#include <atomic>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace orch::apiserver {

class WatchStreams {
 public:
  WatchStreams() = default;
  ~WatchStreams();
  WatchStreams(const WatchStreams&) = delete;
  WatchStreams& operator=(const WatchStreams&) = delete;

  // Runs fn(stopping) on a new thread; fn must return soon after stopping() turns true.
  void start(std::function<void(const std::atomic<bool>& stopping)> fn);
  // Streams currently running.
  size_t running() const;

 private:
  struct Entry {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void reapLocked();
  mutable std::mutex mu_;
  std::list<Entry> entries_;
  std::atomic<bool> stopping_{false};
};

}  // namespace orch::apiserver
