#include <gtest/gtest.h>

#include "runtime-shim/container/cgroups.h"
#include "tests/support/temp_dir.h"

namespace orch::shim {
namespace {

// A systemd host on cgroup v1: combined cpu,cpuacct and net_cls,net_prio mounts.
const char* kV1 = R"(22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
25 22 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
26 25 0:24 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
27 26 0:25 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd
30 26 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,cpu,cpuacct
31 26 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,memory
32 26 0:30 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
33 26 0:31 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpuset,clone_children
34 26 0:32 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids
35 26 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,freezer
99 22 0:31 / /mnt/cpuset\040again rw,relatime - cgroup cgroup rw,cpuset,clone_children
)";

const char* kV2 = R"(22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
26 25 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
)";

// This machine's layout: v1 controllers and an empty v2 hierarchy, no systemd as init.
const char* kHybrid = R"(31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
)";

TEST(CgroupLayoutTest, V1) {
  auto l = parseCgroupLayout(kV1);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->mode, CgroupLayout::Mode::kV1);
  EXPECT_EQ(l->unified(), nullptr);
  ASSERT_NE(l->v1("cpu"), nullptr);
  EXPECT_EQ(l->v1("cpu"), l->v1("cpuacct"));
  EXPECT_EQ(l->v1("cpu")->mount_point, "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(l->v1("cpuset")->mount_point, "/sys/fs/cgroup/cpuset");  // the first mount wins
  EXPECT_EQ(l->v1("name=systemd")->mount_point, "/sys/fs/cgroup/systemd");
  EXPECT_EQ(l->v1("devices"), nullptr);
  EXPECT_EQ(l->v1("xattr"), nullptr);
  EXPECT_EQ(l->hierarchies.size(), 7u);

  Cgroup cg = Cgroup::open(*l, "/orch/pod1/c1");
  EXPECT_EQ(cg.directory("memory"), "/sys/fs/cgroup/memory/orch/pod1/c1");
  EXPECT_EQ(cg.directory("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct/orch/pod1/c1");
  EXPECT_EQ(cg.directory(""), "");
  // cpu,cpuacct once; systemd included; net_cls not used for containers.
  std::vector<std::string> want = {
      "/sys/fs/cgroup/cpu,cpuacct/orch/pod1/c1", "/sys/fs/cgroup/cpuset/orch/pod1/c1",
      "/sys/fs/cgroup/memory/orch/pod1/c1",      "/sys/fs/cgroup/pids/orch/pod1/c1",
      "/sys/fs/cgroup/freezer/orch/pod1/c1",     "/sys/fs/cgroup/systemd/orch/pod1/c1"};
  EXPECT_EQ(cg.directories(), want);
}

TEST(CgroupLayoutTest, UnescapesMountPoints) {
  auto l =
      parseCgroupLayout("99 22 0:31 / /mnt/my\\040cgroups rw,relatime - cgroup cgroup rw,memory\n");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->v1("memory")->mount_point, "/mnt/my cgroups");
}

TEST(CgroupLayoutTest, V2) {
  auto l = parseCgroupLayout(kV2);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->mode, CgroupLayout::Mode::kV2);
  ASSERT_NE(l->unified(), nullptr);
  EXPECT_EQ(l->unified()->mount_point, "/sys/fs/cgroup");
  EXPECT_EQ(l->v1("memory"), nullptr);
  Cgroup cg = Cgroup::open(*l, "/orch/c1");
  EXPECT_EQ(cg.directories(), std::vector<std::string>{"/sys/fs/cgroup/orch/c1"});
}

TEST(CgroupLayoutTest, Hybrid) {
  auto l = parseCgroupLayout(kHybrid);
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->mode, CgroupLayout::Mode::kHybrid);
  ASSERT_NE(l->unified(), nullptr);
  EXPECT_EQ(l->unified()->mount_point, "/sys/fs/cgroup/unified");
  EXPECT_NE(l->v1("cpu"), l->v1("cpuacct"));
  Cgroup cg = Cgroup::open(*l, "/t");
  EXPECT_EQ(cg.directories().size(), 10u);  // 9 v1 hierarchies + unified
  EXPECT_EQ(cg.directories().back(), "/sys/fs/cgroup/unified/t");
}

TEST(CgroupLayoutTest, SystemdOnlyV1WithV2IsV2) {
  std::string text =
      std::string(kV2) + "27 26 0:25 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n";
  auto l = parseCgroupLayout(text);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->mode, CgroupLayout::Mode::kV2);
}

TEST(CgroupLayoutTest, Errors) {
  EXPECT_EQ(parseCgroupLayout("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n").status().code(), ENOENT);
  auto bad = parseCgroupLayout("garbage line\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), EINVAL);
  EXPECT_NE(bad.status().context().find("line 1"), std::string::npos);
}

TEST(CgroupLayoutTest, SharesToWeightIsTheKubeletConversion) {
  EXPECT_EQ(cpuSharesToWeight(0), 0u);
  EXPECT_EQ(cpuSharesToWeight(2), 1u);
  EXPECT_EQ(cpuSharesToWeight(1024), 39u);
  EXPECT_EQ(cpuSharesToWeight(102), 4u);
  EXPECT_EQ(cpuSharesToWeight(262144), 10000u);
  EXPECT_EQ(cpuSharesToWeight(1), 1u);
  EXPECT_EQ(cpuSharesToWeight(1u << 30), 10000u);
}

// Stats read from files laid out as the kernel does (in a temp dir standing in for the
// hierarchies).
TEST(CgroupStatsTest, V1Files) {
  orch::testing::TempDir root;
  CgroupLayout layout;
  layout.mode = CgroupLayout::Mode::kV1;
  for (const char* c : {"cpuacct", "memory", "pids"}) {
    layout.hierarchies.push_back({false, {c}, root.path() + "/" + c, "/"});
  }
  root.write("cpuacct/c1/cpuacct.usage", "123456789\n");
  root.write("memory/c1/memory.usage_in_bytes", "10000000\n");
  root.write("memory/c1/memory.stat",
             "cache 1\nrss 2\ninactive_file 3\ntotal_rss 4096\ntotal_inactive_file 1000000\n"
             "total_pgfault 77\ntotal_pgmajfault 5\n");
  root.write("memory/c1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  root.write("memory/c1/cgroup.procs", "10\n20\n");
  root.write("pids/c1/pids.current", "2\n");
  Cgroup cg = Cgroup::open(layout, "/c1");
  auto s = cg.stats();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->cpu_usage_ns, 123456789u);
  EXPECT_EQ(s->memory_usage_bytes, 10000000u);
  EXPECT_EQ(s->memory_working_set_bytes, 9000000u);
  EXPECT_EQ(s->memory_rss_bytes, 4096u);
  EXPECT_EQ(s->page_faults, 77u);
  EXPECT_EQ(s->major_page_faults, 5u);
  EXPECT_EQ(s->pids, 2u);
  EXPECT_EQ(s->oom_kills, 3u);
  auto pids = cg.pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, (std::vector<pid_t>{10, 20}));
  EXPECT_EQ(Cgroup::open(layout, "/gone").stats().status().code(), ENOENT);
}

TEST(CgroupStatsTest, V2Files) {
  orch::testing::TempDir root;
  CgroupLayout layout;
  layout.mode = CgroupLayout::Mode::kV2;
  layout.hierarchies.push_back({true, {}, root.path(), "/"});
  root.write("c1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
  root.write("c1/memory.current", "5000\n");
  root.write("c1/memory.stat", "anon 300\nfile 200\ninactive_file 6000\npgfault 9\npgmajfault 1\n");
  root.write("c1/memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\n");
  root.write("c1/pids.current", "7\n");
  auto s = Cgroup::open(layout, "/c1").stats();
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->cpu_usage_ns, 1500000u);
  EXPECT_EQ(s->memory_usage_bytes, 5000u);
  EXPECT_EQ(s->memory_working_set_bytes, 0u);  // inactive_file above usage: floored
  EXPECT_EQ(s->memory_rss_bytes, 300u);
  EXPECT_EQ(s->page_faults, 9u);
  EXPECT_EQ(s->major_page_faults, 1u);
  EXPECT_EQ(s->pids, 7u);
  EXPECT_EQ(s->oom_kills, 1u);
}

}  // namespace
}  // namespace orch::shim
