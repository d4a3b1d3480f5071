#include "tests/integration/shim_container/container_fixture.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "common/base/file_util.h"
#include "common/base/unique_fd.h"

namespace orch::shim::testing {

namespace {

constexpr const char* kApplets[] = {"sh",   "cat",  "id",       "sleep", "ls",       "unshare",
                                    "grep", "echo", "test",     "touch", "dd",       "head",
                                    "wc",   "true", "hostname", "pwd",   "readlink", "mkdir",
                                    "env",  "cut",  "tr",       "stat",  "false"};

void mustMkdir(const std::string& path) {
  std::string sofar;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    sofar = path.substr(0, pos);
    if (::mkdir(sofar.c_str(), 0755) != 0 && errno != EEXIST) {
      FAIL() << "mkdir " << sofar << ": " << errnoName(errno);
    }
  }
}

void copyFile(const std::string& from, const std::string& to, mode_t mode) {
  auto data = readFile(from);
  ASSERT_TRUE(data.ok()) << data.status().message();
  ASSERT_TRUE(writeFile(to, *data, mode).isOk());
}

}  // namespace

int Finished::exitCode() const {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ContainerTest::SetUp() {
  ASSERT_EQ(geteuid(), 0u) << "the launcher tests need root";
  auto layout = detectCgroupLayout();
  ASSERT_TRUE(layout.ok()) << layout.status().message();
  layout_ = *layout;
  prefix_ = "/orch-test-" + std::to_string(getpid());

  // Bottom layer: busybox and its applets; top layer: files that shadow the bottom's.
  bottom_ = tmp_.path() + "/layers/bottom";
  top_ = tmp_.path() + "/layers/top";
  mustMkdir(bottom_ + "/bin");
  mustMkdir(bottom_ + "/etc/secretdir");
  mustMkdir(bottom_ + "/proc");
  mustMkdir(bottom_ + "/dev");
  mustMkdir(bottom_ + "/sys");
  mustMkdir(bottom_ + "/tmp");
  mustMkdir(top_ + "/etc");
  copyFile("/bin/busybox", bottom_ + "/bin/busybox", 0755);
  for (const char* applet : kApplets) {
    ASSERT_EQ(::symlink("busybox", (bottom_ + "/bin/" + applet).c_str()), 0) << applet;
  }
  tmp_.write("layers/bottom/etc/layer", "bottom\n");
  tmp_.write("layers/top/etc/layer", "top\n");
  tmp_.write("layers/bottom/etc/secret", "s3cret\n");
  tmp_.write("layers/bottom/etc/secretdir/file", "hidden\n");
  host_marker_ = tmp_.write("host-marker", "host\n");
}

void ContainerTest::TearDown() {
  for (pid_t pid : started_) {
    if (::kill(pid, SIGKILL) == 0) ::waitpid(pid, nullptr, 0);
  }
  for (const std::string& path : cgroups_) {
    Cgroup cg = Cgroup::open(layout_, path);
    EXPECT_TRUE(cg.killAll().isOk());
    Status removed = cg.remove();
    EXPECT_TRUE(removed.isOk()) << removed.message();
  }
  for (const std::string& dir : Cgroup::open(layout_, prefix_).directories()) {
    if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) {
      ADD_FAILURE() << "rmdir " << dir << ": " << errnoName(errno);
    }
  }
}

LaunchSpec ContainerTest::containerSpec(const std::string& name, std::vector<std::string> args) {
  const std::string dir = tmp_.path() + "/containers/" + name;
  for (const char* sub : {"/upper", "/work", "/rootfs"}) mustMkdir(dir + sub);
  LaunchSpec s;
  s.args = std::move(args);
  s.env = {"PATH=/bin", "HOME=/"};
  s.lower_dirs = {bottom_, top_};
  s.upper_dir = dir + "/upper";
  s.work_dir = dir + "/work";
  s.rootfs_dir = dir + "/rootfs";
  s.hostname = name;
  s.namespaces = {{"pid", ""}, {"ipc", ""}, {"uts", ""}, {"net", ""}, {"mnt", ""}};
  s.masked_paths = {"/proc/acpi",
                    "/proc/asound",
                    "/proc/kcore",
                    "/proc/keys",
                    "/proc/latency_stats",
                    "/proc/timer_list",
                    "/proc/timer_stats",
                    "/proc/sched_debug",
                    "/proc/scsi",
                    "/sys/firmware",
                    "/sys/devices/virtual/powercap"};
  s.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
  s.cgroup_path = prefix_ + "/" + name;
  s.capabilities = defaultCapabilities();
  s.seccomp.kind = SeccompSpec::Kind::kRuntimeDefault;
  return s;
}

std::string ContainerTest::outPath(const LaunchSpec& spec) const {
  return tmp_.path() + "/" + spec.cgroup_path.substr(spec.cgroup_path.rfind('/') + 1) + ".out";
}
std::string ContainerTest::errPath(const LaunchSpec& spec) const {
  return tmp_.path() + "/" + spec.cgroup_path.substr(spec.cgroup_path.rfind('/') + 1) + ".err";
}

Result<pid_t> ContainerTest::start(const LaunchSpec& spec) {
  UniqueFd out(::open(outPath(spec).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd err(::open(errPath(spec).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out || !err) return Status::fromErrno("open output files");
  return start(spec, StdioFds{-1, out.get(), err.get()});
}

Result<pid_t> ContainerTest::start(const LaunchSpec& spec, const StdioFds& stdio) {
  if (!spec.cgroup_path.empty() &&
      std::find(cgroups_.begin(), cgroups_.end(), spec.cgroup_path) == cgroups_.end()) {
    cgroups_.push_back(spec.cgroup_path);
  }
  auto pid = spawnProcess(spec, stdio);
  if (pid.ok()) started_.push_back(*pid);
  return pid;
}

Finished ContainerTest::wait(pid_t pid, const LaunchSpec& spec) {
  Finished f;
  if (::waitpid(pid, &f.status, 0) != pid) ADD_FAILURE() << "waitpid " << pid;
  started_.erase(std::remove(started_.begin(), started_.end(), pid), started_.end());
  f.out = readFile(outPath(spec)).valueOr("");
  f.err = readFile(errPath(spec)).valueOr("");
  return f;
}

Finished ContainerTest::run(const LaunchSpec& spec) {
  auto pid = start(spec);
  if (!pid.ok()) {
    ADD_FAILURE() << "spawnProcess: " << pid.status().message();
    return Finished{-1, "", ""};
  }
  return wait(*pid, spec);
}

}  // namespace orch::shim::testing
