#pragma once
// What orch-monitor tells its client besides state.json.
//
// `orch-monitor run <bundle>` prints one StartReport (JSON, one line) on stdout and exits 0
// when the process exec'd, 1 otherwise; by then the monitor runs detached and state.json says
// running (or exited with reason "StartError").
//
// `orch-monitor exec <bundle> [--timeout-ms N] [--status-file F] -- argv...` relays the
// exec'd process's stdout and stderr to its own and writes an ExecStatus (JSON) atomically
// to F, so the client tells "the command could not be started" (an error) from "the command
// exited N".

#include <nlohmann/json.hpp>
#include <string>

#include "common/base/status.h"

namespace orch::shim {

struct StartReport {
  bool ok = false;
  int error_code = 0;   // errno of the failure
  std::string message;  // the launcher's message ("exec \"foo\": ENOENT")
  bool operator==(const StartReport&) const = default;
};

nlohmann::json toJson(const StartReport& r);
Result<StartReport> startReportFromJson(const nlohmann::json& j);

struct ExecStatus {
  bool started = false;    // the command exec'd
  int exit_code = 0;       // when started: its exit code, 128+signal when killed
  bool timed_out = false;  // killed after --timeout-ms
  int error_code = 0;      // when not started: errno of the failure
  std::string error;       // when not started: what failed
  bool operator==(const ExecStatus&) const = default;
};

// Exit codes of `orch-monitor exec` besides the command's own (the status file is the truth).
inline constexpr int kExecExitNotStarted = 125;
inline constexpr int kExecExitTimedOut = 124;

nlohmann::json toJson(const ExecStatus& s);
Result<ExecStatus> execStatusFromJson(const nlohmann::json& j);
Status writeExecStatus(const std::string& path, const ExecStatus& s);
// ENOENT when the monitor wrote none (it died before).
Result<ExecStatus> readExecStatus(const std::string& path);

}  // namespace orch::shim
