// MonitorClient against bundles with hand-written state and a fake orch-monitor (a shell
// script speaking the same protocol), so the client's logic runs without root.

#include "runtime-shim/monitor/monitor_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/file_util.h"
#include "runtime-shim/monitor/bundle_state.h"
#include "runtime-shim/monitor/liveness.h"
#include "support/temp_dir.h"

namespace orch::shim {
namespace {

using std::chrono::milliseconds;

// A pid that is certainly gone (reaped) and a start time it no longer has.
pid_t deadPid() {
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  return child;
}

MonitorRecord runningRecord(pid_t monitor, uint64_t monitor_start, pid_t pid, uint64_t start) {
  MonitorRecord r;
  r.state.phase = ProcessState::Phase::kRunning;
  r.state.monitor_pid = monitor;
  r.monitor_start_time = monitor_start;
  r.state.pid = pid;
  r.pid_start_time = start;
  r.state.started_at_ns = 1000;
  return r;
}

const char kFakeMonitor[] = R"(#!/bin/sh
# Fake orch-monitor: behaviour chosen by the bundle's "mode" file.
cmd=$1; bundle=$2; shift 2
mode=$(cat "$bundle/mode")
if [ "$cmd" = run ]; then
  case $mode in
    fail) echo '{"ok":false,"error_code":2,"message":"exec \"nosuch\": ENOENT"}'; exit 1 ;;
    garbage) echo 'launcher exploded' >&2; exit 3 ;;
    *) echo '{"phase":"exited","exit_code":0,"reason":"Completed","pid":1,"monitor_pid":1}' \
         > "$bundle/state.json"
       echo '{"ok":true}'; exit 0 ;;
  esac
fi
timeout=; status=
while [ "$1" != "--" ]; do
  case $1 in --timeout-ms) timeout=$2 ;; --status-file) status=$2 ;; esac
  shift 2
done
shift
case $mode in
  notstarted) echo '{"started":false,"error_code":2,"error":"exec \"x\": ENOENT"}' > "$status"
              exit 125 ;;
  timeout) echo '{"started":true,"exit_code":137,"timed_out":true}' > "$status"; exit 124 ;;
  nostatus) echo 'died' >&2; exit 1 ;;
  *) echo "out:$*:$timeout"; echo "err" >&2
     echo '{"started":true,"exit_code":7}' > "$status"; exit 7 ;;
esac
)";

class MonitorClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    binary_ = dir_.write("fake-monitor", kFakeMonitor);
    ASSERT_EQ(::chmod(binary_.c_str(), 0755), 0);
    bundle_ = dir_.path() + "/bundle";
    ASSERT_EQ(::mkdir(bundle_.c_str(), 0755), 0);
  }
  void mode(const std::string& m) { dir_.write("bundle/mode", m); }

  testing::TempDir dir_;
  std::string binary_;
  std::string bundle_;
};

TEST_F(MonitorClientTest, StateOfANeverStartedBundleIsNotFound) {
  EXPECT_EQ(MonitorClient::state(bundle_).status().code(), ENOENT);
  EXPECT_EQ(MonitorClient::reopenLog(bundle_).code(), ENOENT);
}

TEST_F(MonitorClientTest, DeadMonitorAndProcessIsRecordedOnce) {
  ASSERT_TRUE(writeMonitorRecord(bundle_, runningRecord(deadPid(), 1, deadPid(), 2)).isOk());
  Result<ProcessState> s = MonitorClient::state(bundle_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->phase, ProcessState::Phase::kExited);
  EXPECT_EQ(s->exit_code, 255);
  EXPECT_EQ(s->reason, "Error");
  EXPECT_GT(s->finished_at_ns, 0);
  // Written back: the next look gives the same answer.
  Result<MonitorRecord> stored = readMonitorRecord(bundle_);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state.phase, ProcessState::Phase::kExited);
  EXPECT_EQ(stored->state.finished_at_ns, s->finished_at_ns);
  EXPECT_EQ(MonitorClient::state(bundle_)->finished_at_ns, s->finished_at_ns);
  // Nothing left to signal or wait for.
  EXPECT_TRUE(MonitorClient::signal(bundle_, SIGTERM).isOk());
  EXPECT_TRUE(MonitorClient::waitExited(bundle_, milliseconds(0)).ok());
  EXPECT_EQ(MonitorClient::reopenLog(bundle_).code(), ESRCH);
}

TEST_F(MonitorClientTest, LiveMonitorIsWaitedFor) {
  // This test process plays a live monitor (and a live process).
  uint64_t me = *procStartTime(::getpid());
  ASSERT_TRUE(writeMonitorRecord(bundle_, runningRecord(::getpid(), me, ::getpid(), me)).isOk());
  EXPECT_EQ(MonitorClient::state(bundle_)->phase, ProcessState::Phase::kRunning);
  EXPECT_EQ(MonitorClient::waitExited(bundle_, milliseconds(50)).status().code(), ETIMEDOUT);
  EXPECT_TRUE(MonitorClient::signal(bundle_, 0).isOk());
}

TEST_F(MonitorClientTest, ProcessOutlivingTheMonitorStillRuns) {
  uint64_t me = *procStartTime(::getpid());
  ASSERT_TRUE(writeMonitorRecord(bundle_, runningRecord(deadPid(), 1, ::getpid(), me)).isOk());
  EXPECT_EQ(MonitorClient::state(bundle_)->phase, ProcessState::Phase::kRunning);
  EXPECT_EQ(MonitorClient::reopenLog(bundle_).code(), ESRCH);  // nobody to reopen it
}

TEST_F(MonitorClientTest, StartReportsTheLaunchersError) {
  mode("fail");
  Result<ProcessState> s = MonitorClient(binary_).start(bundle_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ENOENT);
  EXPECT_NE(s.status().message().find("nosuch"), std::string::npos) << s.status().message();

  mode("garbage");
  s = MonitorClient(binary_).start(bundle_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("launcher exploded"), std::string::npos)
      << s.status().message();
}

TEST_F(MonitorClientTest, StartReturnsTheRecordedState) {
  mode("ok");
  Result<ProcessState> s = MonitorClient(binary_).start(bundle_);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->reason, "Completed");
}

TEST_F(MonitorClientTest, ExecSyncResultsAndErrors) {
  MonitorClient client(binary_);
  mode("ok");
  Result<ExecResult> r = client.execSync(bundle_, {"echo", "a b"}, milliseconds(1500));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stdout_data, "out:echo a b:1500\n");
  EXPECT_EQ(r->stderr_data, "err\n");
  EXPECT_EQ(r->exit_code, 7);

  mode("notstarted");
  r = client.execSync(bundle_, {"x"}, milliseconds(0));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ENOENT);

  mode("timeout");
  r = client.execSync(bundle_, {"sleep", "9"}, milliseconds(10));
  EXPECT_EQ(r.status().code(), ETIMEDOUT);

  mode("nostatus");
  r = client.execSync(bundle_, {"x"}, milliseconds(0));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("died"), std::string::npos) << r.status().message();

  // No status file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(bundle_)) {
    EXPECT_FALSE(e.path().filename().string().starts_with("exec-")) << e.path();
  }
}

TEST_F(MonitorClientTest, ResourcesAreRecordedWithoutACgroup) {
  LaunchSpec spec;
  spec.args = {"/bin/true"};
  spec.resources.cpu_shares = 512;
  ASSERT_TRUE(writeLaunchSpec(bundle_, spec).isOk());
  ResourceSpec update;
  update.memory_limit_bytes = 1 << 20;
  ASSERT_TRUE(MonitorClient::updateResources(bundle_, update).isOk());
  Result<LaunchSpec> back = readLaunchSpec(bundle_);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->resources.cpu_shares, 512);
  EXPECT_EQ(back->resources.memory_limit_bytes, 1 << 20);
  Result<ContainerStats> st = MonitorClient::stats(bundle_);
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_GT(st->timestamp_ns, 0);
}

TEST_F(MonitorClientTest, DestroyIsIdempotent) {
  EXPECT_TRUE(MonitorClient::destroy(bundle_).isOk());  // nothing there
  LaunchSpec spec;
  spec.args = {"/bin/true"};
  ASSERT_TRUE(writeLaunchSpec(bundle_, spec).isOk());
  ASSERT_TRUE(writeMonitorRecord(bundle_, runningRecord(deadPid(), 1, deadPid(), 2)).isOk());
  EXPECT_TRUE(MonitorClient::destroy(bundle_).isOk());
  EXPECT_EQ(MonitorClient::state(bundle_)->phase, ProcessState::Phase::kExited);
  EXPECT_TRUE(MonitorClient::destroy(bundle_).isOk());
}

}  // namespace
}  // namespace orch::shim
