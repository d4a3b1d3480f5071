#include "agent/kuberuntime/crash_backoff.h"

#include <algorithm>

#include "agent/kuberuntime/labels.h"

namespace orch::agent {

std::string crashBackoffKey(const api::Pod& pod, const api::Container& container) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "_" + pod.metadata.uid + "_" +
         container.name + "_" + containerHashString(container);
}

BackoffPolicy::BackoffPolicy(Clock& clock, Duration initial, Duration max)
    : clock_(clock), initial_(initial), max_(max) {}

bool BackoffPolicy::expired(const Entry& e, WallTime event_time) const {
  return event_time - e.last_update > 2 * max_;
}

std::optional<BackoffPolicy::WallTime> BackoffPolicy::backoffUntil(const std::string& key,
                                                                   WallTime finished_at) const {
  std::lock_guard l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, finished_at)) return std::nullopt;
  WallTime until = finished_at + std::chrono::duration_cast<WallTime::duration>(it->second.delay);
  if (clock_.wallNow() >= until) return std::nullopt;
  return until;
}

BackoffPolicy::Duration BackoffPolicy::delay(const std::string& key) const {
  std::lock_guard l(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? Duration{} : it->second.delay;
}

void BackoffPolicy::recordRestart(const std::string& key, WallTime finished_at) {
  std::lock_guard l(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, finished_at)) {
    entries_[key] = Entry{initial_, clock_.wallNow()};
    return;
  }
  it->second.delay = std::min(it->second.delay * 2, max_);
  it->second.last_update = clock_.wallNow();
}

void BackoffPolicy::reset(const std::string& key) {
  std::lock_guard l(mu_);
  entries_.erase(key);
}

void BackoffPolicy::gc() {
  std::lock_guard l(mu_);
  WallTime now = clock_.wallNow();
  std::erase_if(entries_, [&](const auto& kv) { return now - kv.second.last_update > 2 * max_; });
}

}  // namespace orch::agent
