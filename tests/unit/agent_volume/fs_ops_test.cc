#include "agent/volume/fs_ops.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "support/temp_dir.h"
#include "test_util.h"

namespace orch::agent {
namespace {

using namespace testutil;

TEST(ParseMountPoints, FieldsAndEscapes) {
  const char* text =
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "23 22 0:21 / /var/lib/orch/agent/pods/u/volumes/kubernetes.io~secret/my\\040secret "
      "rw,relatime - tmpfs tmpfs rw,size=1024k\n"
      "\n";
  EXPECT_EQ(parseMountPoints(text),
            (std::vector<std::string>{
                "/", "/var/lib/orch/agent/pods/u/volumes/kubernetes.io~secret/my secret"}));
}

TEST(MountPointsUnder, NothingBelowATempDir) {
  testing::TempDir tmp;
  auto r = mountPointsUnder(tmp.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = mountPointsUnder(tmp.path() + "/absent");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  auto proc = mountPointsUnder("/");  // "/proc" is mounted below "/" everywhere
  ASSERT_TRUE(proc.ok());
  EXPECT_FALSE(proc->empty());
}

TEST(RemoveAll, DoesNotFollowSymlinks) {
  testing::TempDir tmp;
  std::string outside = tmp.write("outside/precious", "keep");
  tmp.write("victim/a/b/c", "x");
  ASSERT_EQ(::symlink((tmp.path() + "/outside").c_str(), (tmp.path() + "/victim/a/link").c_str()),
            0);
  ASSERT_TRUE(removeAllOneFilesystem(tmp.path() + "/victim").isOk());
  EXPECT_FALSE(exists(tmp.path() + "/victim"));
  EXPECT_EQ(contentOf(outside), "keep");
  EXPECT_TRUE(removeAllOneFilesystem(tmp.path() + "/victim").isOk());  // missing: fine
  // A symlink itself is removed, not its target.
  ASSERT_EQ(::symlink(outside.c_str(), (tmp.path() + "/l").c_str()), 0);
  ASSERT_TRUE(removeAllOneFilesystem(tmp.path() + "/l").isOk());
  EXPECT_EQ(contentOf(outside), "keep");
}

TEST(MakeDirs, AppliesModeDespiteUmask) {
  testing::TempDir tmp;
  mode_t old = ::umask(077);
  Status s = makeDirs(tmp.path() + "/a/b", 0751);
  ::umask(old);
  ASSERT_TRUE(s.isOk());
  EXPECT_EQ(modeOf(tmp.path() + "/a"), 0751u);
  EXPECT_EQ(modeOf(tmp.path() + "/a/b"), 0751u);
  tmp.write("file", "x");
  EXPECT_EQ(makeDirs(tmp.path() + "/file/sub", 0755).code(), ENOTDIR);
}

TEST(IsMountPoint, RootAndTempDir) {
  testing::TempDir tmp;
  EXPECT_TRUE(*isMountPoint("/"));
  EXPECT_TRUE(*isMountPoint("/proc"));
  EXPECT_FALSE(*isMountPoint(tmp.path()));
}

}  // namespace
}  // namespace orch::agent
