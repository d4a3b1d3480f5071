#include "agent/prober/exec_probe.h"

#include <cerrno>

namespace orch::agent {

const char* probeResultName(ProbeResult r) {
  switch (r) {
    case ProbeResult::kSuccess:
      return "success";
    case ProbeResult::kWarning:
      return "warning";
    case ProbeResult::kFailure:
      return "failure";
    case ProbeResult::kUnknown:
      return "unknown";
  }
  return "unknown";
}

namespace {

std::string joinCommand(const std::vector<std::string>& cmd) {
  std::string out;
  for (const auto& a : cmd) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

}  // namespace

ProbeOutcome runExecProbe(const ExecRunner& exec, const std::string& container_id,
                          const std::vector<std::string>& cmd, std::chrono::seconds timeout) {
  if (!exec) return {ProbeResult::kUnknown, "exec probes are not supported (no runtime)"};
  if (cmd.empty()) return {ProbeResult::kUnknown, "exec probe without a command"};
  Result<ExecOutcome> r = exec(container_id, cmd, timeout);
  if (!r.ok()) {
    if (r.status().code() == ETIMEDOUT) {
      // As the kubelet with ExecProbeTimeout (GA): a timed-out command is a failure.
      return {ProbeResult::kFailure, "command \"" + joinCommand(cmd) + "\" timed out"};
    }
    return {ProbeResult::kUnknown, r.status().message()};
  }
  // The kubelet's RunInContainer returns stdout followed by stderr.
  std::string output = r->stdout + r->stderr;
  if (output.size() > kMaxProbeOutputBytes) output.resize(kMaxProbeOutputBytes);
  if (r->exit_code == 0) return {ProbeResult::kSuccess, std::move(output)};
  return {ProbeResult::kFailure, std::move(output)};
}

}  // namespace orch::agent
