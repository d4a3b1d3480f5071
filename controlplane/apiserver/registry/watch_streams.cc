#include "controlplane/apiserver/registry/watch_streams.h"

namespace orch::apiserver {

WatchStreams::~WatchStreams() {
  stopping_ = true;
  std::list<Entry> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    all.splice(all.end(), entries_);
  }
  for (Entry& e : all)
    if (e.thread.joinable()) e.thread.join();
}

void WatchStreams::reapLocked() {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->done) {
      it->thread.join();
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

void WatchStreams::start(std::function<void(const std::atomic<bool>& stopping)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  reapLocked();
  Entry& e = entries_.emplace_back();
  e.thread = std::thread([this, &e, fn = std::move(fn)] {
    fn(stopping_);
    e.done = true;
  });
}

size_t WatchStreams::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const Entry& e : entries_) n += e.done ? 0 : 1;
  return n;
}

}  // namespace orch::apiserver
