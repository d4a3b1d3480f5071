#include "common/base/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace orch {
namespace {

TEST(FileUtil, WriteThenReadBack) {
  testing::TempDir dir;
  std::string p = dir.path() + "/f";
  ASSERT_TRUE(writeFile(p, std::string("a\0b", 3), 0600).isOk());
  auto r = readFile(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, std::string("a\0b", 3));
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(FileUtil, WriteFileAppliesModeToExistingFiles) {
  testing::TempDir dir;
  std::string p = dir.write("f", "old");
  ASSERT_TRUE(writeFile(p, "new", 0640).isOk());
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(*readFile(p), "new");
}

TEST(FileUtil, AtomicWriteReplacesAndLeavesNoTempFile) {
  testing::TempDir dir;
  std::string p = dir.write("f", "old");
  ASSERT_TRUE(writeFileAtomic(p, "new", 0644, true).isOk());
  EXPECT_EQ(*readFile(p), "new");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(FileUtil, ErrorsCarryErrnoAndPath) {
  auto r = readFile("/nonexistent/orch/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ENOENT);
  EXPECT_NE(r.status().message().find("/nonexistent/orch/x"), std::string::npos);
  Status s = writeFileAtomic("/nonexistent/orch/x", "data");
  EXPECT_EQ(s.code(), ENOENT);
}

}  // namespace
}  // namespace orch
