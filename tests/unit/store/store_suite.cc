// The Store contract, checked the same way against every backend.
#include "store_suite.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <set>
#include <thread>

namespace orch::store::testing {
namespace {

using namespace std::chrono_literals;

// Collects events until `n` have arrived (or 20 s pass, failing the test).
std::vector<Event> collect(Watch& w, size_t n) {
  std::vector<Event> out;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto batch = w.next(200ms);
    if (!batch.ok()) {
      ADD_FAILURE() << "watch ended: " << batch.status().message();
      break;
    }
    for (auto& e : *batch) out.push_back(std::move(e));
  }
  EXPECT_EQ(out.size(), n);
  return out;
}

// Asserts that nothing more arrives for a while.
void expectQuiet(Watch& w) {
  auto batch = w.next(300ms);
  ASSERT_TRUE(batch.ok()) << batch.status().message();
  EXPECT_TRUE(batch->empty()) << "unexpected event at revision " << batch->front().revision();
}

// The status a watch from `from` ends with: from watch() itself or its first next().
Status watchOutcome(Store& s, const std::string& prefix, int64_t from) {
  auto w = s.watch(prefix, from);
  if (!w.ok()) return w.status();
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto b = (*w)->next(200ms);
    if (!b.ok()) return b.status();
    if (!b->empty()) return Status::ok();
  }
  return Status::ok();
}

int64_t mustCurrent(Store& s) {
  auto r = s.currentRevision();
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.valueOr(0);
}

}  // namespace

void StoreSuite::SetUp() {
  auto s = GetParam()->open();
  ASSERT_TRUE(s.ok()) << GetParam()->name() << ": " << s.status().message();
  store_ = std::move(s).value();
  // Unique per run too, so --gtest_repeat against one shared server starts clean.
  static std::atomic<int> runs{0};
  prefix_ = std::string("/suite/") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" +
            std::to_string(runs++) + "/";
}

TEST_P(StoreSuite, CreateGetUpdateRemove) {
  auto c = store_->create(k("a"), "v1");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->key, k("a"));
  EXPECT_EQ(c->value, "v1");
  EXPECT_EQ(c->create_revision, c->mod_revision);
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(mustCurrent(*store_), c->mod_revision);

  auto g = store_->get(k("a"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(*g, *c);

  auto u = store_->update(k("a"), "v2", c->mod_revision);
  ASSERT_TRUE(u.ok()) << u.status().message();
  EXPECT_GT(u->mod_revision, c->mod_revision);
  EXPECT_EQ(u->create_revision, c->create_revision);
  EXPECT_EQ(u->version, 2);
  EXPECT_EQ(store_->get(k("a"))->value, "v2");

  auto unconditional = store_->update(k("a"), "v3", 0);
  ASSERT_TRUE(unconditional.ok()) << unconditional.status().message();
  EXPECT_EQ(unconditional->version, 3);

  auto d = store_->remove(k("a"), unconditional->mod_revision);
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(d->deleted, *unconditional);
  EXPECT_GT(d->revision, unconditional->mod_revision);
  EXPECT_TRUE(isNotFound(store_->get(k("a")).status()));
  EXPECT_TRUE(isNotFound(store_->update(k("a"), "x", 0).status()));
  EXPECT_TRUE(isNotFound(store_->update(k("a"), "x", d->revision).status()));
  EXPECT_TRUE(isNotFound(store_->remove(k("a"), 0).status()));
  EXPECT_TRUE(isNotFound(store_->get(k("never")).status()));

  // A new incarnation after a delete starts over.
  auto again = store_->create(k("a"), "v4");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_GT(again->create_revision, d->revision);
  EXPECT_EQ(again->version, 1);
}

TEST_P(StoreSuite, EmptyValueRoundTrips) {
  ASSERT_TRUE(store_->create(k("empty"), "").ok());
  auto g = store_->get(k("empty"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(g->value, "");
  std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(store_->update(k("empty"), binary, 0).ok());
  EXPECT_EQ(store_->get(k("empty"))->value, binary);
}

TEST_P(StoreSuite, CreateExistingIsAlreadyExists) {
  ASSERT_TRUE(store_->create(k("a"), "v1").ok());
  auto again = store_->create(k("a"), "v2");
  EXPECT_TRUE(isAlreadyExists(again.status())) << again.status().message();
  EXPECT_EQ(store_->get(k("a"))->value, "v1");
}

TEST_P(StoreSuite, StaleUpdateAndRemoveConflict) {
  auto c = store_->create(k("a"), "v1");
  ASSERT_TRUE(c.ok());
  auto u = store_->update(k("a"), "v2", c->mod_revision);
  ASSERT_TRUE(u.ok());
  auto stale = store_->update(k("a"), "v3", c->mod_revision);
  EXPECT_TRUE(isConflict(stale.status())) << stale.status().message();
  auto stale_rm = store_->remove(k("a"), c->mod_revision);
  EXPECT_TRUE(isConflict(stale_rm.status())) << stale_rm.status().message();
  auto g = store_->get(k("a"));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->value, "v2");
  EXPECT_EQ(g->mod_revision, u->mod_revision);
  EXPECT_FALSE(isConflict(g.status()));
}

TEST_P(StoreSuite, ReadsAtPastRevisions) {
  auto a1 = store_->create(k("a"), "a1");
  auto b1 = store_->create(k("b"), "b1");
  ASSERT_TRUE(a1.ok() && b1.ok());
  int64_t r1 = b1->mod_revision;
  ASSERT_TRUE(store_->update(k("a"), "a2", 0).ok());
  auto del = store_->remove(k("b"), 0);
  ASSERT_TRUE(del.ok());
  ASSERT_TRUE(store_->create(k("c"), "c1").ok());

  auto past = store_->list(prefix_, r1);
  ASSERT_TRUE(past.ok()) << past.status().message();
  EXPECT_EQ(past->revision, r1);
  ASSERT_EQ(past->items.size(), 2u);
  EXPECT_EQ(past->items[0], *a1);
  EXPECT_EQ(past->items[1], *b1);

  auto now = store_->list(prefix_);
  ASSERT_TRUE(now.ok()) << now.status().message();
  EXPECT_EQ(now->revision, mustCurrent(*store_));
  ASSERT_EQ(now->items.size(), 2u);
  EXPECT_EQ(now->items[0].value, "a2");
  EXPECT_EQ(now->items[1].key, k("c"));
  EXPECT_FALSE(now->more);

  EXPECT_EQ(store_->get(k("a"), r1)->value, "a1");
  EXPECT_EQ(store_->get(k("b"), r1)->value, "b1");
  EXPECT_TRUE(isNotFound(store_->get(k("b"), del->revision).status()));
  EXPECT_TRUE(isNotFound(store_->get(k("c"), r1).status()));
}

TEST_P(StoreSuite, PaginationIsConsistentAtTheFirstPagesRevision) {
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(store_->create(k("item" + std::to_string(i)), std::to_string(i)).ok());
  }
  auto first = store_->list(prefix_, 0, 3);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->more);
  ASSERT_EQ(first->items.size(), 3u);
  int64_t at = first->revision;
  // Writes after the first page do not show up in the later pages.
  ASSERT_TRUE(store_->create(k("item5a"), "late").ok());
  ASSERT_TRUE(store_->remove(k("item7"), 0).ok());

  std::vector<std::string> keys;
  for (auto& kv : first->items) keys.push_back(kv.key);
  std::string cont = keys.back();
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->list(prefix_, at, 3, cont);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_EQ(page->revision, at);
    for (auto& kv : page->items) keys.push_back(kv.key);
    if (!page->more) break;
    ASSERT_FALSE(page->items.empty());
    cont = page->items.back().key;
  }
  std::vector<std::string> want;
  for (int i = 0; i < 10; ++i) want.push_back(k("item" + std::to_string(i)));
  EXPECT_EQ(keys, want);
}

TEST_P(StoreSuite, PrefixesAreIsolated) {
  ASSERT_TRUE(store_->create(k("p/a"), "1").ok());
  ASSERT_TRUE(store_->create(k("p/b"), "2").ok());
  ASSERT_TRUE(store_->create(k("pa/x"), "3").ok());
  ASSERT_TRUE(store_->create(k("p"), "4").ok());
  auto l = store_->list(k("p/"));
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[0].key, k("p/a"));
  EXPECT_EQ(l->items[1].key, k("p/b"));

  auto w = store_->watch(k("p/"), 0);
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_TRUE(store_->update(k("pa/x"), "5", 0).ok());
  ASSERT_TRUE(store_->update(k("p"), "6", 0).ok());
  ASSERT_TRUE(store_->update(k("p/b"), "7", 0).ok());
  auto ev = collect(**w, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kv.key, k("p/b"));
  expectQuiet(**w);
}

TEST_P(StoreSuite, EmptyPrefixListsAndWatchesEverything) {
  ASSERT_TRUE(store_->create(k("a"), "0").ok());  // so that z's revision - 1 is not "now" (0)
  auto z = store_->create(k("z"), "1");
  ASSERT_TRUE(z.ok());
  auto all = store_->list("");
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_TRUE(std::is_sorted(all->items.begin(), all->items.end(),
                             [](const KeyValue& a, const KeyValue& b) { return a.key < b.key; }));
  EXPECT_TRUE(std::any_of(all->items.begin(), all->items.end(),
                          [&](const KeyValue& kv) { return kv == *z; }));
  auto w = store_->watch("", z->mod_revision - 1);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto ev = collect(**w, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kv, *z);
}

TEST_P(StoreSuite, WatchFromAnOldRevisionReplaysExactlyTheLaterEvents) {
  ASSERT_TRUE(store_->create(k("before"), "x").ok());
  int64_t from = mustCurrent(*store_);
  auto a = store_->create(k("a"), "a1");
  auto a2 = store_->update(k("a"), "a2", 0);
  auto b = store_->create(k("b"), "b1");
  auto da = store_->remove(k("a"), 0);
  ASSERT_TRUE(a.ok() && a2.ok() && b.ok() && da.ok());

  auto w = store_->watch(prefix_, from);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto ev = collect(**w, 4);
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].type, Event::Type::kPut);
  EXPECT_EQ(ev[0].kv, *a);
  EXPECT_FALSE(ev[0].prev.has_value());
  EXPECT_EQ(ev[1].type, Event::Type::kPut);
  EXPECT_EQ(ev[1].kv, *a2);
  ASSERT_TRUE(ev[1].prev.has_value());
  EXPECT_EQ(*ev[1].prev, *a);
  EXPECT_EQ(ev[2].kv, *b);
  EXPECT_EQ(ev[3].type, Event::Type::kDelete);
  EXPECT_EQ(ev[3].kv.key, k("a"));
  EXPECT_EQ(ev[3].kv.mod_revision, da->revision);
  ASSERT_TRUE(ev[3].prev.has_value());
  EXPECT_EQ(*ev[3].prev, *a2);

  // Then it continues live, without a gap or a repeat.
  auto c = store_->create(k("c"), "c1");
  ASSERT_TRUE(c.ok());
  auto live = collect(**w, 1);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].kv, *c);
  expectQuiet(**w);
}

TEST_P(StoreSuite, WatchFromNowSeesOnlyLaterWrites) {
  ASSERT_TRUE(store_->create(k("old"), "x").ok());
  auto w = store_->watch(prefix_, 0);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto n = store_->create(k("new"), "y");
  ASSERT_TRUE(n.ok());
  auto ev = collect(**w, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kv, *n);
  expectQuiet(**w);
}

TEST_P(StoreSuite, WatchFromTheCurrentRevisionThenWrite) {
  // The list-then-watch pattern: watch from the list's revision.
  ASSERT_TRUE(store_->create(k("a"), "1").ok());
  auto l = store_->list(prefix_);
  ASSERT_TRUE(l.ok());
  auto w = store_->watch(prefix_, l->revision);
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto u = store_->update(k("a"), "2", 0);
  ASSERT_TRUE(u.ok());
  auto ev = collect(**w, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kv, *u);
}

TEST_P(StoreSuite, CancelledWatchEndsWithClosed) {
  auto w = store_->watch(prefix_, 0);
  ASSERT_TRUE(w.ok()) << w.status().message();
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    (*w)->cancel();
  });
  Status end;
  for (int i = 0; i < 100 && end.isOk(); ++i) end = (*w)->next(100ms).status();
  canceller.join();
  EXPECT_TRUE(isWatchClosed(end)) << end.message();
}

TEST_P(StoreSuite, CompactedRevisionsAreGone) {
  auto a = store_->create(k("a"), "1");
  ASSERT_TRUE(a.ok());
  int64_t old = a->mod_revision;
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(store_->update(k("a"), std::to_string(i), 0).ok());
  auto b = store_->create(k("b"), "b");
  ASSERT_TRUE(b.ok());
  int64_t compact_at = b->mod_revision;
  auto later = store_->update(k("a"), "6", 0);
  ASSERT_TRUE(later.ok());
  ASSERT_TRUE(store_->compact(compact_at).isOk());

  EXPECT_TRUE(isCompacted(store_->get(k("a"), old).status()));
  EXPECT_TRUE(isCompacted(store_->list(prefix_, old).status()));
  Status w = watchOutcome(*store_, prefix_, old);
  EXPECT_TRUE(isCompacted(w)) << w.message();

  // The compacted revision itself and everything after stay readable and watchable.
  auto at = store_->list(prefix_, compact_at);
  ASSERT_TRUE(at.ok()) << at.status().message();
  ASSERT_EQ(at->items.size(), 2u);
  EXPECT_EQ(at->items[0].value, "5");
  EXPECT_EQ(at->items[1], *b);
  EXPECT_EQ(store_->get(k("a"))->value, "6");
  auto wl = store_->watch(prefix_, compact_at);
  ASSERT_TRUE(wl.ok()) << wl.status().message();
  auto ev = collect(**wl, 1);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].kv, *later);
  // Compacting again at or below is a no-op.
  EXPECT_TRUE(store_->compact(compact_at).isOk());
  EXPECT_TRUE(store_->compact(old).isOk());
}

TEST_P(StoreSuite, ConcurrentWritersGetDistinctIncreasingRevisions) {
  constexpr int kThreads = 16, kWrites = 200;
  std::vector<std::vector<int64_t>> revs(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        auto r = store_->create(k("w/" + std::to_string(t) + "/" + std::to_string(i)), "v");
        if (!r.ok()) {
          ++failures;
          continue;
        }
        revs[t].push_back(r->mod_revision);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> all;
  for (auto& v : revs) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kWrites));
  auto l = store_->list(k("w/"));
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->items.size(), static_cast<size_t>(kThreads * kWrites));
}

TEST_P(StoreSuite, ConcurrentCreatesOfOneKeyHaveExactlyOneWinner) {
  // Writers batched together must each get their own outcome.
  constexpr int kThreads = 32;
  std::atomic<int> won{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = store_->create(k("contended"), std::to_string(t));
      auto mine = store_->create(k("own/" + std::to_string(t)), "v");
      if (!mine.ok()) ++other;
      if (r.ok()) {
        ++won;
      } else if (isAlreadyExists(r.status())) {
        ++exists;
      } else {
        ++other;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(store_->list(k("own/"))->items.size(), static_cast<size_t>(kThreads));
}

TEST_P(StoreSuite, HundredClientsIncrementOneCounterExactly) {
  constexpr int kClients = 100;
  ASSERT_TRUE(store_->create(k("counter"), "0").ok());
  std::atomic<int> errors{0}, conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kClients; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        auto cur = store_->get(k("counter"));
        if (!cur.ok()) {
          ++errors;
          return;
        }
        auto next = std::to_string(std::stoll(cur->value) + 1);
        auto r = store_->update(k("counter"), next, cur->mod_revision);
        if (r.ok()) return;
        if (!isConflict(r.status())) {
          ++errors;
          return;
        }
        ++conflicts;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  auto final_value = store_->get(k("counter"));
  ASSERT_TRUE(final_value.ok());
  EXPECT_EQ(final_value->value, std::to_string(kClients));
  EXPECT_EQ(final_value->version, kClients + 1);
}

TEST_P(StoreSuite, WatchSeesConcurrentWritesInRevisionOrder) {
  constexpr int kThreads = 8, kWrites = 50;
  auto w = store_->watch(prefix_, 0);
  ASSERT_TRUE(w.ok()) << w.status().message();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = k("c/" + std::to_string(t));
      auto r = store_->create(key, "0");
      for (int i = 1; i < kWrites && r.ok(); ++i) r = store_->update(key, std::to_string(i), 0);
      EXPECT_TRUE(r.ok()) << r.status().message();
    });
  }
  for (auto& th : threads) th.join();
  auto ev = collect(**w, kThreads * kWrites);
  std::map<std::string, int> last_value;
  for (size_t i = 0; i < ev.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(ev[i - 1].revision(), ev[i].revision());
    }
    int v = std::stoi(ev[i].kv.value);
    auto it = last_value.find(ev[i].kv.key);
    EXPECT_EQ(v, it == last_value.end() ? 0 : it->second + 1) << ev[i].kv.key;
    last_value[ev[i].kv.key] = v;
  }
  expectQuiet(**w);
}

}  // namespace orch::store::testing
