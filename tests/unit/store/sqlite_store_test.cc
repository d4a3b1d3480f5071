// The shared Store suite on SqliteStore, plus what only the embedded backend has: reopening,
// the background compactor's window and the watcher buffer limit.
#include "controlplane/store/sqlite_store.h"

#include <gtest/gtest.h>

#include <list>

#include "fakes/fake_clock.h"
#include "store_suite.h"
#include "support/temp_dir.h"

namespace orch::store::testing {
namespace {

using namespace std::chrono_literals;

// A fresh database in a fresh temp dir for every test.
class SqliteBackend final : public StoreBackend {
 public:
  std::string name() const override { return "Sqlite"; }
  Result<std::unique_ptr<Store>> open() override {
    dirs_.emplace_back();
    ORCH_ASSIGN_OR_RETURN(auto s, SqliteStore::open({.path = dirs_.back().path() + "/store.db"}));
    return std::unique_ptr<Store>(std::move(s));
  }

 private:
  std::list<orch::testing::TempDir> dirs_;
};

SqliteBackend sqlite_backend;
INSTANTIATE_TEST_SUITE_P(Sqlite, StoreSuite, ::testing::Values(&sqlite_backend), backendName);

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStore> open(SqliteStore::Options o = {}) {
    o.path = dir_.path() + "/store.db";
    auto s = SqliteStore::open(o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  orch::testing::TempDir dir_;
};

TEST_F(SqliteStoreTest, ReopenKeepsDataRevisionAndCompaction) {
  int64_t rev = 0;
  {
    auto s = open();
    ASSERT_TRUE(s);
    ASSERT_TRUE(s->create("/a", "1").ok());
    ASSERT_TRUE(s->create("/b", "2").ok());
    ASSERT_TRUE(s->update("/a", "3", 0).ok());
    ASSERT_TRUE(s->compact(2).isOk());
    rev = *s->currentRevision();
  }
  auto s = open();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->currentRevision(), rev);
  EXPECT_EQ(s->compactedRevision(), 2);
  EXPECT_EQ(s->get("/a")->value, "3");
  EXPECT_TRUE(isCompacted(s->get("/a", 1).status()));
  auto c = s->create("/c", "4");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->mod_revision, rev + 1);
}

TEST_F(SqliteStoreTest, FutureRevisionsAreInvalid) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create("/a", "1").ok());
  EXPECT_EQ(s->get("/a", 5).status().code(), EINVAL);
  EXPECT_EQ(s->list("/", 5).status().code(), EINVAL);
  EXPECT_EQ(s->compact(5).code(), EINVAL);
}

TEST_F(SqliteStoreTest, CompactionKeepsTheLatestRowOfEveryKey) {
  auto s = open();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->create("/keep", "k").ok());
  ASSERT_TRUE(s->create("/gone", "g").ok());
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(s->update("/busy", std::to_string(i), 0).ok() ||
                s->create("/busy", std::to_string(i)).ok());
  ASSERT_TRUE(s->remove("/gone", 0).ok());
  int64_t cur = *s->currentRevision();
  ASSERT_TRUE(s->compact(cur).isOk());
  auto l = s->list("/", cur);
  ASSERT_TRUE(l.ok()) << l.status().message();
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[0].key, "/busy");
  EXPECT_EQ(l->items[0].value, "19");
  EXPECT_EQ(l->items[1].key, "/keep");
  EXPECT_EQ(l->items[1].create_revision, 1);
  EXPECT_TRUE(isNotFound(s->get("/gone").status()));
  // Writes and watches carry on after compaction.
  auto w = s->watch("/", cur);
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_TRUE(s->update("/keep", "k2", 1).ok());
  auto ev = (*w)->next(5s);
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->size(), 1u);
  ASSERT_TRUE((*ev)[0].prev.has_value());
  EXPECT_EQ((*ev)[0].prev->value, "k");
}

TEST_F(SqliteStoreTest, CompactorKeepsWhicheverWindowIsLarger) {
  orch::testing::FakeClock clock;
  auto s = open({.compaction_interval = 0ms,
                 .keep_window = std::chrono::minutes(5),
                 .keep_revisions = 10,
                 .clock = &clock});
  ASSERT_TRUE(s);
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(s->create("/k" + std::to_string(i), "v").ok());
  // 30 revisions, but nothing is 5 minutes old yet: the time window keeps everything.
  EXPECT_EQ(*s->runCompactorOnce(), 0);
  clock.advance(std::chrono::minutes(3));
  for (int i = 30; i < 40; ++i) ASSERT_TRUE(s->create("/k" + std::to_string(i), "v").ok());
  EXPECT_EQ(*s->runCompactorOnce(), 0);
  clock.advance(std::chrono::minutes(2));
  // Revision 30 is now 5 minutes old, and 40 - 10 = 30 by count: compact to 30.
  EXPECT_EQ(*s->runCompactorOnce(), 30);
  clock.advance(std::chrono::minutes(3));
  // 5 minutes ago the store was at 40; by count 40 - 10 = 30 keeps more.
  EXPECT_EQ(*s->runCompactorOnce(), 30);
  for (int i = 40; i < 100; ++i) ASSERT_TRUE(s->create("/k" + std::to_string(i), "v").ok());
  clock.advance(std::chrono::minutes(3));
  // 5 minutes ago: 40 (sample at +5 min); by count: 90. The time window keeps more.
  EXPECT_EQ(*s->runCompactorOnce(), 40);
  EXPECT_TRUE(isCompacted(s->get("/k0", 39).status()));
  EXPECT_TRUE(s->get("/k0", 40).ok());
}

TEST_F(SqliteStoreTest, BackgroundCompactorRuns) {
  orch::testing::FakeClock clock;
  auto s = open({.compaction_interval = std::chrono::seconds(30),
                 .keep_window = 0ms,
                 .keep_revisions = 5,
                 .clock = &clock});
  ASSERT_TRUE(s);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s->create("/k" + std::to_string(i), "v").ok());
  for (int i = 0; i < 500 && s->compactedRevision() != 15; ++i) {
    clock.advance(std::chrono::seconds(30));
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(s->compactedRevision(), 15);
}

TEST_F(SqliteStoreTest, SlowWatcherIsDroppedWithLagged) {
  auto s = open({.watch_buffer = 5});
  ASSERT_TRUE(s);
  auto w = s->watch("/", 0);
  ASSERT_TRUE(w.ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(s->create("/k" + std::to_string(i), "v").ok());
  size_t got = 0;
  Status end;
  for (int i = 0; i < 100 && end.isOk(); ++i) {
    auto b = (*w)->next(100ms);
    if (b.ok()) got += b->size();
    end = b.status();
  }
  EXPECT_TRUE(isWatchLagged(end)) << end.message();
  EXPECT_LE(got, 5u);
  // Re-watching from the last delivered revision resumes without loss.
  auto again = s->watch("/", static_cast<int64_t>(got));
  ASSERT_TRUE(again.ok());
  auto b = (*again)->next(5s);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size(), 20 - got);
}

TEST_F(SqliteStoreTest, ClosingTheStoreEndsWatches) {
  auto s = open();
  ASSERT_TRUE(s);
  auto w = s->watch("/", 0);
  ASSERT_TRUE(w.ok());
  s.reset();
  EXPECT_TRUE(isWatchClosed((*w)->next(1s).status()));
}

TEST_F(SqliteStoreTest, BadOptionsAreRejected) {
  EXPECT_EQ(SqliteStore::open({}).status().code(), EINVAL);
  auto missing_dir = SqliteStore::open({.path = dir_.path() + "/no/such/dir/store.db"});
  EXPECT_FALSE(missing_dir.ok());
}

TEST(PrefixEnd, IncrementsTheLastByteBelowFF) {
  EXPECT_EQ(prefixEnd("/a/"), "/a0");
  EXPECT_EQ(prefixEnd("a\xff"), "b");
  EXPECT_EQ(prefixEnd("\xff\xff"), "");
  EXPECT_EQ(prefixEnd(""), "");
}

}  // namespace
}  // namespace orch::store::testing
