#include "controlplane/store/watch_channel.h"

namespace orch::store {

bool WatchChannel::push(std::vector<Event> events, bool force) {
  std::lock_guard lock(mu_);
  if (end_) return false;
  if (!force && events_.size() + events.size() > capacity_) {
    end_ = watchLaggedError("watcher fell behind: more than " + std::to_string(capacity_) +
                            " events buffered");
    cv_.notify_all();
    return false;
  }
  for (auto& e : events) events_.push_back(std::move(e));
  if (!events.empty()) cv_.notify_all();
  return true;
}

void WatchChannel::fail(Status error) {
  std::lock_guard lock(mu_);
  if (end_) return;
  end_ = std::move(error);
  cv_.notify_all();
}

void WatchChannel::cancel() {
  std::lock_guard lock(mu_);
  events_.clear();
  if (!end_ || !isWatchClosed(*end_)) end_ = watchClosedError("watch cancelled");
  cv_.notify_all();
}

bool WatchChannel::ended() const {
  std::lock_guard lock(mu_);
  return end_.has_value();
}

Result<std::vector<Event>> WatchChannel::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || end_.has_value(); });
  if (!events_.empty()) {
    std::vector<Event> out(std::make_move_iterator(events_.begin()),
                           std::make_move_iterator(events_.end()));
    events_.clear();
    return out;
  }
  if (end_) return *end_;
  return std::vector<Event>{};
}

}  // namespace orch::store
