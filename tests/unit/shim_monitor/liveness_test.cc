#include "runtime-shim/monitor/liveness.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

namespace orch::shim {
namespace {

TEST(ProcStat, ParsesFieldsAfterTheCommandName) {
  std::string text =
      "1234 (a (weird) ) name) S 77 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 "
      "555666 1000 10 18446744073709551615\n";
  std::optional<ProcStat> st = parseProcStat(text);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->state, 'S');
  EXPECT_EQ(st->ppid, 77);
  EXPECT_EQ(st->start_time, 555666u);
  EXPECT_FALSE(parseProcStat("1234 (x) S 1 2 3"));
  EXPECT_FALSE(parseProcStat("garbage"));
}

TEST(ProcProbe, SeesItselfAndNotZombies) {
  ProcProbe probe;
  std::optional<uint64_t> me = probe.startTime(::getpid());
  ASSERT_TRUE(me);
  EXPECT_EQ(procStartTime(::getpid()), me);
  EXPECT_TRUE(isSameProcess(probe, ::getpid(), *me));
  EXPECT_FALSE(isSameProcess(probe, ::getpid(), *me + 1));  // a recycled pid

  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  // Not reaped yet: a zombie until waitid(WNOWAIT) says it exited, and after.
  siginfo_t si;
  ASSERT_EQ(::waitid(P_PID, child, &si, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(probe.startTime(child));
  EXPECT_TRUE(procStartTime(child));
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);
  EXPECT_FALSE(procStartTime(child));
}

class FakeProbe : public ProcessProbe {
 public:
  std::optional<uint64_t> startTime(pid_t pid) const override {
    auto it = alive.find(pid);
    if (it == alive.end()) return std::nullopt;
    return it->second;
  }
  std::map<pid_t, uint64_t> alive;
};

MonitorRecord running() {
  MonitorRecord r;
  r.state.phase = ProcessState::Phase::kRunning;
  r.state.pid = 200;
  r.pid_start_time = 20;
  r.state.monitor_pid = 100;
  r.monitor_start_time = 10;
  r.state.started_at_ns = 5;
  return r;
}

TEST(ResolveRecord, LiveMonitorIsBelieved) {
  FakeProbe probe;
  probe.alive = {{100, 10}};  // the process itself may be gone: the monitor will tell
  bool synth = true;
  EXPECT_EQ(resolveRecord(running(), probe, 99, &synth), running());
  EXPECT_FALSE(synth);
}

TEST(ResolveRecord, ProcessOutlivingItsMonitorStillRuns) {
  FakeProbe probe;
  probe.alive = {{200, 20}};
  bool synth = true;
  EXPECT_EQ(resolveRecord(running(), probe, 99, &synth), running());
  EXPECT_FALSE(synth);
}

TEST(ResolveRecord, BothGoneIsAnUnknownExit) {
  FakeProbe probe;
  bool synth = false;
  MonitorRecord r = resolveRecord(running(), probe, 99, &synth);
  EXPECT_TRUE(synth);
  EXPECT_EQ(r.state.phase, ProcessState::Phase::kExited);
  EXPECT_EQ(r.state.exit_code, 255);
  EXPECT_EQ(r.state.reason, "Error");
  EXPECT_EQ(r.state.finished_at_ns, 99);
  EXPECT_EQ(r.state.started_at_ns, 5);
}

TEST(ResolveRecord, RecycledPidsDoNotCount) {
  FakeProbe probe;
  probe.alive = {{100, 11}, {200, 21}};  // same pids, other processes
  bool synth = false;
  MonitorRecord r = resolveRecord(running(), probe, 99, &synth);
  EXPECT_TRUE(synth);
  EXPECT_EQ(r.state.exit_code, 255);
}

TEST(ResolveRecord, MonitorDiedWhileStarting) {
  FakeProbe probe;
  MonitorRecord created = running();
  created.state.phase = ProcessState::Phase::kCreated;
  created.state.pid = 0;
  bool synth = false;
  MonitorRecord r = resolveRecord(created, probe, 99, &synth);
  EXPECT_TRUE(synth);
  EXPECT_EQ(r.state.phase, ProcessState::Phase::kExited);
}

TEST(ResolveRecord, RecordedExitStands) {
  FakeProbe probe;
  MonitorRecord exited = running();
  exited.state.phase = ProcessState::Phase::kExited;
  exited.state.exit_code = 3;
  exited.state.reason = "Error";
  bool synth = true;
  EXPECT_EQ(resolveRecord(exited, probe, 99, &synth), exited);
  EXPECT_FALSE(synth);
}

}  // namespace
}  // namespace orch::shim
