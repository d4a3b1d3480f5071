// Cgroups of launched containers (limits, OOM, kill), execInside, and pause processes.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"
#include "runtime-shim/container/launcher.h"
#include "tests/integration/shim_container/container_fixture.h"

namespace orch::shim::testing {
namespace {

using ::testing::HasSubstr;

std::string trimmed(const std::string& path) {
  std::string s = readFile(path).valueOr("?");
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

TEST_F(ContainerTest, MemoryLimitedProcessIsOomKilled) {
  auto spec = containerSpec("oom", {"dd", "if=/dev/zero", "bs=64M", "count=1", "of=/dev/null"});
  spec.resources.memory_limit_bytes = 32 << 20;
  auto pid = start(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  Cgroup cg = Cgroup::open(layout(), spec.cgroup_path);
  EXPECT_EQ(trimmed(cg.directory("memory") + "/memory.limit_in_bytes"), std::to_string(32 << 20));
  Finished f = wait(*pid, spec);
  ASSERT_TRUE(WIFSIGNALED(f.status)) << "exit " << f.exitCode() << " " << f.err;
  EXPECT_EQ(WTERMSIG(f.status), SIGKILL);
  auto ooms = cg.oomKillCount();
  ASSERT_TRUE(ooms.ok()) << ooms.status().message();
  EXPECT_GE(*ooms, 1u);
  auto stats = cg.stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_GE(stats->oom_kills, 1u);

  // Without the limit the same command completes.
  auto fine = containerSpec("nooom", {"dd", "if=/dev/zero", "bs=64M", "count=1", "of=/dev/null"});
  f = run(fine);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_EQ(*Cgroup::open(layout(), fine.cgroup_path).oomKillCount(), 0u);
}

TEST_F(ContainerTest, ResourcesAreWrittenAndUpdated) {
  auto spec = containerSpec("res", {"sleep", "1000"});
  spec.resources = {512, 50000, 100000, 64 << 20, 50, "0", "0"};
  auto pid = start(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  Cgroup cg = Cgroup::open(layout(), spec.cgroup_path);
  EXPECT_EQ(trimmed(cg.directory("cpu") + "/cpu.shares"), "512");
  EXPECT_EQ(trimmed(cg.directory("cpu") + "/cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(trimmed(cg.directory("cpu") + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(trimmed(cg.directory("cpuset") + "/cpuset.cpus"), "0");
  EXPECT_EQ(trimmed(cg.directory("pids") + "/pids.max"), "50");
  // The process is in every hierarchy, the v2 one included.
  for (const std::string& dir : cg.directories()) {
    EXPECT_THAT(readFile(dir + "/cgroup.procs").valueOr(""), HasSubstr(std::to_string(*pid)))
        << dir;
  }
  ResourceSpec more;
  more.memory_limit_bytes = 128 << 20;
  more.cpu_quota = -1;
  ASSERT_TRUE(cg.update(more).isOk());
  EXPECT_EQ(trimmed(cg.directory("memory") + "/memory.limit_in_bytes"), std::to_string(128 << 20));
  EXPECT_EQ(trimmed(cg.directory("cpu") + "/cpu.cfs_quota_us"), "-1");
  auto stats = cg.stats();
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_GT(stats->memory_usage_bytes, 0u);
  EXPECT_EQ(stats->pids, 1u);

  // killAll empties the cgroup; the process dies of SIGKILL.
  ASSERT_TRUE(cg.killAll().isOk());
  Finished f = wait(*pid, spec);
  EXPECT_TRUE(WIFSIGNALED(f.status) && WTERMSIG(f.status) == SIGKILL);
  EXPECT_TRUE(cg.pids()->empty());
  ASSERT_TRUE(cg.remove().isOk());
  struct stat st;
  for (const std::string& dir : cg.directories()) EXPECT_NE(::stat(dir.c_str(), &st), 0) << dir;
}

TEST_F(ContainerTest, ExecInsideJoinsTheContainer) {
  auto spec = containerSpec("exec", {"sleep", "1000"});
  spec.tty = true;  // the container's tty does not make the exec want one
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  UniqueFd pty_master(master), pty_slave(slave);
  auto pid = start(spec, StdioFds{slave, slave, slave});
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  const std::string out = tmp_.path() + "/exec.out";
  UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  ASSERT_TRUE(fd.valid());
  auto child = execInside(spec, *pid,
                          {"sh", "-c",
                           "hostname; cat /proc/1/comm; cat /etc/layer; test -e " + host_marker_ +
                               " && echo host-visible || echo host-hidden; "
                               "grep ^CapEff /proc/self/status; echo $FOO"},
                          StdioFds{-1, fd.get(), fd.get()});
  ASSERT_TRUE(child.ok()) << child.status().message();
  int status = 0;
  ASSERT_EQ(::waitpid(*child, &status, 0), *child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::string text = readFile(out).valueOr("");
  EXPECT_THAT(text, HasSubstr("exec\nsleep\ntop\nhost-hidden\nCapEff:\t00000000a80425fb\n"));
  // It ran in the container's cgroup.
  Cgroup cg = Cgroup::open(layout(), spec.cgroup_path);

  auto bad = execInside(spec, *pid, {"nosuch"}, StdioFds{});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ENOENT);
  EXPECT_THAT(bad.status().message(), HasSubstr("exec \"nosuch\""));

  // A long-running exec can be killed by pid (a timeout in ExecSync).
  auto slow = execInside(spec, *pid, {"sleep", "1000"}, StdioFds{});
  ASSERT_TRUE(slow.ok()) << slow.status().message();
  EXPECT_THAT(readFile(cg.directory("memory") + "/cgroup.procs").valueOr(""),
              HasSubstr(std::to_string(*slow)));
  ASSERT_EQ(::kill(*slow, SIGKILL), 0);
  ASSERT_EQ(::waitpid(*slow, &status, 0), *slow);
  EXPECT_TRUE(WIFSIGNALED(status));

  ::kill(*pid, SIGKILL);
  wait(*pid, spec);
  auto gone = execInside(spec, *pid, {"true"}, StdioFds{});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), ESRCH);
}

TEST_F(ContainerTest, PauseProcessKeepsTheHostRoot) {
  LaunchSpec spec;
  spec.args = {"/bin/busybox", "sleep", "1000"};
  spec.namespaces = {{"pid", ""}, {"ipc", ""}, {"uts", ""}, {"net", ""}};
  spec.hostname = "sandbox";
  spec.cgroup_path = prefix_ + "/pause";
  spec.capabilities = defaultCapabilities();
  spec.seccomp.kind = SeccompSpec::Kind::kRuntimeDefault;
  spec.sysctls = {{"net.ipv4.ip_unprivileged_port_start", "0"}};
  auto pid = start(spec);
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  const std::string proc = "/proc/" + std::to_string(*pid);
  char buf[256] = {};
  ASSERT_GT(::readlink((proc + "/root").c_str(), buf, sizeof buf - 1), 0);
  EXPECT_STREQ(buf, "/");
  struct stat a, b;
  ASSERT_EQ(::stat((proc + "/ns/mnt").c_str(), &a), 0);
  ASSERT_EQ(::stat("/proc/self/ns/mnt", &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);  // no mount namespace of its own
  ASSERT_EQ(::stat((proc + "/ns/net").c_str(), &a), 0);
  ASSERT_EQ(::stat("/proc/self/ns/net", &b), 0);
  EXPECT_NE(a.st_ino, b.st_ino);
  EXPECT_THAT(readFile(proc + "/cgroup").valueOr(""), HasSubstr(spec.cgroup_path));

  // A container joins the pause process's namespaces by path.
  auto member = containerSpec("member", {"sh", "-c",
                                         "hostname; cat /proc/1/comm; "
                                         "cat /proc/sys/net/ipv4/ip_unprivileged_port_start"});
  member.namespaces = {{"pid", proc + "/ns/pid"},
                       {"ipc", proc + "/ns/ipc"},
                       {"uts", proc + "/ns/uts"},
                       {"net", proc + "/ns/net"},
                       {"mnt", ""}};
  Finished f = run(member);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_EQ(f.out, "sandbox\nbusybox\n0\n");  // pid 1 is the pause process
  // Our own pid namespace for children is unchanged after joining theirs.
  ASSERT_EQ(::stat("/proc/self/ns/pid_for_children", &a), 0);
  ASSERT_EQ(::stat("/proc/self/ns/pid", &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
}

TEST_F(ContainerTest, HostSysctlsAndMountsWithoutMountNamespaceAreRefused) {
  LaunchSpec spec;
  spec.args = {"/bin/busybox", "true"};
  spec.sysctls = {{"net.ipv4.ip_forward", "1"}};  // the host's network namespace
  auto pid = start(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), EINVAL);
  spec.sysctls.clear();
  spec.mounts = {{"tmpfs", "/mnt", "tmpfs", {}, ""}};
  pid = start(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), EINVAL);
}

}  // namespace
}  // namespace orch::shim::testing
