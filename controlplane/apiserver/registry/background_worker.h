#pragma once
// A thread that runs one function whenever it is poked and at least every interval (the
// namespace cleaner's and the garbage collector's passes). Declare it as the last member of
// its owner, so that it stops before the state its function uses goes away.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace orch::apiserver {

class BackgroundWorker {
 public:
  BackgroundWorker(std::chrono::milliseconds interval, std::function<void()> pass);
  ~BackgroundWorker();  // stops and joins (a running pass finishes first)
  BackgroundWorker(const BackgroundWorker&) = delete;
  BackgroundWorker& operator=(const BackgroundWorker&) = delete;

  // Runs the pass soon instead of at the next interval.
  void poke();

 private:
  const std::chrono::milliseconds interval_;
  const std::function<void()> pass_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace orch::apiserver
