// orch-monitor exec (ExecSync) and orch-pause as a sandbox's process.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/base/unique_fd.h"
#include "monitor_fixture.h"

namespace orch::shim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Phase = ProcessState::Phase;

TEST_F(MonitorTest, ExecSyncReturnsOutputAndExitCode) {
  std::string b = bundle("exec", {"/bin/sleep", "1000"});
  ASSERT_TRUE(client_.start(b).ok());
  Result<ExecResult> r =
      client_.execSync(b, {"/bin/sh", "-c", "echo o; echo e >&2; exit 4"}, seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stdout_data, "o\n");
  EXPECT_EQ(r->stderr_data, "e\n");
  EXPECT_EQ(r->exit_code, 4);

  // Inside the container's namespaces: its hostname, and its pid namespace (the host's /proc
  // is mounted here, so compare the namespace links).
  Result<ProcessState> s = MonitorClient::state(b);
  ASSERT_TRUE(s.ok());
  std::string pid_ns = std::filesystem::read_symlink("/proc/" + std::to_string(s->pid) + "/ns/pid");
  ASSERT_NE(pid_ns, std::filesystem::read_symlink("/proc/self/ns/pid").string());
  r = client_.execSync(b, {"/bin/sh", "-c", "hostname; readlink /proc/self/ns/pid"},
                       milliseconds(0));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->stdout_data, "monitor-test\n" + pid_ns + "\n") << r->stderr_data;
}

TEST_F(MonitorTest, ExecSyncHonoursItsTimeout) {
  std::string b = bundle("exectimeout", {"/bin/sleep", "1000"});
  ASSERT_TRUE(client_.start(b).ok());
  Result<ExecResult> r = client_.execSync(b, {"/bin/sleep", "1000"}, milliseconds(300));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ETIMEDOUT) << r.status().message();
  // The killed command is gone: only the container's own process is left in the cgroup.
  Result<CgroupLayout> layout = detectCgroupLayout();
  ASSERT_TRUE(layout.ok());
  Result<std::vector<pid_t>> pids = Cgroup::open(*layout, cgroupRoot() + "/exectimeout").pids();
  ASSERT_TRUE(pids.ok()) << pids.status().message();
  EXPECT_EQ(pids->size(), 1u);
  // And the container still runs.
  EXPECT_EQ(MonitorClient::state(b)->phase, Phase::kRunning);
}

TEST_F(MonitorTest, ExecSyncOfAMissingCommandIsAnError) {
  std::string b = bundle("execmissing", {"/bin/sleep", "1000"});
  ASSERT_TRUE(client_.start(b).ok());
  Result<ExecResult> r = client_.execSync(b, {"/no/such/command"}, seconds(30));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("/no/such/command"), std::string::npos)
      << r.status().message();
}

TEST_F(MonitorTest, ExecSyncInAnExitedContainerIsAnError) {
  std::string b = bundle("execexited", {"/bin/true"});
  ASSERT_TRUE(client_.start(b).ok());
  ASSERT_TRUE(MonitorClient::waitExited(b, seconds(30)).ok());
  Result<ExecResult> r = client_.execSync(b, {"/bin/true"}, seconds(30));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ESRCH) << r.status().message();
}

std::vector<pid_t> childrenOf(pid_t pid) {
  std::string text =
      readFile("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children")
          .valueOr("");
  std::vector<pid_t> out;
  std::istringstream in(text);
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

TEST_F(MonitorTest, PauseReapsOrphansAndExitsOnSigterm) {
  std::string b = bundle("pause", {ORCH_PAUSE_BIN});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->phase, Phase::kRunning);

  // An orphan in the pod: the exec'd shell leaves a background cat blocked on a fifo and
  // exits, so the cat is reparented to pause (pid 1 of the pod).
  std::string fifo = dir_.path() + "/pause.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  Result<ExecResult> r = client_.execSync(
      b, {"/bin/sh", "-c", "cat " + fifo + " >/dev/null 2>&1 </dev/null & echo started"},
      seconds(30));
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->stdout_data, "started\n");
  std::vector<pid_t> kids = childrenOf(s->pid);
  ASSERT_EQ(kids.size(), 1u);
  // Let it finish: it exits, and only pause can reap it.
  {
    orch::UniqueFd w(::open(fifo.c_str(), O_WRONLY | O_CLOEXEC));
    ASSERT_TRUE(w.valid());
  }
  EXPECT_TRUE(eventually([&] { return childrenOf(s->pid).empty(); }))
      << "pause did not reap " << kids[0];
  EXPECT_EQ(MonitorClient::state(b)->phase, Phase::kRunning);

  ASSERT_TRUE(MonitorClient::signal(b, SIGTERM).isOk());
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_EQ(e->reason, "Completed");
  EXPECT_EQ(readOr(logPath("pause")), "");  // pause prints nothing
}

TEST_F(MonitorTest, PauseExitsOnSigint) {
  std::string b = bundle("pauseint", {ORCH_PAUSE_BIN});
  auto s = client_.start(b);
  ASSERT_TRUE(s.ok());
  // As the init of its pid namespace, pause only sees signals it has a handler for: wait until
  // it installed them (SigCgt), or an early SIGINT would be dropped by the kernel.
  ASSERT_TRUE(eventually([&] {
    std::string status = readOr("/proc/" + std::to_string(s->pid) + "/status");
    auto at = status.find("SigCgt:");
    return at != std::string::npos &&
           (std::stoull(status.substr(at + 7), nullptr, 16) >> (SIGINT - 1) & 1) == 1;
  }));
  ASSERT_TRUE(MonitorClient::signal(b, SIGINT).isOk());
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 0);
}

}  // namespace
}  // namespace orch::shim
