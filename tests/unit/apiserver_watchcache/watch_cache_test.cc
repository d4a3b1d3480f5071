// WatchCache over SqliteStore (through a CountingStore that counts and breaks store watches).

#include "controlplane/apiserver/watchcache/watch_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "controlplane/store/sqlite_store.h"
#include "support/temp_dir.h"
#include "unit/apiserver_watchcache/counting_store.h"

namespace orch::apiserver {
namespace {

using namespace std::chrono_literals;
using orch::testing::CountingStore;
using store::Event;

constexpr auto kWaitBound = 20s;  // an upper bound for waits, never an expectation of speed

class WatchCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::SqliteStore::open({.path = dir_.path() + "/store.db",
                                       .sync = store::SqliteStore::Sync::kNormal,
                                       .compaction_interval = 0ms});
    ASSERT_TRUE(s.ok()) << s.status().message();
    sqlite_ = std::move(s).value();
    store_ = std::make_unique<CountingStore>(*sqlite_);
  }
  void TearDown() override {
    store_.reset();
    sqlite_.reset();
  }

  std::unique_ptr<WatchCache> makeCache(WatchCache::Options o = {}) {
    o.retry_delay = 10ms;
    auto c = WatchCache::create(*store_, "/registry/pods/", o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  int64_t put(const std::string& key, const std::string& value = "v") {
    auto cur = sqlite_->get(key);
    auto r = cur.ok() ? sqlite_->update(key, value, 0) : sqlite_->create(key, value);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? r->mod_revision : 0;
  }
  // Reads until `n` events have arrived (or the wait bound passes, or the watch ends).
  static std::vector<Event> collect(store::Watch& w, size_t n) {
    std::vector<Event> out;
    auto deadline = std::chrono::steady_clock::now() + kWaitBound;
    while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
      auto r = w.next(100ms);
      if (!r.ok()) break;
      for (auto& e : *r) out.push_back(std::move(e));
    }
    return out;
  }
  static std::vector<int64_t> revs(const std::vector<Event>& evs) {
    std::vector<int64_t> r;
    for (const auto& e : evs) r.push_back(e.revision());
    return r;
  }
  // Waits for the watch's terminal error.
  static Status endOf(store::Watch& w) {
    auto deadline = std::chrono::steady_clock::now() + kWaitBound;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = w.next(100ms);
      if (!r.ok()) return r.status();
    }
    return Status::timeout("watch did not end");
  }
  // Nothing more arrives within a short poll (used only after the expected events came).
  static void expectQuiet(store::Watch& w) {
    auto r = w.next(50ms);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->empty()) << "unexpected event at revision " << r->front().revision();
  }
  // Writes pods p0..p<n-1> and waits until `cache` has applied them; their revisions.
  std::vector<int64_t> putPods(const WatchCache& cache, int n) {
    std::vector<int64_t> r;
    for (int i = 0; i < n; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
    EXPECT_TRUE(waitFor([&] { return cache.revision() == r.back(); }));
    return r;
  }
  static bool waitFor(const std::function<bool()>& pred) {
    auto deadline = std::chrono::steady_clock::now() + kWaitBound;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }

  orch::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> sqlite_;
  std::unique_ptr<CountingStore> store_;
};

TEST_F(WatchCacheTest, ThousandWatchersShareOneStoreWatchAndSeeEveryEventOnceInOrder) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  constexpr int kWatchers = 1000;
  std::vector<std::unique_ptr<CacheWatch>> ws;
  for (int i = 0; i < kWatchers; ++i) {
    // Half watch everything, half one namespace.
    auto w = cache->watch(i % 2 ? "/registry/pods/" : "/registry/pods/ns1/", 0);
    ASSERT_TRUE(w.ok()) << w.status().message();
    ws.push_back(std::move(w).value());
  }
  EXPECT_EQ(cache->watcherCount(), size_t{kWatchers});
  std::vector<int64_t> all, ns1;
  for (int i = 0; i < 20; ++i) {
    bool in_ns1 = i % 4 != 0;
    int64_t rev = put("/registry/pods/" + std::string(in_ns1 ? "ns1/" : "ns2/") + "p" +
                      std::to_string(i % 3));
    all.push_back(rev);
    if (in_ns1) ns1.push_back(rev);
  }
  put("/registry/services/ns1/s");  // outside the cache's prefix
  for (int i = 0; i < kWatchers; ++i) {
    const auto& want = i % 2 ? all : ns1;
    auto got = collect(*ws[i], want.size());
    ASSERT_EQ(revs(got), want) << "watcher " << i;
  }
  for (int i = 0; i < kWatchers; i += 97) expectQuiet(*ws[i]);
  EXPECT_EQ(store_->watchCalls(), 1);
  EXPECT_EQ(cache->revision(), all.back());
  ws.clear();
  EXPECT_EQ(cache->watcherCount(), 0u);
}

TEST_F(WatchCacheTest, StartsAtTheStoresRevisionAndSeesOnlyLaterWrites) {
  int64_t before = put("/registry/pods/ns1/old");
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  EXPECT_EQ(cache->revision(), before);
  auto w = cache->watch("/registry/pods/", 0);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->bookmarkRevision(), before);
  int64_t r1 = put("/registry/pods/ns1/new");
  auto got = collect(**w, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kv.key, "/registry/pods/ns1/new");
  EXPECT_EQ(got[0].revision(), r1);
  EXPECT_EQ(got[0].type, Event::Type::kPut);
}

// The apiserver creates a resource's cache for its first watch, whose client listed a moment
// earlier: started after that revision, the cache serves it and every watch from that revision
// from the ring, with the events written in between, instead of a store watch each.
TEST_F(WatchCacheTest, StartedAfterAnOlderRevisionServesWatchesFromItFromTheRing) {
  const int64_t listed = put("/registry/pods/ns1/a");
  const int64_t between = put("/registry/pods/ns1/b");
  put("/registry/services/ns1/s");  // other resources move the revision too
  auto c = WatchCache::create(*store_, "/registry/pods/", {.retry_delay = 10ms}, listed);
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::vector<std::unique_ptr<CacheWatch>> ws;
  for (int i = 0; i < 3; ++i) {
    auto w = (*c)->watch("/registry/pods/", listed);
    ASSERT_TRUE(w.ok()) << w.status().message();
    ws.push_back(std::move(w).value());
  }
  EXPECT_EQ(store_->watchCalls(), 1);
  const int64_t after = put("/registry/pods/ns1/c");
  for (auto& w : ws) EXPECT_EQ(revs(collect(*w, 2)), std::vector<int64_t>({between, after}));
  EXPECT_EQ(store_->watchCalls(), 1);
}

// A start revision whose history is gone: the cache starts at the current revision, and the
// watch from that revision gets "compacted" (410 for its client).
TEST_F(WatchCacheTest, StartedAfterACompactedRevisionStartsAtTheCurrentOne) {
  const int64_t old = put("/registry/pods/ns1/a");
  put("/registry/pods/ns1/b");
  const int64_t current = put("/registry/pods/ns1/c");
  ASSERT_TRUE(sqlite_->compact(current).isOk());
  auto c = WatchCache::create(*store_, "/registry/pods/", {.retry_delay = 10ms}, old);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ((*c)->revision(), current);
  auto w = (*c)->watch("/registry/pods/", old);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(store::isCompacted(w.status())) << w.status().message();
}

TEST_F(WatchCacheTest, FromAnOldRevisionInsideTheWindowReplaysThenContinuesLive) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  std::vector<int64_t> r;
  for (int i = 0; i < 5; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  ASSERT_TRUE(waitFor([&] { return cache->revision() == r.back(); }));
  auto w = cache->watch("/registry/pods/", r[1]);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->bookmarkRevision(), r[1]);
  r.push_back(put("/registry/pods/ns1/p5"));
  auto got = collect(**w, 4);
  EXPECT_EQ(revs(got), std::vector<int64_t>({r[2], r[3], r[4], r[5]}));
  expectQuiet(**w);
  EXPECT_EQ((*w)->bookmarkRevision(), r[5]);
  EXPECT_EQ(store_->watchCalls(), 1);  // served from the ring
}

TEST_F(WatchCacheTest, DeletesCarryTheirRevisionAndPreviousValue) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  auto w = cache->watch("/registry/pods/ns1/", 0);
  ASSERT_TRUE(w.ok());
  put("/registry/pods/ns1/a", "one");
  auto del = sqlite_->remove("/registry/pods/ns1/a", 0);
  ASSERT_TRUE(del.ok());
  auto got = collect(**w, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1].type, Event::Type::kDelete);
  EXPECT_EQ(got[1].revision(), del->revision);
  ASSERT_TRUE(got[1].prev.has_value());
  EXPECT_EQ(got[1].prev->value, "one");
}

TEST_F(WatchCacheTest, FutureRevisionDeliversOnlyEventsAfterIt) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  int64_t cur = *store_->currentRevision();
  auto w = cache->watch("/registry/pods/", cur + 3);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->bookmarkRevision(), cur + 3);
  std::vector<int64_t> r;
  for (int i = 0; i < 5; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  ASSERT_EQ(r[2], cur + 3);
  auto got = collect(**w, 2);
  EXPECT_EQ(revs(got), std::vector<int64_t>({r[3], r[4]}));
  expectQuiet(**w);
}

TEST_F(WatchCacheTest, KeyPrefixFiltersNamespacesAndSingleKeys) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  auto ns = cache->watch("/registry/pods/ns1/", 0);
  auto one = cache->watch("/registry/pods/ns2/web", 0);
  ASSERT_TRUE(ns.ok() && one.ok());
  int64_t a = put("/registry/pods/ns1/web");
  put("/registry/pods/ns2/db");
  int64_t c = put("/registry/pods/ns2/web");
  // Prefix semantics, like store::Watch: "web" also matches "web2"; exact names are the
  // caller's filter.
  int64_t d = put("/registry/pods/ns2/web2");
  put("/registry/pods/ns10/x");
  EXPECT_EQ(revs(collect(**ns, 1)), std::vector<int64_t>({a}));
  EXPECT_EQ(revs(collect(**one, 2)), std::vector<int64_t>({c, d}));
  expectQuiet(**ns);
  expectQuiet(**one);
  EXPECT_FALSE(cache->watch("/registry/services/", 0).ok());
  EXPECT_FALSE(cache->watch("/registry/pods/", -1).ok());
}

TEST_F(WatchCacheTest, LaggedWatcherIsDroppedWithoutAffectingOthers) {
  auto cache = makeCache({.window = 100, .watcher_buffer = 5});
  ASSERT_TRUE(cache);
  auto slow = cache->watch("/registry/pods/", 0);
  auto fast = cache->watch("/registry/pods/", 0);
  ASSERT_TRUE(slow.ok() && fast.ok());
  std::vector<int64_t> r;
  std::vector<Event> fast_got;
  for (int i = 0; i < 12; ++i) {
    r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
    auto got = collect(**fast, 1);  // keeps up, one write at a time
    fast_got.insert(fast_got.end(), got.begin(), got.end());
  }
  EXPECT_EQ(revs(fast_got), r);
  // The slow one gets what it had queued (a prefix of the events), then "lagged".
  std::vector<int64_t> slow_revs;
  Status end = Status::timeout("the slow watcher did not end");
  for (auto deadline = std::chrono::steady_clock::now() + kWaitBound;
       std::chrono::steady_clock::now() < deadline;) {
    auto n = (*slow)->next(100ms);
    if (!n.ok()) {
      end = n.status();
      break;
    }
    for (auto& e : *n) slow_revs.push_back(e.revision());
  }
  EXPECT_TRUE(store::isWatchLagged(end)) << end.message();
  ASSERT_LE(slow_revs.size(), 5u);
  EXPECT_EQ(slow_revs, std::vector<int64_t>(r.begin(), r.begin() + slow_revs.size()));
  EXPECT_EQ(cache->watcherCount(), 1u);
  int64_t more = put("/registry/pods/ns1/more");
  EXPECT_EQ(revs(collect(**fast, 1)), std::vector<int64_t>({more}));
}

TEST_F(WatchCacheTest, DestroyingTheCacheEndsItsWatches) {
  auto cache = makeCache({.window = 2});
  ASSERT_TRUE(cache);
  for (int i = 0; i < 5; ++i) put("/registry/pods/ns1/p" + std::to_string(i));
  ASSERT_TRUE(waitFor([&] { return cache->revision() == *store_->currentRevision(); }));
  auto ring = cache->watch("/registry/pods/", 0);
  auto fallback = cache->watch("/registry/pods/", 1);
  ASSERT_TRUE(ring.ok() && fallback.ok());
  EXPECT_EQ(store_->watchCalls(), 2);  // the second one went to the store
  std::thread consumer([&] { EXPECT_TRUE(store::isWatchClosed(endOf(**ring))); });
  cache.reset();
  consumer.join();
  EXPECT_TRUE(store::isWatchClosed(endOf(**fallback)));
}

TEST_F(WatchCacheTest, RevisionBeforeTheWindowFallsBackToTheStore) {
  auto cache = makeCache({.window = 3});
  ASSERT_TRUE(cache);
  std::vector<int64_t> r = putPods(*cache, 10);
  auto w = cache->watch("/registry/pods/", r[1]);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(store_->watchCalls(), 2);
  EXPECT_EQ(cache->watcherCount(), 1u);
  r.push_back(put("/registry/pods/ns1/live"));
  auto got = collect(**w, 9);
  EXPECT_EQ(revs(got), std::vector<int64_t>(r.begin() + 2, r.end()));
  EXPECT_EQ((*w)->bookmarkRevision(), r.back());
  // Inside the window: served by the ring, no new store watch.
  auto inside = cache->watch("/registry/pods/", r[8]);
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(revs(collect(**inside, 2)), std::vector<int64_t>({r[9], r[10]}));
  EXPECT_EQ(store_->watchCalls(), 2);
}

// A consumer without a thread of its own: every queued event and the end wake it, for a watch
// served from the ring and for one that falls back to the store; the events come out shared.
TEST_F(WatchCacheTest, WakeupSignalsEventsAndTheEndForRingAndStoreWatches) {
  auto cache = makeCache({.window = 3});
  ASSERT_TRUE(cache);
  std::vector<int64_t> r = putPods(*cache, 6);
  auto ring = cache->watch("/registry/pods/", r.back());
  auto old = cache->watch("/registry/pods/", r[0]);  // before the window: the store's watch
  ASSERT_TRUE(ring.ok() && old.ok());
  for (auto* w : {ring->get(), old->get()}) {
    std::atomic<int> wakes{0};
    w->setWakeup([&wakes] { wakes.fetch_add(1); });
    EXPECT_GE(wakes.load(), 1);  // at once: there may be something already
    const int before = wakes.load();
    int64_t rev = put("/registry/pods/ns1/x");
    ASSERT_TRUE(waitFor([&] { return wakes.load() > before; }));
    std::vector<SharedEvent> got;
    ASSERT_TRUE(waitFor([&] {
      auto n = w->nextShared(0ms);
      if (n.ok()) got.insert(got.end(), n->begin(), n->end());
      return !got.empty() && got.back()->revision() == rev;
    }));
    EXPECT_EQ(got.back()->event().kv.key, "/registry/pods/ns1/x");
    const int before_end = wakes.load();
    w->cancel();
    EXPECT_GT(wakes.load(), before_end);
    auto end = w->nextShared(0ms);
    ASSERT_FALSE(end.ok());
    EXPECT_TRUE(store::isWatchClosed(end.status())) << end.status().message();
    w->setWakeup([] {});  // `wakes` goes out of scope
  }
}

TEST_F(WatchCacheTest, CompactedHistoryBeforeTheWindowIsCompacted) {
  auto cache = makeCache({.window = 2});
  ASSERT_TRUE(cache);
  std::vector<int64_t> r;
  for (int i = 0; i < 6; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  ASSERT_TRUE(sqlite_->compact(r[4]).isOk());
  ASSERT_TRUE(waitFor([&] { return cache->revision() == r.back(); }));
  auto w = cache->watch("/registry/pods/", r[0]);
  ASSERT_FALSE(w.ok());
  EXPECT_TRUE(store::isCompacted(w.status())) << w.status().message();
}

TEST_F(WatchCacheTest, StoreWatchCompactedEndsWatchersAndRestartsFromCurrent) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  auto w = cache->watch("/registry/pods/", 0);
  ASSERT_TRUE(w.ok());
  int64_t a = put("/registry/pods/ns1/a");
  EXPECT_EQ(revs(collect(**w, 1)), std::vector<int64_t>({a}));
  store_->failWatches(store::compactedError("injected"));
  Status end = endOf(**w);
  EXPECT_TRUE(store::isCompacted(end)) << end.message();
  ASSERT_TRUE(waitFor([&] { return store_->watchCalls() == 2; }));
  // Serving again from the current revision.
  auto w2 = cache->watch("/registry/pods/", 0);
  ASSERT_TRUE(w2.ok());
  int64_t b = put("/registry/pods/ns1/b");
  EXPECT_EQ(revs(collect(**w2, 1)), std::vector<int64_t>({b}));
  EXPECT_EQ(cache->revision(), b);
}

TEST_F(WatchCacheTest, StoreWatchLaggedIsResumedWithoutGapOrDuplicate) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  auto w = cache->watch("/registry/pods/", 0);
  ASSERT_TRUE(w.ok());
  std::vector<int64_t> r;
  for (int i = 0; i < 3; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  ASSERT_TRUE(waitFor([&] { return cache->revision() == r.back(); }));
  store_->failWatches(store::watchLaggedError("injected"));
  for (int i = 3; i < 8; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  ASSERT_TRUE(waitFor([&] { return store_->watchCalls() == 2; }));  // re-watched
  store_->failWatches(Status::error(ECONNRESET, "injected transport error"));
  for (int i = 8; i < 10; ++i) r.push_back(put("/registry/pods/ns1/p" + std::to_string(i)));
  auto got = collect(**w, r.size());
  EXPECT_EQ(revs(got), r);
  expectQuiet(**w);
  EXPECT_EQ(store_->watchCalls(), 3);
}

TEST_F(WatchCacheTest, BookmarkAdvancesPastOtherKeysEvents) {
  auto cache = makeCache();
  ASSERT_TRUE(cache);
  int64_t start = cache->revision();
  auto w = cache->watch("/registry/pods/ns1/", 0);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->bookmarkRevision(), start);
  int64_t a = put("/registry/pods/ns1/a");
  EXPECT_EQ(revs(collect(**w, 1)), std::vector<int64_t>({a}));
  EXPECT_EQ((*w)->bookmarkRevision(), a);
  int64_t other = put("/registry/pods/ns2/b");
  ASSERT_TRUE(waitFor([&] { return cache->revision() == other; }));
  // Nothing for this watcher, but it is now complete up to the other namespace's write.
  auto n = (*w)->next(0ms);
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE(n->empty());
  EXPECT_EQ((*w)->bookmarkRevision(), other);
}

TEST_F(WatchCacheTest, ConcurrentWritersAndWatchersKeepOrder) {
  put("/registry/pods/ns0/first");  // so that no watcher below asks for revision 0 ("now")
  auto cache = makeCache({.window = 50});
  ASSERT_TRUE(cache);
  constexpr int kWrites = 200;
  std::vector<std::unique_ptr<CacheWatch>> ws;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) put("/registry/pods/ns" + std::to_string(i % 3) + "/p");
  });
  // Watchers join while writes happen, each from the cache's revision at that moment.
  std::vector<int64_t> froms;
  for (int i = 0; i < 20; ++i) {
    int64_t from = cache->revision();
    auto w = cache->watch("/registry/pods/", from);
    ASSERT_TRUE(w.ok()) << w.status().message();
    froms.push_back(from);
    ws.push_back(std::move(w).value());
    std::this_thread::sleep_for(1ms);
  }
  writer.join();
  int64_t last = *store_->currentRevision();
  for (size_t i = 0; i < ws.size(); ++i) {
    auto got = collect(*ws[i], static_cast<size_t>(last - froms[i]));
    std::vector<int64_t> want;
    for (int64_t r = froms[i] + 1; r <= last; ++r) want.push_back(r);
    EXPECT_EQ(revs(got), want) << "watcher " << i;
  }
}

}  // namespace
}  // namespace orch::apiserver
