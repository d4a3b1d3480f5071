#pragma once
// Starting a binary under test and waiting for it to serve. The daemon is stopped
// (SIGTERM, then SIGKILL after a grace period) by its pid when the object dies.

#include <chrono>
#include <string>
#include <vector>

#include "common/base/process.h"

namespace orch::testing {

class Daemon {
 public:
  // Starts argv; stdout and stderr go to `log_path` when non-empty.
  static Result<Daemon> start(std::vector<std::string> argv, std::string log_path = "");
  Daemon(Daemon&&) = default;
  Daemon& operator=(Daemon&&) = default;
  ~Daemon();

  pid_t pid() const { return proc_.pid(); }
  bool running() { return proc_.running() && !proc_.tryWait().valueOr({}).has_value(); }
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status.
  Result<int> stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // SIGKILL and reap (a crash, as tests simulate it).
  Status kill();
  Process& process() { return proc_; }

 private:
  explicit Daemon(Process p) : proc_(std::move(p)) {}
  Process proc_;
};

// Polls until a unix socket accepts connections or `timeout` passes.
Status waitForUnixSocket(const std::string& path, std::chrono::milliseconds timeout);
// Polls until 127.0.0.1:port (or ::1 when `v6`) accepts TCP connections.
Status waitForTcpPort(int port, std::chrono::milliseconds timeout, bool v6 = false);
// A TCP port on 127.0.0.1 that was free a moment ago.
int freeTcpPort();

}  // namespace orch::testing
