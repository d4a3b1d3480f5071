#pragma once
// The real orch-apiserver binary for the benchmark: `orch-apiserver init` writes a fresh PKI
// into a temporary directory, then the server runs on 127.0.0.1:<free port> with the embedded
// SQLite store (in the same temporary directory) or on the etcd endpoint given. Stopped by its
// pid (SIGTERM, then SIGKILL) and its directory removed on destruction.
//
// Threads: not thread-safe, except rssKiB() which may be called from any thread.

#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "common/client/rest_config.h"
#include "support/daemon.h"
#include "support/temp_dir.h"

namespace orch::bench {

class ApiserverProcess {
 public:
  // `binary`: path of orch-apiserver. `etcd_endpoint`: "" for SQLite, else "http://host:port".
  // Waits until the server answers an authenticated request (up to 30 s); the error then
  // carries the tail of the server's log.
  static Result<std::unique_ptr<ApiserverProcess>> start(const std::string& binary,
                                                         const std::string& etcd_endpoint);
  ~ApiserverProcess();
  ApiserverProcess(const ApiserverProcess&) = delete;
  ApiserverProcess& operator=(const ApiserverProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return daemon_->pid(); }
  // The admin kubeconfig's server, CA and client certificate (group system:masters).
  const client::RestConfig& restConfig() const { return config_; }
  // VmRSS of the server process in KiB from /proc/<pid>/status; -1 when unreadable.
  long rssKiB() const;
  // Threads of the server process (/proc/<pid>/status); -1 when unreadable.
  long threads() const;
  // The last `bytes` of the server's log (stdout and stderr).
  std::string logTail(size_t bytes = 2000) const;

 private:
  ApiserverProcess() = default;
  testing::TempDir dir_;
  std::optional<testing::Daemon> daemon_;
  client::RestConfig config_;
  int port_ = 0;
};

}  // namespace orch::bench
