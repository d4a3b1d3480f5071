#pragma once
// Informer<T>: keeps a local cache of one kind in step with the API server, as client-go's
// SharedIndexInformer, and tells handlers about every change.
//
//  - start() lists (paged) and then watches from the list's resourceVersion; the cache
//    (store()) and the handlers see every ADDED / MODIFIED / DELETED event.
//  - When the stream ends or breaks, the watch resumes from the last resourceVersion seen
//    (bookmarks included), after a jittered, capped backoff when it failed; no event is
//    delivered twice.
//  - When the server answers 410 Gone (history compacted), the informer lists again and
//    reconciles: objects that vanished meanwhile get a delete, changed ones an update, new
//    ones an add.
//  - With a resync period, every cached object is re-delivered as update(obj, obj).
//  - hasSynced() turns true once the first list is in the cache.
//
// Threads: the informer runs one thread (plus one for resync). Handlers run on those threads,
// one at a time (never concurrently with each other), after the store was updated; they must
// not block for long and must not call stop(). stop() cancels the watch and joins the
// threads; the destructor stops. An informer is started at most once.
// The RestClient and the clock must outlive the informer.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/client/backoff.h"
#include "common/client/rest_client.h"
#include "common/client/store.h"

namespace orch::client {

template <class T>
struct EventHandler {
  std::function<void(const T& obj)> onAdd;
  std::function<void(const T& old_obj, const T& new_obj)> onUpdate;
  std::function<void(const T& obj)> onDelete;  // the last known state of the object
};

struct InformerOptions {
  std::string namespace_;  // "" = all namespaces (or a cluster-scoped kind)
  std::string labelSelector;
  std::string fieldSelector;
  std::chrono::milliseconds resyncPeriod{0};  // 0 = no periodic resync
  int64_t pageSize = 500;
  std::chrono::milliseconds backoffBase{800};
  std::chrono::milliseconds backoffCap{30000};
  // Each watch asks the server to end it after a random time in [t, 2t), so connections
  // are renewed and load spreads.
  int64_t watchTimeoutSeconds = 300;
  Clock* clock = nullptr;  // resync and backoff waits; nullptr = realClock()
};

// What the shared factory needs from any informer.
class InformerBase {
 public:
  virtual ~InformerBase() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual bool hasSynced() const = 0;
};

// A transform for objects whose server-side-apply bookkeeping the cache's users never read
// (client-go's TransformStripManagedFields): it is often the bulk of an object.
template <api::KindType T>
void stripManagedFields(T& obj) {
  obj.metadata.managedFields = api::Json();
}

template <api::KindType T>
class Informer final : public InformerBase {
 public:
  using Ptr = typename Store<T>::Ptr;

  Informer(RestClient& client, InformerOptions opts, typename Store<T>::Indexers indexers = {})
      : client_(client),
        opts_(std::move(opts)),
        clock_(opts_.clock != nullptr ? *opts_.clock : realClock()),
        store_(std::move(indexers)),
        backoff_(opts_.backoffBase, opts_.backoffCap),
        rng_(std::random_device{}()) {}
  ~Informer() override { stop(); }
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Registers handlers. Added after the cache has items, the handler first gets an add
  // for each of them.
  void addEventHandler(EventHandler<T> h) {
    std::lock_guard hl(handlers_mu_);
    for (const auto& obj : store_.list()) {
      if (h.onAdd) h.onAdd(*obj);
    }
    handlers_.push_back(std::move(h));
  }
  void addIndexer(const std::string& name, typename Store<T>::IndexFunc fn) {
    store_.addIndexer(name, std::move(fn));
  }

  // Applied to every object before the cache and the handlers see it (client-go's
  // SetTransform), e.g. stripManagedFields<T> to hold less. Set before start().
  void setTransform(std::function<void(T&)> fn) { transform_ = std::move(fn); }

  void start() override {
    std::lock_guard l(mu_);
    if (started_ || stopping_) return;
    started_ = true;
    thread_ = std::thread([this] { run(); });
    if (opts_.resyncPeriod.count() > 0) resync_thread_ = std::thread([this] { resyncLoop(); });
  }

  void stop() override {
    {
      std::lock_guard l(mu_);
      stopping_ = true;
      cv_.notify_all();
    }
    cancel_.cancel();
    if (thread_.joinable()) thread_.join();
    if (resync_thread_.joinable()) resync_thread_.join();
  }

  bool hasSynced() const override { return synced_.load(); }

  // Waits (real time) until synced or `timeout`; returns hasSynced().
  bool waitForSync(std::chrono::milliseconds timeout) {
    std::unique_lock l(mu_);
    sync_cv_.wait_for(l, timeout, [&] { return synced_.load() || stopping_; });
    return synced_.load();
  }

  const Store<T>& store() const { return store_; }
  // The resourceVersion the next watch starts from.
  std::string lastSyncResourceVersion() const {
    std::lock_guard l(mu_);
    return last_rv_;
  }
  // How many lists (the first one included) and watches were made; for tests and metrics.
  int listCount() const { return lists_.load(); }
  int watchCount() const { return watches_.load(); }

 private:
  bool stopping() const {
    std::lock_guard l(mu_);
    return stopping_;
  }
  // Waits `d` on the clock unless stopped first; false when stopped.
  bool sleepFor(std::chrono::milliseconds d) {
    std::unique_lock l(mu_);
    clock_.waitUntil(cv_, l, clock_.now() + d, [&] { return stopping_; });
    return !stopping_;
  }

  void run() {
    bool need_list = true;
    while (!stopping()) {
      if (need_list) {
        Status s = listAndReplace();
        if (!s.isOk()) {
          if (!sleepFor(backoff_.next())) break;
          continue;
        }
        need_list = false;
        backoff_.reset();
      }
      Status w = watchOnce();
      if (stopping()) break;
      if (w.isOk()) {
        backoff_.reset();  // the server ended the stream: resume at once
      } else if (isGone(w)) {
        need_list = true;  // history compacted: relist and reconcile
      } else if (!sleepFor(backoff_.next())) {
        break;
      }
    }
  }

  Status listAndReplace() {
    ++lists_;
    ListOptions o;
    o.labelSelector = opts_.labelSelector;
    o.fieldSelector = opts_.fieldSelector;
    o.limit = opts_.pageSize;
    std::vector<T> items;
    std::string rv;
    while (true) {
      auto page = client_.list<T>(opts_.namespace_, o, &cancel_);
      if (!page.ok()) return page.status();
      for (auto& it : page->items) items.push_back(std::move(it));
      rv = page->metadata.resourceVersion;
      if (page->metadata.continue_.empty()) break;
      o.continue_ = page->metadata.continue_;
    }
    replace(std::move(items), rv);
    return Status::ok();
  }

  void replace(std::vector<T> items, const std::string& rv) {
    std::set<std::string> keep;
    for (auto& item : items) {
      if (stopping()) return;
      if (transform_) transform_(item);
      Ptr obj = std::make_shared<const T>(std::move(item));
      keep.insert(Store<T>::keyOf(*obj));
      Ptr old = store_.upsert(obj);
      if (!old) {
        notifyAdd(*obj);
      } else if (old->metadata.resourceVersion != obj->metadata.resourceVersion) {
        notifyUpdate(*old, *obj);
      }
    }
    for (const auto& key : store_.keys()) {
      if (keep.count(key) != 0) continue;
      if (Ptr gone = store_.erase(key)) notifyDelete(*gone);
    }
    {
      std::lock_guard l(mu_);
      last_rv_ = rv;
    }
    synced_ = true;
    std::lock_guard l(mu_);
    sync_cv_.notify_all();
  }

  Status watchOnce() {
    ++watches_;
    WatchOptions o;
    o.labelSelector = opts_.labelSelector;
    o.fieldSelector = opts_.fieldSelector;
    o.resourceVersion = lastSyncResourceVersion();
    o.allowWatchBookmarks = true;
    if (opts_.watchTimeoutSeconds > 0) {
      std::uniform_int_distribution<int64_t> d(opts_.watchTimeoutSeconds,
                                               2 * opts_.watchTimeoutSeconds - 1);
      o.timeoutSeconds = d(rng_);
      // A connection silent well past the server-side timeout is dead.
      o.idleTimeout = std::chrono::seconds(*o.timeoutSeconds + 60);
    }
    return client_.watch<T>(
        opts_.namespace_, o,
        [this](const std::string& type, T&& in) {
          const std::string rv = in.metadata.resourceVersion;
          if (transform_) transform_(in);
          if (type == "ADDED" || type == "MODIFIED") {
            Ptr obj = std::make_shared<const T>(std::move(in));
            Ptr old = store_.upsert(obj);
            if (old) {
              notifyUpdate(*old, *obj);
            } else {
              notifyAdd(*obj);
            }
          } else if (type == "DELETED") {
            store_.erase(Store<T>::keyOf(in));
            notifyDelete(in);
          }
          std::lock_guard l(mu_);
          if (!rv.empty()) last_rv_ = rv;
          return !stopping_;
        },
        &cancel_);
  }

  void resyncLoop() {
    auto next = clock_.now() + opts_.resyncPeriod;
    while (true) {
      {
        std::unique_lock l(mu_);
        clock_.waitUntil(cv_, l, next, [&] { return stopping_; });
        if (stopping_) return;
      }
      next += opts_.resyncPeriod;
      if (!synced_.load()) continue;
      for (const auto& obj : store_.list()) {
        if (stopping()) return;
        notifyUpdate(*obj, *obj);
      }
    }
  }

  void notifyAdd(const T& obj) {
    std::lock_guard hl(handlers_mu_);
    for (const auto& h : handlers_) {
      if (h.onAdd) h.onAdd(obj);
    }
  }
  void notifyUpdate(const T& old_obj, const T& new_obj) {
    std::lock_guard hl(handlers_mu_);
    for (const auto& h : handlers_) {
      if (h.onUpdate) h.onUpdate(old_obj, new_obj);
    }
  }
  void notifyDelete(const T& obj) {
    std::lock_guard hl(handlers_mu_);
    for (const auto& h : handlers_) {
      if (h.onDelete) h.onDelete(obj);
    }
  }

  RestClient& client_;
  const InformerOptions opts_;
  Clock& clock_;
  Store<T> store_;
  Backoff backoff_;      // informer thread only
  std::mt19937_64 rng_;  // informer thread only
  Canceller cancel_;
  mutable std::mutex mu_;  // stopping_, started_, last_rv_
  std::condition_variable cv_;
  std::condition_variable sync_cv_;
  bool started_ = false;
  bool stopping_ = false;
  std::string last_rv_;
  std::atomic<bool> synced_{false};
  std::atomic<int> lists_{0};
  std::atomic<int> watches_{0};
  std::recursive_mutex handlers_mu_;  // a handler may register another handler
  std::vector<EventHandler<T>> handlers_;
  std::function<void(T&)> transform_;  // set before start()
  std::thread thread_;
  std::thread resync_thread_;
};

}  // namespace orch::client
