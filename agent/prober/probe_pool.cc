#include "agent/prober/probe_pool.h"

#include <algorithm>
#include <system_error>

namespace orch::agent {

ProbePool::ProbePool(size_t max_threads, size_t min_threads, std::chrono::milliseconds idle_exit)
    : max_threads_(std::max<size_t>(1, max_threads)),
      min_threads_(std::min(min_threads, std::max<size_t>(1, max_threads))),
      idle_exit_(idle_exit) {}

ProbePool::~ProbePool() {
  std::map<std::thread::id, std::thread> threads;
  {
    std::lock_guard l(mu_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& [id, t] : threads) t.join();
}

void ProbePool::reapLocked(std::vector<std::thread>& out) {
  for (auto id : exited_) {
    auto it = threads_.find(id);
    if (it == threads_.end()) continue;
    out.push_back(std::move(it->second));
    threads_.erase(it);
  }
  exited_.clear();
}

void ProbePool::submit(std::function<void()> task) {
  std::vector<std::thread> finished;
  {
    std::lock_guard l(mu_);
    if (stopping_) return;
    reapLocked(finished);
    queue_.push_back(std::move(task));
    if (idle_ < queue_.size() && threads_.size() < max_threads_) {
      try {
        std::thread t([this] { loop(); });
        threads_.emplace(t.get_id(), std::move(t));
      } catch (const std::system_error&) {
        // No new thread (EAGAIN): the task waits for a running one.
      }
    }
  }
  cv_.notify_one();
  for (auto& t : finished) t.join();
}

size_t ProbePool::threads() const {
  std::lock_guard l(mu_);
  return threads_.size() - exited_.size();
}

void ProbePool::loop() {
  std::unique_lock l(mu_);
  while (true) {
    ++idle_;
    bool got = cv_.wait_for(l, idle_exit_, [&] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    if (!got) {
      if (threads_.size() - exited_.size() > min_threads_) {
        exited_.push_back(std::this_thread::get_id());
        return;
      }
      continue;
    }
    auto task = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    task();
    l.lock();
  }
}

}  // namespace orch::agent
