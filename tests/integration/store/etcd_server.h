#pragma once
// A real etcd (Debian etcd-server, /usr/bin/etcd or $ETCD) for tests and benchmarks: one member
// on 127.0.0.1 with free ports and a fresh data dir, stopped by pid and removed on destruction.

#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "support/daemon.h"
#include "support/temp_dir.h"

namespace orch::store::testing {

// Serve clients over TLS and require a client certificate signed by ca_file.
struct EtcdServerTls {
  std::string ca_file, server_cert_file, server_key_file;
  std::string client_cert_file, client_key_file;  // used for the readiness check
};

class EtcdServer {
 public:
  // Starts etcd and waits until it answers a KV request. Fails with a clear message when the
  // etcd binary is not installed.
  static Result<std::unique_ptr<EtcdServer>> start(const EtcdServerTls* tls = nullptr);
  ~EtcdServer();

  // "127.0.0.1:<client port>" (with tls: "https://127.0.0.1:<client port>")
  const std::string& endpoint() const { return endpoint_; }
  // etcd's own log (stdout and stderr), for failure messages.
  std::string logTail() const;

 private:
  EtcdServer() = default;
  orch::testing::TempDir dir_;
  std::optional<orch::testing::Daemon> daemon_;
  std::string endpoint_;
};

}  // namespace orch::store::testing
