// WatchCache: the ring, the dispatcher thread and the two kinds of CacheWatch (ring-served and
// store-backed fallback).

#include "controlplane/apiserver/watchcache/watch_cache.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <vector>

#include "controlplane/apiserver/watchcache/cache_watcher.h"

namespace orch::apiserver {

namespace {

// A fallback store watch; the cache keeps a weak reference so that its destruction can
// cancel it (store::Watch::cancel is callable from any thread).
struct FallbackHandle {
  std::unique_ptr<store::Watch> watch;
};

}  // namespace

// Everything the dispatcher and the CacheWatches share. It lives as long as the cache or any of
// its watches.
struct WatchCache::State {
  mutable std::mutex mu;
  std::deque<SharedEvent> ring;  // sorted by revision
  int64_t ring_start = 0;        // every event with revision > ring_start is in the ring
  int64_t revision = 0;          // the last applied revision (or the start revision)
  std::vector<std::shared_ptr<CacheWatcher>> watchers;
  std::vector<std::weak_ptr<FallbackHandle>> fallbacks;
  bool closed = false;  // the cache is gone

  void remove(const CacheWatcher* w) {
    std::lock_guard lock(mu);
    std::erase_if(watchers, [&](const auto& p) { return p.get() == w; });
  }
};

namespace {

// A CacheWatch consumed from a CacheWatcher's queue; subclasses fill it and say how to cancel.
class WatcherWatch : public CacheWatch {
 public:
  explicit WatcherWatch(std::shared_ptr<CacheWatcher> w) : w_(std::move(w)) {}
  Result<std::vector<store::Event>> next(std::chrono::milliseconds timeout) override {
    return w_->next(timeout);
  }
  Result<std::vector<SharedEvent>> nextShared(std::chrono::milliseconds timeout) override {
    return w_->nextShared(timeout);
  }
  void setWakeup(std::function<void()> wake) override { w_->setWakeup(std::move(wake)); }
  int64_t bookmarkRevision() const override { return w_->bookmark(); }

 protected:
  const std::shared_ptr<CacheWatcher> w_;
};

class RingWatch final : public WatcherWatch {
 public:
  RingWatch(std::shared_ptr<WatchCache::State> state, std::shared_ptr<CacheWatcher> w)
      : WatcherWatch(std::move(w)), state_(std::move(state)) {}
  ~RingWatch() override { cancel(); }
  void cancel() override {
    w_->cancel();
    state_->remove(w_.get());
  }

 private:
  std::shared_ptr<WatchCache::State> state_;
};

// A store watch from before the ring. A reader thread of its own moves the store watch's
// events into a CacheWatcher, so that it is consumed (and wakes its consumer) the way a
// ring-served watch is.
class FallbackWatch final : public WatcherWatch {
 public:
  FallbackWatch(std::shared_ptr<WatchCache::State> state, std::shared_ptr<FallbackHandle> h,
                std::string prefix, int64_t from, size_t capacity)
      : WatcherWatch(std::make_shared<CacheWatcher>(std::move(prefix), from, from, capacity)),
        state_(std::move(state)),
        h_(std::move(h)) {
    reader_ = std::thread([this] { readLoop(); });
  }
  ~FallbackWatch() override {
    cancel();
    reader_.join();
    std::lock_guard lock(state_->mu);
    std::erase_if(state_->fallbacks, [&](const auto& w) {
      auto p = w.lock();
      return !p || p == h_;
    });
  }
  void cancel() override {
    h_->watch->cancel();
    w_->cancel();
  }

 private:
  void readLoop() {
    for (;;) {
      auto r = h_->watch->next(std::chrono::seconds(1));
      if (!r.ok()) {
        w_->fail(r.status());  // after the events already queued
        return;
      }
      if (r->empty()) {
        if (w_->ended()) return;
        continue;
      }
      std::vector<SharedEvent> batch;
      batch.reserve(r->size());
      for (auto& e : *r) batch.push_back(std::make_shared<const CachedEvent>(std::move(e)));
      // The store watch has no gaps: its last event bounds what has been examined.
      const int64_t through = batch.back()->revision();
      if (!w_->offer(batch, through)) return;  // cancelled, or too far behind (lagged)
    }
  }

  std::shared_ptr<WatchCache::State> state_;
  std::shared_ptr<FallbackHandle> h_;
  std::thread reader_;  // last: started when everything above exists
};

}  // namespace

WatchCache::WatchCache(store::Store& store, std::string prefix, Options opts)
    : store_(store), prefix_(std::move(prefix)), opts_(opts), state_(std::make_shared<State>()) {}

Result<std::unique_ptr<WatchCache>> WatchCache::create(store::Store& store, std::string prefix,
                                                       Options opts, int64_t start_after) {
  if (opts.window == 0) return Status::invalid("watch cache " + prefix + ": window must be > 0");
  if (opts.watcher_buffer == 0) {
    return Status::invalid("watch cache " + prefix + ": watcher_buffer must be > 0");
  }
  std::unique_ptr<WatchCache> c(new WatchCache(store, std::move(prefix), opts));
  // Watching from an explicit revision (rather than 0) pins the start: the cache's revision is
  // exactly the point after which the store delivers events.
  auto rev = store.currentRevision();
  if (!rev.ok()) return rev.status().withContext("watch cache " + c->prefix_);
  int64_t start = start_after > 0 && start_after < *rev ? start_after : *rev;
  auto w = store.watch(c->prefix_, start);
  if (!w.ok() && start != *rev && store::isCompacted(w.status())) {
    start = *rev;  // that history is gone: the watch asking for it gets 410 from its fallback
    w = store.watch(c->prefix_, start);
  }
  if (!w.ok()) return w.status().withContext("watch cache " + c->prefix_);
  c->store_watch_ = std::move(w).value();
  c->state_->ring_start = c->state_->revision = start;
  c->dispatcher_ = std::thread([p = c.get()] { p->dispatchLoop(); });
  return c;
}

WatchCache::~WatchCache() {
  {
    std::lock_guard lock(watch_mu_);
    stopping_ = true;
    if (store_watch_) store_watch_->cancel();
  }
  stop_cv_.notify_all();
  if (dispatcher_.joinable()) dispatcher_.join();
  store_watch_.reset();
  std::vector<std::shared_ptr<FallbackHandle>> fallbacks;
  {
    std::lock_guard lock(state_->mu);
    state_->closed = true;
    for (auto& w : state_->watchers) w->fail(store::watchClosedError("watch cache stopped"));
    state_->watchers.clear();
    for (auto& f : state_->fallbacks) {
      if (auto p = f.lock()) fallbacks.push_back(std::move(p));
    }
    state_->ring.clear();
  }
  // Outside the lock: the last reference may go here, and FallbackWatch takes the lock.
  for (auto& f : fallbacks) f->watch->cancel();
}

int64_t WatchCache::revision() const {
  std::lock_guard lock(state_->mu);
  return state_->revision;
}

size_t WatchCache::watcherCount() const {
  std::lock_guard lock(state_->mu);
  size_t n = state_->watchers.size();
  for (const auto& f : state_->fallbacks) n += f.expired() ? 0 : 1;
  return n;
}

Result<std::unique_ptr<CacheWatch>> WatchCache::watch(std::string_view key_prefix,
                                                      int64_t from_revision) {
  if (!key_prefix.starts_with(prefix_)) {
    return Status::invalid("watch " + std::string(key_prefix) + ": not under the cache's prefix " +
                           prefix_);
  }
  if (from_revision < 0) {
    return Status::invalid("watch " + std::string(key_prefix) + ": from_revision must be >= 0");
  }
  {
    std::lock_guard lock(state_->mu);
    auto& s = *state_;
    if (from_revision == 0 || from_revision >= s.ring_start) {
      // Live events all have revisions > s.revision, so "after" only matters for the replay
      // and for a future from_revision.
      int64_t after = from_revision == 0 ? s.revision : from_revision;
      auto w = std::make_shared<CacheWatcher>(std::string(key_prefix), after, after,
                                              opts_.watcher_buffer);
      if (from_revision != 0 && from_revision < s.revision) {
        // Replay the ring's events after from_revision; registering under the lock the
        // dispatcher fans out under makes the hand-over to live events exact.
        auto it =
            std::upper_bound(s.ring.begin(), s.ring.end(), from_revision,
                             [](int64_t rev, const SharedEvent& e) { return rev < e->revision(); });
        w->offer(std::vector<SharedEvent>(it, s.ring.end()), s.revision, /*force=*/true);
      }
      s.watchers.push_back(w);
      return std::unique_ptr<CacheWatch>(std::make_unique<RingWatch>(state_, std::move(w)));
    }
  }
  // Older than the ring: the store may still have that history.
  auto sw = store_.watch(key_prefix, from_revision);
  if (!sw.ok()) return sw.status();
  auto h = std::make_shared<FallbackHandle>();
  h->watch = std::move(sw).value();
  std::lock_guard lock(state_->mu);
  state_->fallbacks.push_back(h);
  return std::unique_ptr<CacheWatch>(std::make_unique<FallbackWatch>(
      state_, std::move(h), std::string(key_prefix), from_revision, opts_.watcher_buffer));
}

void WatchCache::dispatchLoop() {
  for (;;) {
    store::Watch* w;
    {
      std::lock_guard lock(watch_mu_);
      if (stopping_) return;
      w = store_watch_.get();  // replaced only by this thread
    }
    auto r = w->next(std::chrono::milliseconds(500));
    if (!r.ok()) {
      recover(r.status());
      continue;
    }
    if (r->empty()) continue;
    std::vector<SharedEvent> batch;
    batch.reserve(r->size());
    for (auto& e : *r) batch.push_back(std::make_shared<const CachedEvent>(std::move(e)));
    std::lock_guard lock(state_->mu);
    auto& s = *state_;
    for (const auto& e : batch) {
      s.ring.push_back(e);
      if (s.ring.size() > opts_.window) {
        s.ring_start = s.ring.front()->revision();
        s.ring.pop_front();
      }
    }
    s.revision = batch.back()->revision();
    std::erase_if(s.watchers, [&](const auto& cw) { return !cw->offer(batch, s.revision); });
  }
}

void WatchCache::sleepUnlessStopping(std::chrono::milliseconds d) {
  std::unique_lock lock(watch_mu_);
  stop_cv_.wait_for(lock, d, [&] { return stopping_; });
}

void WatchCache::recover(const Status& error) {
  bool restart = store::isCompacted(error) || store::isWatchClosed(error);
  Status why = error;
  for (;;) {
    {
      std::lock_guard lock(watch_mu_);
      if (stopping_) return;
    }
    int64_t after;
    if (restart) {
      auto rev = store_.currentRevision();
      if (!rev.ok()) {
        sleepUnlessStopping(opts_.retry_delay);
        continue;
      }
      after = *rev;
    } else {
      after = revision();  // only this thread changes it
    }
    auto w = store_.watch(prefix_, after);
    if (!w.ok()) {
      // History gone while re-watching after a lag: the watchers can no longer be continued.
      if (store::isCompacted(w.status())) {
        restart = true;
        why = w.status();
      } else {
        sleepUnlessStopping(opts_.retry_delay);
      }
      continue;
    }
    if (restart) {
      // Reset and fail the watchers under one lock: a watcher registered before this point
      // expects events from the old revision and must re-list too.
      std::lock_guard lock(state_->mu);
      auto& s = *state_;
      for (auto& cw : s.watchers) cw->fail(why.withContext("watch cache " + prefix_));
      s.watchers.clear();
      s.ring.clear();
      s.ring_start = s.revision = after;
    }
    std::lock_guard lock(watch_mu_);
    if (stopping_) {
      (*w)->cancel();
      return;
    }
    store_watch_ = std::move(w).value();  // the old one is no longer read by anyone
    return;
  }
}

}  // namespace orch::apiserver
