#pragma once
// The tcpSocket probe, as the kubelet's tcp prober: success when a TCP connection to
// host:port is established within the timeout (it is closed at once). Blocking; thread-safe.

#include <chrono>
#include <string>

#include "agent/prober/probe_result.h"

namespace orch::agent {

// `host`: an IP literal or a DNS name. Failure output in Go's words:
// "dial tcp 10.0.0.1:80: connect: connection refused", "dial tcp ...: i/o timeout".
ProbeOutcome runTcpProbe(const std::string& host, int port, std::chrono::milliseconds timeout);

}  // namespace orch::agent
