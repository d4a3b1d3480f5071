#pragma once
// The files of a bundle directory and what orch-monitor records in `state.json`.
//
//   <bundle>/spec.json    LaunchSpec, written by orch-shim (and by updateResources)
//   <bundle>/state.json   MonitorRecord, written atomically by orch-monitor (and by the client
//                         when it finds the monitor dead)
//
// Besides the ProcessState the shim reads, the record holds what is needed to tell the
// recorded pids from recycled ones (their start times from /proc/<pid>/stat) and the
// monitor's counters.

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/monitor/monitor_client.h"

namespace orch::shim {

struct MonitorRecord {
  ProcessState state;
  uint64_t pid_start_time = 0;      // /proc/<pid>/stat field 22 (clock ticks since boot)
  uint64_t monitor_start_time = 0;  // the same for monitor_pid
  uint64_t oom_kills_at_start = 0;  // the cgroup's OOM-kill count when the process started
  uint64_t log_reopens = 0;         // how many times the log was reopened (acknowledges SIGUSR1)
  bool operator==(const MonitorRecord& o) const;
};

std::string specPath(const std::string& bundle);
std::string statePath(const std::string& bundle);

nlohmann::json toJson(const MonitorRecord& r);
Result<MonitorRecord> monitorRecordFromJson(const nlohmann::json& j);
std::string_view phaseName(ProcessState::Phase p);

// ENOENT when the file does not exist (never started).
Result<MonitorRecord> readMonitorRecord(const std::string& bundle);
Status writeMonitorRecord(const std::string& bundle, const MonitorRecord& r);

Result<LaunchSpec> readLaunchSpec(const std::string& bundle);
Status writeLaunchSpec(const std::string& bundle, const LaunchSpec& spec);

// Unix time in nanoseconds.
int64_t unixNowNs();

}  // namespace orch::shim
