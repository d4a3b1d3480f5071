#pragma once
// WatchCache: serves many apiserver watches from ONE store watch per resource prefix, the way
// upstream's cacher does. A dispatcher thread reads the store watch, appends each event to a
// ring of the last `window` events and fans it out to the watchers whose key prefix matches.
//
// Serving a watch(key_prefix, from_revision):
//  - from_revision = 0: events committed after the call (the cache's revision at that moment).
//  - from_revision inside the ring (>= the ring's start): the ring's events after it are
//    replayed, then the watcher continues live, without gap or duplicate.
//  - from_revision older than the ring: a direct store watch, wrapped as a CacheWatch; the
//    store answers isCompacted when that history is gone (the REST layer turns it into 410).
//  - from_revision in the future: only events after it are delivered (etcd's behaviour).
//
// Failures of the store watch: lagged or transport errors make the cache re-watch the store
// from the last revision it applied (watchers do not notice). A compacted or closed store
// watch ends every current watcher with that error (their clients re-list) and the cache
// restarts from the store's current revision.
//
// A watcher that has more than Options::watcher_buffer events queued is dropped with
// isWatchLagged (after its queued events are drained); it never slows the others down.
//
// Threads: every WatchCache method is thread-safe. A CacheWatch follows store::Watch's rules
// (one consumer thread; cancel(), bookmarkRevision() and setWakeup() from any thread). CacheWatches
// may outlive the cache: destroying the cache ends them with isWatchClosed. The Store must outlive
// the cache and every CacheWatch it returned.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "common/base/status.h"
#include "controlplane/apiserver/watchcache/cached_event.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

// A store::Watch served by the cache that also knows how far it is complete, and that can
// hand out the cache's shared events and wake a consumer that has no thread of its own.
class CacheWatch : public store::Watch {
 public:
  // next() without copying the events.
  virtual Result<std::vector<SharedEvent>> nextShared(std::chrono::milliseconds timeout) = 0;
  // Calls `wake` now and whenever nextShared() may have something new (events or the end),
  // from the thread that queued them, possibly under the cache's locks: `wake` must only
  // signal (never call into the cache). Set once, by the consumer.
  virtual void setWakeup(std::function<void()> wake) = 0;
  // The revision R such that every event with revision <= R for this watch has been returned
  // by next() (used for BOOKMARK events). Starts at the watch's from_revision (or the cache's
  // revision at watch() time for from = 0) and never decreases.
  virtual int64_t bookmarkRevision() const = 0;
};

class WatchCache {
 public:
  struct Options {
    size_t window = 10000;          // events kept in the ring
    size_t watcher_buffer = 10000;  // events queued per watcher before it is dropped (lagged)
    // How long to wait before retrying a store watch that could not be (re)opened.
    std::chrono::milliseconds retry_delay = std::chrono::milliseconds(200);
  };

  // Opens ONE store watch on `prefix` and starts the dispatcher thread. The cache starts at
  // the store's current revision, or at `start_after` when that is older and still in the
  // store's history: the store then replays the events since into the ring, so that the watch
  // a cache is created for (its client listed a moment before) is served from the ring rather
  // than by a store watch of its own, and so are the many that follow it from that revision.
  // Errors: those of the store (currentRevision, watch); EINVAL for a window or
  // watcher_buffer of 0.
  static Result<std::unique_ptr<WatchCache>> create(store::Store& store, std::string prefix,
                                                    Options opts, int64_t start_after = 0);
  // Ends the store watch and joins the dispatcher; open CacheWatches end with isWatchClosed.
  ~WatchCache();
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  // Events for keys starting with `key_prefix` with revision > from_revision (0 = from now).
  // `key_prefix` must start with the cache's prefix (EINVAL otherwise): a namespace
  // ("/registry/pods/default/") or one object's key. See the file comment for how it is
  // served. Errors: EINVAL (prefix, negative revision), isCompacted, store errors.
  Result<std::unique_ptr<CacheWatch>> watch(std::string_view key_prefix, int64_t from_revision);

  // The revision of the last event the cache has applied (or its start revision).
  int64_t revision() const;
  // Open watchers: those served from the ring plus the store-backed fallbacks.
  size_t watcherCount() const;
  const std::string& prefix() const { return prefix_; }

  struct State;  // shared with the CacheWatches (watch_cache.cc)

 private:
  WatchCache(store::Store& store, std::string prefix, Options opts);
  Status openStoreWatch(int64_t after);
  void dispatchLoop();
  // Handles the store watch's terminal error; returns when the cache is serving again or
  // stopping.
  void recover(const Status& error);
  void sleepUnlessStopping(std::chrono::milliseconds d);

  store::Store& store_;
  const std::string prefix_;
  const Options opts_;
  std::shared_ptr<State> state_;

  // The store watch; replaced only by the dispatcher thread, cancelled by the destructor.
  std::mutex watch_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::unique_ptr<store::Watch> store_watch_;
  std::thread dispatcher_;
};

}  // namespace orch::apiserver
