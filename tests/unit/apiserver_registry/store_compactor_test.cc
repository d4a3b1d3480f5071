#include "controlplane/apiserver/registry/store_compactor.h"

#include <gtest/gtest.h>

#include "controlplane/apiserver/registry/storage_flags.h"
#include "controlplane/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver {
namespace {

TEST(StoreCompactor, CompactsAtTheRevisionSeenOneIntervalEarlier) {
  orch::testing::TempDir dir;
  store::SqliteStore::Options o;
  o.path = dir.path() + "/s.db";
  o.compaction_interval = std::chrono::milliseconds(0);  // only ours
  auto s = store::SqliteStore::open(o);
  ASSERT_TRUE(s.ok()) << s.status().message();
  store::Store& st = **s;
  ASSERT_TRUE(st.create("/k/a", "1").ok());
  StoreCompactor compactor(st, std::chrono::milliseconds(0));  // driven by step() here
  EXPECT_EQ(compactor.step(), 0);                              // remembers revision 1
  ASSERT_TRUE(st.create("/k/b", "2").ok());
  ASSERT_TRUE(st.create("/k/c", "3").ok());
  EXPECT_EQ(compactor.step(), 1);  // history before 1 goes; 2 and 3 stay readable
  EXPECT_TRUE(st.get("/k/b", 2).ok());
  EXPECT_EQ(compactor.step(), 3);
  auto old = st.get("/k/a", 2);
  ASSERT_FALSE(old.ok());
  EXPECT_TRUE(store::isCompacted(old.status()));
  EXPECT_TRUE(st.get("/k/c", 0).ok());
}

}  // namespace
}  // namespace orch::apiserver

namespace orch::apiserver {
namespace {

TEST(StorageFlags, DurationsAsGoWritesThem) {
  EXPECT_EQ(parseDuration("5m").value(), std::chrono::minutes(5));
  EXPECT_EQ(parseDuration("300s").value(), std::chrono::seconds(300));
  EXPECT_EQ(parseDuration("1.5h").value(), std::chrono::minutes(90));
  EXPECT_EQ(parseDuration("250ms").value(), std::chrono::milliseconds(250));
  EXPECT_EQ(parseDuration("0").value(), std::chrono::milliseconds(0));
  EXPECT_FALSE(parseDuration("5").ok());
  EXPECT_FALSE(parseDuration("fast").ok());
  EXPECT_FALSE(parseDuration("-1s").ok());
  EXPECT_FALSE(parseDuration("5d").ok());
}

}  // namespace
}  // namespace orch::apiserver
