#pragma once
// The outcome of running one probe once, as the kubelet's probe package reports it: a result
// and a human-readable output (the HTTP body, the command's output, or why it failed), which
// ends up in "Liveness probe failed: <output>" events.

#include <cstddef>
#include <string>

namespace orch::agent {

enum class ProbeResult {
  kSuccess,
  // Success with a note (a redirect to another host that was not followed). Counts as success.
  kWarning,
  kFailure,
  // The probe could not be run at all (e.g. the runtime refused the exec). The manager retries
  // such a probe a few times and then counts it as a failure, as the kubelet does.
  kUnknown,
};

struct ProbeOutcome {
  ProbeResult result = ProbeResult::kUnknown;
  std::string output;
};

// "success", "warning", "failure", "unknown".
const char* probeResultName(ProbeResult r);

// Probe outputs are cut to this many bytes (the kubelet's maxReadLength / maxRespBodyLength).
inline constexpr size_t kMaxProbeOutputBytes = 10 * 1024;

// The User-Agent the kubelet of the Kubernetes version orch speaks sends ("kube-probe/1.30").
inline constexpr const char* kDefaultProbeUserAgent = "kube-probe/1.30";

}  // namespace orch::agent
