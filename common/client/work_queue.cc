#include "common/client/work_queue.h"

#include <algorithm>

namespace orch::client {

std::chrono::nanoseconds ItemExponentialBackoff::when(const std::string& key) {
  std::lock_guard l(mu_);
  int n = failures_[key]++;
  // Doubling past 2^62 ns overflows; the cap is reached long before.
  if (n >= 62) return cap_;
  double d = static_cast<double>(base_.count()) * static_cast<double>(int64_t{1} << n);
  if (d >= static_cast<double>(cap_.count())) return cap_;
  return std::chrono::nanoseconds(static_cast<int64_t>(d));
}

void ItemExponentialBackoff::forget(const std::string& key) {
  std::lock_guard l(mu_);
  failures_.erase(key);
}

int ItemExponentialBackoff::numRequeues(const std::string& key) const {
  std::lock_guard l(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

WorkQueue::WorkQueue(Options opts)
    : clock_(opts.clock != nullptr ? *opts.clock : realClock()),
      backoff_(opts.backoffBase, opts.backoffCap) {}

WorkQueue::~WorkQueue() {
  shutDown();
}

void WorkQueue::addLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key) != 0) return;
  dirty_.insert(key);
  if (processing_.count(key) != 0) return;  // queued again by done()
  queue_.push_back(key);
  ++generation_;
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard l(mu_);
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, std::chrono::nanoseconds delay) {
  std::lock_guard l(mu_);
  if (shutting_down_) return;
  if (delay.count() <= 0) {
    addLocked(key);
    return;
  }
  const auto at = clock_.now() + std::chrono::duration_cast<Clock::Duration>(delay);
  auto it = waiting_at_.find(key);
  if (it != waiting_at_.end()) {
    if (it->second <= at) return;  // already waiting for an earlier time
    auto range = waiting_.equal_range(it->second);
    for (auto w = range.first; w != range.second; ++w) {
      if (w->second == key) {
        waiting_.erase(w);
        break;
      }
    }
  }
  waiting_at_[key] = at;
  waiting_.emplace(at, key);
  ++generation_;
  cv_.notify_all();  // a getter may need an earlier deadline
}

void WorkQueue::addRateLimited(const std::string& key) {
  addAfter(key, backoff_.when(key));
}

void WorkQueue::forget(const std::string& key) {
  backoff_.forget(key);
}

int WorkQueue::numRequeues(const std::string& key) const {
  return backoff_.numRequeues(key);
}

void WorkQueue::promoteDueLocked() {
  const auto now = clock_.now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    waiting_at_.erase(key);
    addLocked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock l(mu_);
  while (true) {
    if (!shutting_down_ || drain_) promoteDueLocked();
    if (!queue_.empty() && (!shutting_down_ || drain_)) {
      std::string key = std::move(queue_.front());
      queue_.pop_front();
      dirty_.erase(key);
      processing_.insert(key);
      return key;
    }
    if (shutting_down_) return std::nullopt;
    // No delayed key: wake up hourly anyway (a far deadline rather than max(), which some
    // condition-variable implementations mishandle); the loop just waits again.
    const auto deadline =
        waiting_.empty() ? clock_.now() + std::chrono::hours(1) : waiting_.begin()->first;
    const uint64_t seen = generation_;
    clock_.waitUntil(cv_, l, deadline, [&] { return generation_ != seen || shutting_down_; });
  }
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard l(mu_);
  processing_.erase(key);
  if (dirty_.count(key) != 0) {
    queue_.push_back(key);
    cv_.notify_one();
  }
  ++generation_;
  cv_.notify_all();
}

void WorkQueue::shutDown() {
  std::lock_guard l(mu_);
  shutting_down_ = true;
  ++generation_;
  cv_.notify_all();
}

void WorkQueue::shutDownWithDrain() {
  std::unique_lock l(mu_);
  shutting_down_ = true;
  drain_ = true;
  ++generation_;
  cv_.notify_all();
  cv_.wait(l, [&] { return processing_.empty(); });
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard l(mu_);
  return shutting_down_;
}

size_t WorkQueue::len() const {
  std::lock_guard l(mu_);
  return queue_.size();
}

size_t WorkQueue::delayed() const {
  std::lock_guard l(mu_);
  return waiting_.size();
}

}  // namespace orch::client
