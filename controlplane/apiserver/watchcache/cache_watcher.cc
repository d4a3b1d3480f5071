#include "controlplane/apiserver/watchcache/cache_watcher.h"

#include <algorithm>

namespace orch::apiserver {

bool CacheWatcher::offer(const std::vector<SharedEvent>& events, int64_t through, bool force) {
  // The filter runs outside the lock: prefix_ and after_ are immutable.
  size_t n = 0;
  for (const auto& e : events) n += matches(*e) ? 1 : 0;
  std::lock_guard lock(mu_);
  if (end_) return false;
  if (!force && queue_.size() + n > capacity_) {
    end_ = store::watchLaggedError("watcher fell behind: more than " + std::to_string(capacity_) +
                                   " events queued");
    cv_.notify_all();
    wakeLocked();
    return false;
  }
  if (n > 0) {
    for (const auto& e : events) {
      if (matches(*e)) queue_.push_back(e);
    }
    cv_.notify_all();
    wakeLocked();
  }
  through_ = std::max(through_, through);
  return true;
}

void CacheWatcher::fail(Status error) {
  std::lock_guard lock(mu_);
  if (end_) return;
  end_ = std::move(error);
  cv_.notify_all();
  wakeLocked();
}

void CacheWatcher::cancel() {
  std::lock_guard lock(mu_);
  queue_.clear();
  if (!end_ || !store::isWatchClosed(*end_)) end_ = store::watchClosedError("watch cancelled");
  cv_.notify_all();
  wakeLocked();
}

void CacheWatcher::setWakeup(std::function<void()> wake) {
  std::lock_guard lock(mu_);
  wake_ = std::move(wake);
  wakeLocked();
}

bool CacheWatcher::ended() const {
  std::lock_guard lock(mu_);
  return end_.has_value();
}

Result<std::vector<SharedEvent>> CacheWatcher::nextShared(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  // A zero timeout only looks (waiting with one would still be a futex call per look).
  if (timeout.count() > 0)
    cv_.wait_for(lock, timeout, [&] { return !queue_.empty() || end_.has_value(); });
  if (!queue_.empty()) {
    std::vector<SharedEvent> out(std::make_move_iterator(queue_.begin()),
                                 std::make_move_iterator(queue_.end()));
    queue_.clear();
    // Drained: everything the dispatcher examined for us has now been returned.
    bookmark_ = std::max({bookmark_, through_, out.back()->revision()});
    return out;
  }
  if (end_) return *end_;
  bookmark_ = std::max(bookmark_, through_);
  return std::vector<SharedEvent>{};
}

Result<std::vector<store::Event>> CacheWatcher::next(std::chrono::milliseconds timeout) {
  ORCH_ASSIGN_OR_RETURN(auto shared, nextShared(timeout));
  return copyEvents(shared);
}

int64_t CacheWatcher::bookmark() const {
  std::lock_guard lock(mu_);
  return bookmark_;
}

}  // namespace orch::apiserver
