#pragma once
// A small elastic thread pool for running probes: a task starts at once on an idle thread, or
// on a new one while fewer than `max_threads` exist; otherwise it waits in FIFO order. Threads
// beyond `min_threads` that stay idle for `idle_exit` (real time) end, so an agent with few
// probes keeps few threads.
//
// Threads: submit() from any thread. The destructor drops tasks that have not started and
// waits for running ones (probes are bounded by their timeouts).

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace orch::agent {

class ProbePool {
 public:
  explicit ProbePool(size_t max_threads, size_t min_threads = 1,
                     std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~ProbePool();
  ProbePool(const ProbePool&) = delete;
  ProbePool& operator=(const ProbePool&) = delete;

  // Queues `task`; it must not throw.
  void submit(std::function<void()> task);
  // Threads alive now (tests).
  size_t threads() const;

 private:
  void loop();
  void reapLocked(std::vector<std::thread>& out);

  const size_t max_threads_, min_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread::id> exited_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace orch::agent
