#pragma once
// One store event as the watch cache shares it between all its watchers (immutable), with room
// for what the REST layer derives from it once for all of them (its watch event line, what
// selectors look at) instead of once per watcher.

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "controlplane/store/store.h"

namespace orch::apiserver {

class CachedEvent {
 public:
  explicit CachedEvent(store::Event e) : event_(std::move(e)) {}
  CachedEvent(const CachedEvent&) = delete;
  CachedEvent& operator=(const CachedEvent&) = delete;

  const store::Event& event() const { return event_; }
  int64_t revision() const { return event_.revision(); }

  // The T that make(event) returns (a shared_ptr<const T>) on the first call, from any
  // thread; every later call returns that same object. A cache serves one resource and one
  // REST layer, so every caller asks for the same T made the same way.
  template <class T, class Make>
  const T& derived(Make&& make) const {
    std::call_once(derived_once_, [&] { derived_ = make(event_); });
    return *static_cast<const T*>(derived_.get());
  }

 private:
  const store::Event event_;
  mutable std::once_flag derived_once_;
  mutable std::shared_ptr<const void> derived_;
};

using SharedEvent = std::shared_ptr<const CachedEvent>;

inline std::vector<store::Event> copyEvents(const std::vector<SharedEvent>& events) {
  std::vector<store::Event> out;
  out.reserve(events.size());
  for (const auto& e : events) out.push_back(e->event());
  return out;
}

}  // namespace orch::apiserver
