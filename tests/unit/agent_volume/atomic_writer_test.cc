#include "agent/volume/atomic_writer.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "support/temp_dir.h"
#include "test_util.h"

namespace orch::agent {
namespace {

using namespace testutil;

std::set<std::string> entries(const std::string& dir) {
  std::set<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.insert(n);
  }
  ::closedir(d);
  return out;
}

// The timestamped directories (..<date>.<random>) in `dir`.
std::set<std::string> tsDirs(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& n : entries(dir)) {
    if (n.rfind("..", 0) == 0 && n != "..data" && n != "..data_tmp") out.insert(n);
  }
  return out;
}

class AtomicWriterTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path(); }
  testing::TempDir tmp_;
};

TEST_F(AtomicWriterTest, LayoutSymlinksAndModes) {
  Payload p = {{"config.yaml", {"a: 1\n", 0644}},
               {"secret/key", {"k", 0400}},
               {"secret/nested/deep", {"d", 0600}}};
  auto r = AtomicWriter(dir()).write(p);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(*r);

  auto ts = tsDirs(dir());
  ASSERT_EQ(ts.size(), 1u);
  const std::string ts_name = *ts.begin();
  // ..YYYY_MM_DD_HH_MM_SS.<random>
  EXPECT_EQ(ts_name.size(), std::string("..2024_01_02_03_04_05.XXXXXX").size()) << ts_name;
  EXPECT_EQ(ts_name[6], '_');
  EXPECT_EQ(modeOf(dir() + "/" + ts_name), 0755u);

  EXPECT_TRUE(isSymlink(dir() + "/..data"));
  EXPECT_EQ(readLink(dir() + "/..data"), ts_name);
  EXPECT_FALSE(exists(dir() + "/..data_tmp"));
  EXPECT_EQ(readLink(dir() + "/config.yaml"), "..data/config.yaml");
  EXPECT_EQ(readLink(dir() + "/secret"), "..data/secret");  // top-level component only
  EXPECT_EQ(entries(dir()), (std::set<std::string>{"..data", ts_name, "config.yaml", "secret"}));

  EXPECT_EQ(contentOf(dir() + "/config.yaml"), "a: 1\n");
  EXPECT_EQ(contentOf(dir() + "/secret/nested/deep"), "d");
  EXPECT_EQ(modeOf(dir() + "/config.yaml"), 0644u);
  EXPECT_EQ(modeOf(dir() + "/secret/key"), 0400u);
  EXPECT_EQ(modeOf(dir() + "/secret/nested/deep"), 0600u);
  EXPECT_EQ(modeOf(dir() + "/secret/nested"), 0755u);
}

TEST_F(AtomicWriterTest, ModesIgnoreTheUmask) {
  mode_t old = ::umask(077);
  auto r = AtomicWriter(dir()).write({{"f", {"x", 0666}}, {"d/g", {"y", 0644}}});
  ::umask(old);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(modeOf(dir() + "/f"), 0666u);
  EXPECT_EQ(modeOf(dir() + "/..data/d"), 0755u);
}

TEST_F(AtomicWriterTest, UnchangedPayloadIsNotRewritten) {
  Payload p = {{"a", {"1", 0644}}, {"b", {"2", 0644}}};
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write(p));
  std::string first = readLink(dir() + "/..data");
  auto again = w.write(p);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(readLink(dir() + "/..data"), first);
}

TEST_F(AtomicWriterTest, ChangeSwapsDataAndRemovesOldDir) {
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write({{"a", {"1", 0644}}, {"old", {"gone soon", 0644}}, {"d/x", {"x", 0644}}}));
  std::string first = readLink(dir() + "/..data");

  auto r = w.write({{"a", {"2", 0644}}, {"new", {"n", 0644}}, {"d/y", {"y", 0644}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(*r);
  std::string second = readLink(dir() + "/..data");
  EXPECT_NE(second, first);
  EXPECT_FALSE(exists(dir() + "/" + first));  // the old data is removed after the swap
  EXPECT_EQ(tsDirs(dir()), std::set<std::string>{second});
  EXPECT_EQ(contentOf(dir() + "/a"), "2");
  EXPECT_EQ(contentOf(dir() + "/new"), "n");
  EXPECT_FALSE(exists(dir() + "/old"));  // user-visible link of a removed file is gone
  EXPECT_FALSE(exists(dir() + "/d/x"));
  EXPECT_EQ(contentOf(dir() + "/d/y"), "y");
}

TEST_F(AtomicWriterTest, ModeChangeAloneIsAnUpdate) {
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write({{"a", {"1", 0644}}}));
  auto r = w.write({{"a", {"1", 0600}}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_EQ(modeOf(dir() + "/a"), 0600u);
}

TEST_F(AtomicWriterTest, RemovedFileAloneIsAnUpdate) {
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write({{"a", {"1", 0644}}, {"b", {"2", 0644}}}));
  auto r = w.write({{"a", {"1", 0644}}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_FALSE(exists(dir() + "/b"));
}

TEST_F(AtomicWriterTest, EmptyPayloadPublishesEmptyData) {
  auto r = AtomicWriter(dir()).write({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_TRUE(isSymlink(dir() + "/..data"));
  EXPECT_EQ(entries(dir() + "/..data/").size(), 0u);
}

TEST_F(AtomicWriterTest, RecreatesMissingUserVisibleLinksAndStaleDirs) {
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write({{"a", {"1", 0644}}}));
  ASSERT_EQ(::unlink((dir() + "/a").c_str()), 0);
  ASSERT_EQ(::mkdir((dir() + "/..2000_01_01_00_00_00.stale").c_str(), 0755), 0);
  tmp_.write("..2000_01_01_00_00_00.stale/f", "x");
  auto r = w.write({{"a", {"1", 0644}}});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(contentOf(dir() + "/a"), "1");
  EXPECT_FALSE(exists(dir() + "/..2000_01_01_00_00_00.stale"));
}

TEST_F(AtomicWriterTest, DanglingDataLinkIsRewritten) {
  AtomicWriter w(dir());
  ASSERT_TRUE(*w.write({{"a", {"1", 0644}}}));
  ASSERT_EQ(::unlink((dir() + "/..data").c_str()), 0);
  ASSERT_EQ(::symlink("..2000_01_01_00_00_00.gone", (dir() + "/..data").c_str()), 0);
  auto r = w.write({{"a", {"1", 0644}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(*r);
  EXPECT_EQ(contentOf(dir() + "/a"), "1");
}

TEST_F(AtomicWriterTest, SetPermsRunsOnTheNewDirBeforePublishing) {
  std::string seen;
  auto r = AtomicWriter(dir()).write({{"a", {"1", 0644}}}, [&](const std::string& ts) {
    seen = ts;
    EXPECT_FALSE(exists(dir() + "/..data"));  // not yet published
    return Status::ok();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(seen, dir() + "/" + readLink(dir() + "/..data"));

  // A failing hook leaves the published data alone and no temp dir behind.
  std::string before = readLink(dir() + "/..data");
  r = AtomicWriter(dir()).write({{"a", {"2", 0644}}},
                                [](const std::string&) { return Status::invalid("nope"); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(readLink(dir() + "/..data"), before);
  EXPECT_EQ(tsDirs(dir()), std::set<std::string>{before});
  EXPECT_EQ(contentOf(dir() + "/a"), "1");
}

TEST_F(AtomicWriterTest, PathsAreCleaned) {
  auto r = AtomicWriter(dir()).write({{"./x//y/", {"1", 0644}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(contentOf(dir() + "/x/y"), "1");
}

TEST(AtomicWriterValidate, Paths) {
  EXPECT_TRUE(AtomicWriter::validatePath("a").isOk());
  EXPECT_TRUE(AtomicWriter::validatePath("a/b/c").isOk());
  EXPECT_TRUE(AtomicWriter::validatePath("..").isOk() == false);
  EXPECT_TRUE(AtomicWriter::validatePath("a..b").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath("").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath("/abs").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath("a/../b").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath("..data").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath("..hidden/x").isOk());
  EXPECT_FALSE(AtomicWriter::validatePath(std::string(256, 'a')).isOk());
  EXPECT_TRUE(AtomicWriter::validatePath(std::string(255, 'a')).isOk());
  EXPECT_FALSE(AtomicWriter::validatePath(std::string(4097, '/').replace(0, 1, "a")).isOk());
}

TEST_F(AtomicWriterTest, InvalidPathWritesNothing) {
  auto r = AtomicWriter(dir()).write({{"ok", {"1", 0644}}, {"../escape", {"x", 0644}}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  EXPECT_TRUE(entries(dir()).empty());
}

}  // namespace
}  // namespace orch::agent
