// Containers started by spawnProcess: rootfs, namespaces, security settings, mounts.

#include <gmock/gmock.h>
#include <pty.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"
#include "runtime-shim/container/launcher.h"
#include "tests/integration/shim_container/container_fixture.h"

namespace orch::shim::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(ContainerTest, RunsInItsOwnRootfsAndPidNamespace) {
  auto spec = containerSpec(
      "rootfs", {"sh", "-c",
                 "cat /etc/layer; test -e " + host_marker_ +
                     " && echo host-visible || echo host-hidden; echo pid=$$; "
                     "cat /proc/1/comm; readlink /proc/1/exe; hostname; "
                     "echo x > /dev/null && head -c 5 /dev/urandom | wc -c; ls /dev/pts"});
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_THAT(f.out, HasSubstr("top\n"));  // the top layer shadows the bottom one
  EXPECT_THAT(f.out, HasSubstr("host-hidden"));
  EXPECT_THAT(f.out, HasSubstr("pid=1\n"));
  EXPECT_THAT(f.out, HasSubstr("sh\n/bin/busybox\n"));
  EXPECT_THAT(f.out, HasSubstr("rootfs\n"));  // hostname in the new uts namespace
  EXPECT_THAT(f.out, HasSubstr("5\n"));
  EXPECT_THAT(f.out, HasSubstr("ptmx"));
}

TEST_F(ContainerTest, DroppedCapabilitiesAreAbsent) {
  auto spec = containerSpec("caps", {"grep", "-E", "^Cap(Eff|Bnd|Prm|Amb)", "/proc/self/status"});
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  // containerd's default set: the well-known 0xa80425fb.
  EXPECT_THAT(f.out, HasSubstr("CapPrm:\t00000000a80425fb"));
  EXPECT_THAT(f.out, HasSubstr("CapEff:\t00000000a80425fb"));
  EXPECT_THAT(f.out, HasSubstr("CapBnd:\t00000000a80425fb"));
  EXPECT_THAT(f.out, HasSubstr("CapAmb:\t0000000000000000"));
  EXPECT_THAT(readFile(outPath(spec)).valueOr(""), Not(HasSubstr("CapEff:\t000001")));

  auto narrow = containerSpec("caps2", {"grep", "^CapEff", "/proc/self/status"});
  narrow.capabilities = {"CAP_KILL"};
  f = run(narrow);
  EXPECT_THAT(f.out, HasSubstr("CapEff:\t0000000000000020"));
}

TEST_F(ContainerTest, PrivilegedGetsOurCapabilitiesNoSeccompAndWritableSys) {
  auto spec = containerSpec("priv", {"sh", "-c",
                                     "grep -E '^(CapEff|Seccomp):' /proc/self/status; "
                                     "grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6; "
                                     "test -e /dev/vda && echo hostdev"});
  spec.privileged = true;
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  std::string ours = readFile("/proc/self/status").valueOr("");
  size_t at = ours.find("CapPrm:\t");
  ASSERT_NE(at, std::string::npos);
  EXPECT_THAT(f.out, HasSubstr("CapEff:\t" + ours.substr(at + 8, 16)));
  EXPECT_THAT(f.out, HasSubstr("Seccomp:\t0"));
  EXPECT_THAT(f.out, HasSubstr("rw,"));

  auto plain = containerSpec("unpriv", {"sh", "-c",
                                        "grep -E '^Seccomp:' /proc/self/status; "
                                        "grep ' /sys ' /proc/self/mountinfo | cut -d' ' -f6"});
  f = run(plain);
  EXPECT_THAT(f.out, HasSubstr("Seccomp:\t2"));  // filter mode
  EXPECT_THAT(f.out, HasSubstr("ro,"));
}

TEST_F(ContainerTest, TtyBecomesTheControllingTerminal) {
  int master = -1, slave = -1;
  ASSERT_EQ(::openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
  UniqueFd m(master), sl(slave);
  auto spec =
      containerSpec("tty", {"sh", "-c", "test -t 0 && echo isatty; cut -d' ' -f7 /proc/self/stat"});
  spec.tty = true;
  auto pid = start(spec, StdioFds{slave, slave, slave});
  ASSERT_TRUE(pid.ok()) << pid.status().message();
  sl.reset();
  std::string text;
  char buf[256];
  ssize_t n;
  while ((n = ::read(master, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  Finished f = wait(*pid, spec);
  EXPECT_EQ(f.exitCode(), 0);
  EXPECT_THAT(text, HasSubstr("isatty"));
  EXPECT_THAT(text, Not(HasSubstr("\n0\r\n")));  // tty_nr set: a controlling terminal
}

TEST_F(ContainerTest, NonRootUserGetsItsIdsAndNoCapabilities) {
  auto spec = containerSpec("user", {"sh", "-c", "id; grep ^CapEff /proc/self/status"});
  spec.uid = 1000;
  spec.gid = 2000;
  spec.additional_gids = {3000, 3001};
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_THAT(f.out, HasSubstr("uid=1000 gid=2000"));
  EXPECT_THAT(f.out, HasSubstr("3000"));
  EXPECT_THAT(f.out, HasSubstr("3001"));
  EXPECT_THAT(f.out, HasSubstr("CapEff:\t0000000000000000"));
}

TEST_F(ContainerTest, SignalsAreResetForTheContainer) {
  // What a monitor typically does: ignore SIGPIPE, block signals for a signalfd.
  struct sigaction ignore = {}, old_pipe = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGCHLD);
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
  auto spec = containerSpec("signals", {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"});
  Finished f = run(spec);
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  EXPECT_EQ(f.out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n") << f.err;
}

TEST_F(ContainerTest, EnvAndCwdApply) {
  auto spec = containerSpec("env", {"sh", "-c", "pwd; echo foo=$FOO"});
  spec.env.push_back("FOO=bar baz");
  spec.cwd = "/work/dir";  // not in the image: created
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_EQ(f.out, "/work/dir\nfoo=bar baz\n");
}

TEST_F(ContainerTest, RuntimeDefaultSeccompRefusesUserNamespaces) {
  auto spec = containerSpec("seccomp", {"sh", "-c", "unshare -U true; echo rc=$?"});
  Finished f = run(spec);
  EXPECT_THAT(f.out, Not(HasSubstr("rc=0")));
  EXPECT_THAT(f.err, HasSubstr("Operation not permitted"));

  auto open = containerSpec("unconfined", {"sh", "-c", "unshare -U true; echo rc=$?"});
  open.seccomp.kind = SeccompSpec::Kind::kUnconfined;
  f = run(open);
  EXPECT_THAT(f.out, HasSubstr("rc=0")) << f.err;
}

TEST_F(ContainerTest, LocalhostSeccompProfileApplies) {
  std::string profile = tmp_.write("profile.json", R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})");
  auto spec = containerSpec("localhost", {"sh", "-c", "mkdir /tmp/x; echo rc=$?"});
  spec.seccomp = {SeccompSpec::Kind::kLocalhost, profile};
  Finished f = run(spec);
  EXPECT_THAT(f.out, HasSubstr("rc=1"));
  EXPECT_THAT(f.err, HasSubstr("Permission denied"));  // EACCES = 13
}

TEST_F(ContainerTest, ReadonlyRootfsRefusesWrites) {
  auto spec = containerSpec(
      "ro", {"sh", "-c", "touch /newfile; echo rc=$?; echo ok > /dev/shm/x && echo shm-ok"});
  spec.readonly_rootfs = true;
  Finished f = run(spec);
  EXPECT_THAT(f.out, HasSubstr("rc=1"));
  EXPECT_THAT(f.err, HasSubstr("Read-only file system"));
  EXPECT_THAT(f.out, HasSubstr("shm-ok"));  // only the root is read-only
  // And the writable case writes into upper_dir.
  auto rw = containerSpec("rw", {"sh", "-c", "echo data > /newfile"});
  f = run(rw);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_EQ(readFile(rw.upper_dir + "/newfile").valueOr(""), "data\n");
}

TEST_F(ContainerTest, MaskedAndReadonlyPaths) {
  auto spec = containerSpec("masked", {"sh", "-c",
                                       "echo [$(cat /etc/secret)]; echo [$(ls /etc/secretdir)]; "
                                       "echo [$(head -c 4 /proc/kcore | wc -c)]; "
                                       "echo 1 > /proc/sys/net/ipv4/ip_forward; echo rc=$?"});
  spec.masked_paths.push_back("/etc/secret");
  spec.masked_paths.push_back("/etc/secretdir");
  spec.masked_paths.push_back("/does/not/exist");  // skipped
  Finished f = run(spec);
  EXPECT_THAT(f.out, HasSubstr("[]\n[]\n[0]\n"));
  EXPECT_THAT(f.out, HasSubstr("rc=1"));  // /proc/sys is read-only
  EXPECT_THAT(f.err, HasSubstr("Read-only file system"));
}

TEST_F(ContainerTest, SysIsReadonlyAndShowsOwnCgroup) {
  auto spec = containerSpec("sys", {"sh", "-c",
                                    "ls /sys/class/net; touch /sys/fs/cgroup/memory/x; echo rc=$?; "
                                    "cat /sys/fs/cgroup/pids/pids.max"});
  spec.resources.pids_limit = 77;
  Finished f = run(spec);
  EXPECT_THAT(f.out, HasSubstr("lo\n"));  // sysfs of the new network namespace: only lo
  EXPECT_THAT(f.out, Not(HasSubstr("eth")));
  EXPECT_THAT(f.out, HasSubstr("rc=1"));
  EXPECT_THAT(f.out, HasSubstr("77\n"));

  // With a cgroup namespace of its own, rooted at the container's cgroup (entered first).
  auto cgns = containerSpec("cgns", {"cat", "/proc/self/cgroup"});
  cgns.namespaces.push_back({"cgroup", ""});
  f = run(cgns);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  EXPECT_THAT(f.out, HasSubstr(":memory:/\n"));
  EXPECT_THAT(f.out, HasSubstr("0::/\n"));
  EXPECT_THAT(f.out, Not(HasSubstr("orch-test")));
}

TEST_F(ContainerTest, MountsBindAndTmpfs) {
  std::string data = tmp_.write("hostdata/file", "from-host\n");
  std::string shared = tmp_.path() + "/hostrw";
  ASSERT_EQ(::mkdir(shared.c_str(), 0755), 0);
  auto spec = containerSpec(
      "mounts", {"sh", "-c",
                 "cat /data/file; touch /data/new; echo ro-rc=$?; "
                 "echo w > /rw/written; grep -c ' /scratch ' /proc/self/mountinfo; "
                 "grep ' /scratch ' /proc/self/mountinfo | grep -c nosuid; cat /etc/hostfile"});
  spec.mounts = {
      {tmp_.path() + "/hostdata", "/data", "bind", {"rbind", "ro"}, ""},
      {shared, "/rw", "bind", {"bind"}, "rprivate"},
      {"tmpfs", "/scratch", "tmpfs", {"nosuid", "size=1m", "mode=755"}, ""},
      {data, "/etc/hostfile", "bind", {"bind", "ro"}, ""},  // a file: a file mountpoint
  };
  Finished f = run(spec);
  EXPECT_THAT(f.out, HasSubstr("from-host\n"));
  EXPECT_THAT(f.out, HasSubstr("ro-rc=1"));
  EXPECT_THAT(f.out, HasSubstr("1\n1\nfrom-host\n"));
  EXPECT_EQ(readFile(shared + "/written").valueOr(""), "w\n");
}

TEST_F(ContainerTest, MountDestinationCannotEscapeThroughSymlinks) {
  // The image has /escape -> ../../../<host dir>; a mount at /escape/sub must stay inside.
  std::string host_dir = tmp_.path() + "/host-target";
  ASSERT_EQ(::mkdir(host_dir.c_str(), 0755), 0);
  std::string link = "../../../../../../../../.." + host_dir;
  ASSERT_EQ(::symlink(link.c_str(), (top_ + "/escape").c_str()), 0);
  ASSERT_EQ(::symlink(host_dir.c_str(), (top_ + "/abs-escape").c_str()), 0);
  auto spec = containerSpec("escape", {"sh", "-c", "echo started"});
  spec.mounts = {{"tmpfs", "/escape/sub", "tmpfs", {}, ""},
                 {"tmpfs", "/abs-escape/sub2", "tmpfs", {}, ""}};
  Finished f = run(spec);
  EXPECT_EQ(f.exitCode(), 0) << f.err;
  struct stat st;
  EXPECT_NE(::stat((host_dir + "/sub").c_str(), &st), 0) << "mountpoint made on the host";
  EXPECT_NE(::stat((host_dir + "/sub2").c_str(), &st), 0) << "mountpoint made on the host";
  // Inside the rootfs instead (the upper layer holds them).
  EXPECT_EQ(::stat((spec.upper_dir + host_dir + "/sub").c_str(), &st), 0);
}

TEST_F(ContainerTest, BadExecReportsThePath) {
  auto spec = containerSpec("badexec", {"nosuch", "arg"});
  auto pid = start(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), ENOENT);
  EXPECT_THAT(pid.status().message(), HasSubstr("exec \"nosuch\""));
  // The cgroup made for it is gone again.
  struct stat st;
  EXPECT_NE(::stat(Cgroup::open(layout(), spec.cgroup_path).directory("memory").c_str(), &st), 0);

  auto dir = containerSpec("direxec", {"/etc"});
  pid = start(dir);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), EACCES) << pid.status().message();
}

TEST_F(ContainerTest, ChildSetupErrorsComeBack) {
  auto spec = containerSpec("badmount", {"true"});
  spec.mounts = {{"/no/such/source", "/x", "bind", {"bind"}, ""}};
  auto pid = start(spec);
  ASSERT_FALSE(pid.ok());
  EXPECT_EQ(pid.status().code(), ENOENT);
  EXPECT_THAT(pid.status().message(), HasSubstr("bind /no/such/source on /x"));

  auto rl = containerSpec("rlimit", {"sh", "-c", "ulimit -n"});
  rl.rlimits = {{"RLIMIT_NOFILE", 321, 456}};
  Finished f = run(rl);
  EXPECT_EQ(f.out, "321\n");
}

TEST_F(ContainerTest, OomScoreAdjIsClampedToOurs) {
  auto spec = containerSpec("oomadj", {"cat", "/proc/self/oom_score_adj"});
  spec.oom_score_adj = 300;
  Finished f = run(spec);
  EXPECT_EQ(f.out, "300\n");
  auto low = containerSpec("oomlow", {"cat", "/proc/self/oom_score_adj"});
  low.oom_score_adj = -999;
  int ours = std::atoi(readFile("/proc/self/oom_score_adj").valueOr("0").c_str());
  f = run(low);
  EXPECT_EQ(f.out, std::to_string(std::max(ours, -999)) + "\n") << f.err;
}

}  // namespace
}  // namespace orch::shim::testing
