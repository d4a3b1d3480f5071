#pragma once
// The exec probe: runs a command in the container through the runtime (CRI ExecSync) and
// succeeds when it exits 0, as the kubelet's exec prober.
//
// The runtime is injected as an ExecRunner so that this library does not depend on the CRI
// client; the agent binds it to CriRuntime::execSync.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "agent/prober/probe_result.h"
#include "common/base/status.h"

namespace orch::agent {

struct ExecOutcome {
  std::string stdout;  // NOLINT: the CRI names; <cstdio>'s stdout macro expands to itself
  std::string stderr;  // NOLINT
  int exit_code = 0;
};

// Runs `cmd` in container `container_id` for at most `timeout`. A timeout is a Status with
// ETIMEDOUT; any other error means the command could not be run.
using ExecRunner = std::function<Result<ExecOutcome>(const std::string& container_id,
                                                     const std::vector<std::string>& cmd,
                                                     std::chrono::seconds timeout)>;

// Success when the command exits 0; failure for another exit code (output: stdout followed by
// stderr, cut to kMaxProbeOutputBytes) or a timeout ("command \"<cmd>\" timed out"); unknown
// when the runner fails otherwise (output: the error). A null runner is unknown.
ProbeOutcome runExecProbe(const ExecRunner& exec, const std::string& container_id,
                          const std::vector<std::string>& cmd, std::chrono::seconds timeout);

}  // namespace orch::agent
