#include "runtime-shim/container/mount_options.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/container/rootfs.h"

namespace orch::shim {
namespace {

TEST(MountOptionsTest, SplitsFlagsPropagationAndData) {
  auto o = parseMountOptions({"nosuid", "noexec", "ro", "mode=755", "size=64k", "rslave"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC | MS_RDONLY));
  EXPECT_EQ(o->propagation, static_cast<unsigned long>(MS_SLAVE | MS_REC));
  EXPECT_EQ(o->data, "mode=755,size=64k");
  EXPECT_TRUE(o->readonly());
  EXPECT_FALSE(o->bind());
}

TEST(MountOptionsTest, LaterOptionsWin) {
  auto o = parseMountOptions({"ro", "rw", "nodev", "dev"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->flags, 0u);
  EXPECT_FALSE(o->readonly());
}

TEST(MountOptionsTest, BindAndRbind) {
  auto b = parseMountOptions({"bind"});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->flags, static_cast<unsigned long>(MS_BIND));
  auto r = parseMountOptions({"rbind", "private"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->flags, static_cast<unsigned long>(MS_BIND | MS_REC));
  EXPECT_EQ(r->propagation, static_cast<unsigned long>(MS_PRIVATE));
  EXPECT_TRUE(r->bind());
}

TEST(MountOptionsTest, RejectsEmptyOption) {
  auto o = parseMountOptions({"ro", ""});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.status().code(), EINVAL);
}

TEST(MountOptionsTest, PropagationNames) {
  EXPECT_EQ(*propagationFlags("private"), static_cast<unsigned long>(MS_PRIVATE));
  EXPECT_EQ(*propagationFlags("rshared"), static_cast<unsigned long>(MS_SHARED | MS_REC));
  EXPECT_EQ(*propagationFlags("runbindable"), static_cast<unsigned long>(MS_UNBINDABLE | MS_REC));
  EXPECT_FALSE(propagationFlags("rw").ok());
  EXPECT_FALSE(propagationFlags("sideways").ok());
}

TEST(MountOptionsTest, OverlayPutsTheTopLayerFirst) {
  LaunchSpec s;
  s.lower_dirs = {"/l/bottom", "/l/middle", "/l/top"};
  s.upper_dir = "/c/up";
  s.work_dir = "/c/work";
  EXPECT_EQ(overlayMountData(s),
            "lowerdir=/l/top:/l/middle:/l/bottom,upperdir=/c/up,workdir=/c/work");
  s.upper_dir.clear();
  EXPECT_EQ(overlayMountData(s), "lowerdir=/l/top:/l/middle:/l/bottom");
}

}  // namespace
}  // namespace orch::shim
