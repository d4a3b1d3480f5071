// orch-monitor run: lifecycle, exit codes and reasons, CRI logs, log reopening, surviving
// its client, the hand-over to the supervising half, OOM kills, and what the client does with
// dead monitors.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <regex>

#include "monitor_fixture.h"

namespace orch::shim {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Phase = ProcessState::Phase;

TEST_F(MonitorTest, ExitCodeAndCriLogsOfBothStreams) {
  std::string go = flag("exit3");
  std::string b = bundle("exit3", {"/bin/sh", "-c",
                                   waitFor(go) + "; echo out; echo err >&2; "
                                                 "printf 'no newline'; exit 3"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->phase, Phase::kRunning);
  EXPECT_GT(s->pid, 0);
  EXPECT_GT(s->monitor_pid, 0);
  EXPECT_GT(s->started_at_ns, 0);
  // The monitor is detached: in its own session, not our child.
  EXPECT_EQ(::getsid(s->monitor_pid), s->monitor_pid);
  EXPECT_EQ(::waitpid(s->monitor_pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);

  release(go);
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->phase, Phase::kExited);
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(e->reason, "Error");
  EXPECT_GE(e->finished_at_ns, e->started_at_ns);
  EXPECT_EQ(e->started_at_ns, s->started_at_ns);

  std::vector<std::string> log = lines(readOr(logPath("exit3")));
  ASSERT_EQ(log.size(), 3u) << readOr(logPath("exit3"));
  std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z (stdout|stderr) [FP] .*$)");
  for (const auto& l : log) EXPECT_TRUE(std::regex_match(l, format)) << l;
  auto has = [&](const std::string& suffix) {
    for (const auto& l : log) {
      if (l.ends_with(suffix)) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(" stdout F out"));
  EXPECT_TRUE(has(" stderr F err"));
  EXPECT_TRUE(has(" stdout P no newline"));  // containerd's choice for a fragment at EOF
}

TEST_F(MonitorTest, ExitZeroIsCompleted) {
  std::string b = bundle("ok", {"/bin/sh", "-c", "exit 0"});
  ASSERT_TRUE(client_.start(b).ok());
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 0);
  EXPECT_EQ(e->reason, "Completed");
}

TEST_F(MonitorTest, KilledBySignalIs128PlusSignal) {
  std::string b = bundle("killed", {"/bin/sleep", "1000"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_TRUE(MonitorClient::signal(b, SIGKILL).isOk());
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 137);
  EXPECT_EQ(e->reason, "Error");
  EXPECT_TRUE(MonitorClient::signal(b, SIGKILL).isOk());  // exited: nothing to do
  EXPECT_EQ(MonitorClient::reopenLog(b).code(), ESRCH);
}

TEST_F(MonitorTest, StartErrorIsReportedAndRecorded) {
  std::string b = bundle("noexec", {"/nonexistent/orch-binary"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("/nonexistent/orch-binary"), std::string::npos)
      << s.status().message();
  Result<ProcessState> st = MonitorClient::state(b);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->phase, Phase::kExited);
  EXPECT_EQ(st->reason, "StartError");
  EXPECT_EQ(st->exit_code, 128);
  // A bundle starts once.
  EXPECT_EQ(client_.start(b).status().code(), EEXIST);
}

TEST_F(MonitorTest, ReopenLogMovesNewOutputToANewFile) {
  std::string go = flag("reopen");
  std::string b =
      bundle("reopen", {"/bin/sh", "-c", "echo before; " + waitFor(go) + "; echo after"});
  ASSERT_TRUE(client_.start(b).ok());
  std::string log = logPath("reopen");
  ASSERT_TRUE(eventually([&] { return readOr(log).find("before") != std::string::npos; }));
  std::string rotated = log + ".1";
  ASSERT_EQ(::rename(log.c_str(), rotated.c_str()), 0);
  Status r = MonitorClient::reopenLog(b);
  ASSERT_TRUE(r.isOk()) << r.message();
  // Synchronous: the new file exists when reopenLog returns.
  EXPECT_TRUE(std::filesystem::exists(log));
  release(go);
  ASSERT_TRUE(MonitorClient::waitExited(b, seconds(30)).ok());
  EXPECT_NE(readOr(rotated).find("stdout F before"), std::string::npos) << readOr(rotated);
  EXPECT_EQ(readOr(rotated).find("after"), std::string::npos) << readOr(rotated);
  EXPECT_NE(readOr(log).find("stdout F after"), std::string::npos) << readOr(log);
}

TEST_F(MonitorTest, MonitorOutlivesItsClient) {
  std::string go = flag("outlive");
  std::string b = bundle("outlive", {"/bin/sh", "-c", waitFor(go) + "; echo done; exit 5"});
  // The "shim": a child that starts the container, says so, and is then killed -9.
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t shim = ::fork();
  ASSERT_GE(shim, 0);
  if (shim == 0) {
    ::close(p[0]);
    Result<ProcessState> s = MonitorClient(ORCH_MONITOR_BIN).start(b);
    char c = s.ok() ? 'y' : 'n';
    (void)!::write(p[1], &c, 1);
    for (;;) ::pause();
  }
  ::close(p[1]);
  char c = 0;
  ASSERT_EQ(::read(p[0], &c, 1), 1);
  ::close(p[0]);
  ::kill(shim, SIGKILL);
  ::waitpid(shim, nullptr, 0);
  ASSERT_EQ(c, 'y');

  Result<ProcessState> s = MonitorClient::state(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->phase, Phase::kRunning);
  std::optional<ProcStat> mon =
      parseProcStat(readOr("/proc/" + std::to_string(s->monitor_pid) + "/stat"));
  ASSERT_TRUE(mon);
  EXPECT_NE(mon->ppid, shim);
  release(go);
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 5);
  EXPECT_NE(readOr(logPath("outlive")).find("stdout F done"), std::string::npos);
}

TEST_F(MonitorTest, SupervisingHalfKeepsLoggingAndRecordsTheExit) {
  std::string go = flag("handover");
  std::string b =
      bundle("handover", {"/bin/sh", "-c", waitFor(go) + "; echo out; echo err >&2; exit 3"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  // Once the process runs, the monitor has re-executed itself as `orch-monitor supervise`.
  const std::string cmdline = "/proc/" + std::to_string(s->monitor_pid) + "/cmdline";
  ASSERT_TRUE(eventually([&] {
    std::string argv = readOr(cmdline);
    size_t first = argv.find('\0');
    return first != std::string::npos &&
           argv.compare(first + 1, 10, std::string("supervise\0", 10)) == 0;
  })) << readOr(cmdline);
  release(go);
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->exit_code, 3);
  EXPECT_EQ(e->reason, "Error");
  EXPECT_NE(readOr(logPath("handover")).find("stdout F out"), std::string::npos);
  EXPECT_NE(readOr(logPath("handover")).find("stderr F err"), std::string::npos);
}

TEST_F(MonitorTest, MemoryLimitOomKillIsReported) {
  LaunchSpec spec = baseSpec("oom");
  spec.resources.memory_limit_bytes = 16 << 20;
  // The shell doubles a string until the cgroup's limit stops it.
  spec.args = {"/bin/sh", "-c", "x=0123456789; while :; do x=$x$x; done"};
  std::string b = bundle("oom", spec);
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(60));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->reason, "OOMKilled") << e->exit_code << " " << e->message;
  EXPECT_EQ(e->exit_code, 137);
}

TEST_F(MonitorTest, ResourcesAndStatsOfARunningProcess) {
  std::string b = bundle("res", {"/bin/sleep", "1000"});
  ASSERT_TRUE(client_.start(b).ok());
  ResourceSpec r;
  r.memory_limit_bytes = 48 << 20;
  r.pids_limit = 64;
  Status u = MonitorClient::updateResources(b, r);
  ASSERT_TRUE(u.isOk()) << u.message();
  Result<CgroupLayout> layout = detectCgroupLayout();
  ASSERT_TRUE(layout.ok());
  Cgroup cg = Cgroup::open(*layout, cgroupRoot() + "/res");
  std::string mem = cg.directory("memory");
  ASSERT_FALSE(mem.empty());
  EXPECT_EQ(readOr(mem + "/memory.limit_in_bytes"), std::to_string(48 << 20) + "\n");
  EXPECT_EQ(readLaunchSpec(b)->resources.memory_limit_bytes, 48 << 20);

  Result<ContainerStats> st = MonitorClient::stats(b);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_GT(st->timestamp_ns, 0);
  EXPECT_GT(st->memory_usage_bytes, 0u);
  if (!cg.directory("pids").empty()) {
    EXPECT_EQ(st->pids, 1u);
  }
}

TEST_F(MonitorTest, DestroyKillsAndRemovesTheCgroup) {
  std::string b = bundle("destroy", {"/bin/sleep", "1000"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Status d = MonitorClient::destroy(b);
  ASSERT_TRUE(d.isOk()) << d.message();
  Result<ProcessState> e = MonitorClient::state(b);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->phase, Phase::kExited);
  EXPECT_EQ(e->exit_code, 137);
  EXPECT_EQ(::kill(s->pid, 0), -1);
  Result<CgroupLayout> layout = detectCgroupLayout();
  ASSERT_TRUE(layout.ok());
  for (const auto& dir : Cgroup::open(*layout, cgroupRoot() + "/destroy").directories()) {
    EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  }
  EXPECT_TRUE(MonitorClient::destroy(b).isOk());
}

TEST_F(MonitorTest, DeadMonitorWithLiveProcessThenDestroy) {
  std::string b = bundle("orphan", {"/bin/sleep", "1000"});
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(::kill(s->monitor_pid, SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return !ProcProbe().startTime(s->monitor_pid); }));
  // The process runs on without its monitor.
  Result<ProcessState> r = MonitorClient::state(b);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->phase, Phase::kRunning);
  // destroy kills it and records what nobody saw.
  Status d = MonitorClient::destroy(b);
  ASSERT_TRUE(d.isOk()) << d.message();
  Result<ProcessState> e = MonitorClient::state(b);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->phase, Phase::kExited);
  EXPECT_EQ(e->exit_code, 255);
  EXPECT_EQ(e->reason, "Error");
}

TEST_F(MonitorTest, TtyOutputIsLoggedAsStdout) {
  LaunchSpec spec = baseSpec("tty");
  spec.tty = true;
  spec.args = {"/bin/sh", "-c", "echo on-tty; echo also >&2; test -t 1"};
  std::string b = bundle("tty", spec);
  Result<ProcessState> s = client_.start(b);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<ProcessState> e = MonitorClient::waitExited(b, seconds(30));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->exit_code, 0);  // stdout was a terminal
  std::string log = readOr(logPath("tty"));
  EXPECT_NE(log.find(" stdout F on-tty\n"), std::string::npos) << log;  // CR dropped
  EXPECT_NE(log.find(" stdout F also\n"), std::string::npos) << log;
}

}  // namespace
}  // namespace orch::shim
