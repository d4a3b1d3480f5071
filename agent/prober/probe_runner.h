#pragma once
// Runs one api::Probe of one container once: picks the handler (exec, httpGet, tcpSocket,
// grpc), fills in the kubelet's defaults (host = pod IP, scheme HTTP, timeoutSeconds 1) and
// resolves named ports against the container's ports.
//
// Thread-safe (const after construction); blocks for at most about the probe's timeout.

#include <chrono>
#include <string>

#include "agent/prober/exec_probe.h"
#include "agent/prober/probe_result.h"
#include "common/api/container.h"
#include "common/api/probe.h"
#include "common/base/status.h"

namespace orch::agent {

// The API server's defaults for fields left at 0.
inline constexpr int32_t kDefaultProbeTimeoutSeconds = 1;
inline constexpr int32_t kDefaultProbePeriodSeconds = 10;
inline constexpr int32_t kDefaultProbeSuccessThreshold = 1;
inline constexpr int32_t kDefaultProbeFailureThreshold = 3;

// `probe` with the API defaults filled in where a field is 0 (or negative).
api::Probe withProbeDefaults(api::Probe probe);

// A port number (1..65535) as is; a name looked up among `container`'s ports (ENOENT when no
// port has that name, EINVAL for a number out of range or a name that is a number).
Result<int> resolveContainerPort(const api::IntOrString& port, const api::Container& container);

class ProbeRunner {
 public:
  ProbeRunner(ExecRunner exec, std::string user_agent = kDefaultProbeUserAgent)
      : exec_(std::move(exec)), user_agent_(std::move(user_agent)) {}

  // A probe without any handler, or one whose port cannot be resolved, is kUnknown with the
  // reason as output.
  ProbeOutcome run(const api::Probe& probe, const api::Container& container,
                   const std::string& pod_ip, const std::string& container_id) const;

 private:
  ExecRunner exec_;
  std::string user_agent_;
};

}  // namespace orch::agent
