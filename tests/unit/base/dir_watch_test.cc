#include "common/base/dir_watch.h"

#include <gtest/gtest.h>

#include "common/base/file_util.h"
#include "tests/support/temp_dir.h"

namespace orch {
namespace {

using std::chrono::milliseconds;

TEST(DirWatchTest, AChangeInTheDirectoryWakesTheWait) {
  testing::TempDir dir;
  auto watch = DirWatch::open(dir.path());
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  EXPECT_FALSE(watch->wait(milliseconds(0))) << "nothing changed yet";
  ASSERT_TRUE(writeFile(dir.path() + "/pod.yaml", "kind: Pod\n").isOk());
  EXPECT_TRUE(watch->wait(milliseconds(5000), milliseconds(10)));
  // The events of that write were taken as one change.
  EXPECT_FALSE(watch->wait(milliseconds(0)));
  ASSERT_EQ(::unlink((dir.path() + "/pod.yaml").c_str()), 0);
  EXPECT_TRUE(watch->wait(milliseconds(5000), milliseconds(10)));
}

TEST(DirWatchTest, InterruptEndsEveryWait) {
  testing::TempDir dir;
  auto watch = DirWatch::open(dir.path());
  ASSERT_TRUE(watch.ok());
  watch->interrupt();
  ASSERT_TRUE(writeFile(dir.path() + "/pod.yaml", "kind: Pod\n").isOk());
  EXPECT_FALSE(watch->wait(milliseconds(5000)));
  EXPECT_FALSE(watch->wait(milliseconds(5000)));
}

TEST(DirWatchTest, AMissingDirectoryIsAnError) {
  testing::TempDir dir;
  auto watch = DirWatch::open(dir.path() + "/absent");
  ASSERT_FALSE(watch.ok());
  EXPECT_EQ(watch.status().code(), ENOENT);
}

}  // namespace
}  // namespace orch
