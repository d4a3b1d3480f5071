#pragma once
// The grpc probe, as the kubelet's grpc prober: grpc.health.v1.Health/Check over plaintext
// HTTP/2 to host:port with the given service name; success when the answer is SERVING. The
// timeout covers connecting and the call. Blocking; thread-safe.
//
// Failure outputs (upstream's words): "timeout: failed to connect service \"<addr>\" within
// 1s", "service unhealthy (responded with \"NOT_SERVING\")", "error: this server does not
// implement the grpc health protocol (grpc.health.v1.Health): ...", "timeout: health rpc did
// not complete within 1s", "error: health rpc probe failed: ...".

#include <chrono>
#include <string>

#include "agent/prober/probe_result.h"

namespace orch::agent {

ProbeOutcome runGrpcProbe(const std::string& host, int port, const std::string& service,
                          std::chrono::milliseconds timeout,
                          const std::string& user_agent = kDefaultProbeUserAgent);

}  // namespace orch::agent
