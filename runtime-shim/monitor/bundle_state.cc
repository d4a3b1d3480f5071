#include "runtime-shim/monitor/bundle_state.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "common/base/file_util.h"

namespace orch::shim {

std::string specPath(const std::string& bundle) {
  return bundle + "/spec.json";
}
std::string statePath(const std::string& bundle) {
  return bundle + "/state.json";
}

bool MonitorRecord::operator==(const MonitorRecord& o) const {
  const ProcessState& a = state;
  const ProcessState& b = o.state;
  return a.phase == b.phase && a.pid == b.pid && a.monitor_pid == b.monitor_pid &&
         a.started_at_ns == b.started_at_ns && a.finished_at_ns == b.finished_at_ns &&
         a.exit_code == b.exit_code && a.reason == b.reason && a.message == b.message &&
         pid_start_time == o.pid_start_time && monitor_start_time == o.monitor_start_time &&
         oom_kills_at_start == o.oom_kills_at_start && log_reopens == o.log_reopens;
}

std::string_view phaseName(ProcessState::Phase p) {
  switch (p) {
    case ProcessState::Phase::kCreated:
      return "created";
    case ProcessState::Phase::kRunning:
      return "running";
    case ProcessState::Phase::kExited:
      return "exited";
  }
  return "created";
}

nlohmann::json toJson(const MonitorRecord& r) {
  const ProcessState& s = r.state;
  return {
      {"phase", phaseName(s.phase)},
      {"pid", s.pid},
      {"pid_start_time", r.pid_start_time},
      {"monitor_pid", s.monitor_pid},
      {"monitor_start_time", r.monitor_start_time},
      {"started_at_ns", s.started_at_ns},
      {"finished_at_ns", s.finished_at_ns},
      {"exit_code", s.exit_code},
      {"reason", s.reason},
      {"message", s.message},
      {"oom_kills_at_start", r.oom_kills_at_start},
      {"log_reopens", r.log_reopens},
  };
}

Result<MonitorRecord> monitorRecordFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::invalid("state: not a JSON object");
  MonitorRecord r;
  try {
    std::string phase = j.value("phase", "created");
    if (phase == "created") {
      r.state.phase = ProcessState::Phase::kCreated;
    } else if (phase == "running") {
      r.state.phase = ProcessState::Phase::kRunning;
    } else if (phase == "exited") {
      r.state.phase = ProcessState::Phase::kExited;
    } else {
      return Status::invalid("state.phase: unknown phase \"" + phase + "\"");
    }
    r.state.pid = j.value("pid", 0);
    r.state.monitor_pid = j.value("monitor_pid", 0);
    r.state.started_at_ns = j.value("started_at_ns", int64_t{0});
    r.state.finished_at_ns = j.value("finished_at_ns", int64_t{0});
    r.state.exit_code = j.value("exit_code", 0);
    r.state.reason = j.value("reason", "");
    r.state.message = j.value("message", "");
    r.pid_start_time = j.value("pid_start_time", uint64_t{0});
    r.monitor_start_time = j.value("monitor_start_time", uint64_t{0});
    r.oom_kills_at_start = j.value("oom_kills_at_start", uint64_t{0});
    r.log_reopens = j.value("log_reopens", uint64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return Status::invalid(std::string("state: ") + e.what());
  }
  return r;
}

Result<MonitorRecord> readMonitorRecord(const std::string& bundle) {
  std::string path = statePath(bundle);
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(path + ": not valid JSON");
  ORCH_ASSIGN_OR_RETURN(MonitorRecord r, monitorRecordFromJson(j));
  return r;
}

Status writeMonitorRecord(const std::string& bundle, const MonitorRecord& r) {
  // Like writeFileAtomic, with a temp name per thread: client threads may record a dead
  // monitor's exit concurrently.
  std::string path = statePath(bundle);
  std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(::gettid());
  Status s = writeFile(tmp, toJson(r).dump() + "\n", 0644);
  if (s.isOk() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = Status::fromErrno("rename " + tmp + " to " + path);
  }
  if (!s.isOk()) ::unlink(tmp.c_str());
  return s;
}

Result<LaunchSpec> readLaunchSpec(const std::string& bundle) {
  std::string path = specPath(bundle);
  ORCH_ASSIGN_OR_RETURN(std::string text, readFile(path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::invalid(path + ": not valid JSON");
  Result<LaunchSpec> spec = launchSpecFromJson(j);
  if (!spec.ok()) return spec.status().withContext(path);
  return spec;
}

Status writeLaunchSpec(const std::string& bundle, const LaunchSpec& spec) {
  return writeFileAtomic(specPath(bundle), toJson(spec).dump(2) + "\n", 0644);
}

int64_t unixNowNs() {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace orch::shim
