#include "runtime-shim/monitor/bundle_state.h"

#include <gtest/gtest.h>

#include "common/base/file_util.h"
#include "runtime-shim/monitor/monitor_protocol.h"
#include "support/temp_dir.h"

namespace orch::shim {
namespace {

MonitorRecord sample() {
  MonitorRecord r;
  r.state.phase = ProcessState::Phase::kExited;
  r.state.pid = 4242;
  r.state.monitor_pid = 4241;
  r.state.started_at_ns = 1700000000123456789;
  r.state.finished_at_ns = 1700000005000000000;
  r.state.exit_code = 137;
  r.state.reason = "OOMKilled";
  r.state.message = "the OOM killer killed 1 process(es) of the container";
  r.pid_start_time = 991;
  r.monitor_start_time = 990;
  r.oom_kills_at_start = 2;
  r.log_reopens = 3;
  return r;
}

TEST(MonitorRecord, JsonRoundTrip) {
  for (auto phase : {ProcessState::Phase::kCreated, ProcessState::Phase::kRunning,
                     ProcessState::Phase::kExited}) {
    MonitorRecord r = sample();
    r.state.phase = phase;
    Result<MonitorRecord> back = monitorRecordFromJson(toJson(r));
    ASSERT_TRUE(back.ok()) << back.status().message();
    EXPECT_EQ(*back, r);
  }
}

TEST(MonitorRecord, FieldNames) {
  nlohmann::json j = toJson(sample());
  EXPECT_EQ(j["phase"], "exited");
  EXPECT_EQ(j["pid"], 4242);
  EXPECT_EQ(j["monitor_pid"], 4241);
  EXPECT_EQ(j["started_at_ns"], 1700000000123456789);
  EXPECT_EQ(j["exit_code"], 137);
  EXPECT_EQ(j["reason"], "OOMKilled");
}

TEST(MonitorRecord, FileRoundTripAndErrors) {
  testing::TempDir dir;
  Result<MonitorRecord> none = readMonitorRecord(dir.path());
  EXPECT_EQ(none.status().code(), ENOENT);
  ASSERT_TRUE(writeMonitorRecord(dir.path(), sample()).isOk());
  Result<MonitorRecord> back = readMonitorRecord(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, sample());

  dir.write("state.json", "{\"phase\":\"dancing\"}");
  Result<MonitorRecord> bad = readMonitorRecord(dir.path());
  EXPECT_EQ(bad.status().code(), EINVAL);
  EXPECT_NE(bad.status().message().find("dancing"), std::string::npos);
  dir.write("state.json", "{not json");
  EXPECT_EQ(readMonitorRecord(dir.path()).status().code(), EINVAL);
  dir.write("state.json", "{\"pid\":\"seven\"}");
  EXPECT_EQ(readMonitorRecord(dir.path()).status().code(), EINVAL);
}

TEST(LaunchSpecFile, RoundTrip) {
  testing::TempDir dir;
  LaunchSpec spec;
  spec.args = {"/bin/sh", "-c", "echo hi"};
  spec.cgroup_path = "/orch/test/x";
  spec.log_path = dir.path() + "/0.log";
  spec.resources.memory_limit_bytes = 64 << 20;
  ASSERT_TRUE(writeLaunchSpec(dir.path(), spec).isOk());
  Result<LaunchSpec> back = readLaunchSpec(dir.path());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, spec);
}

TEST(Protocol, StartReportAndExecStatusRoundTrip) {
  StartReport r{.ok = false, .error_code = ENOENT, .message = "exec \"nosuch\": ENOENT"};
  Result<StartReport> rb = startReportFromJson(toJson(r));
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(*rb, r);

  testing::TempDir dir;
  ExecStatus s{.started = true, .exit_code = 3, .timed_out = true};
  std::string path = dir.path() + "/x.status";
  ASSERT_TRUE(writeExecStatus(path, s).isOk());
  Result<ExecStatus> sb = readExecStatus(path);
  ASSERT_TRUE(sb.ok());
  EXPECT_EQ(*sb, s);
  EXPECT_EQ(readExecStatus(dir.path() + "/none").status().code(), ENOENT);
}

}  // namespace
}  // namespace orch::shim
