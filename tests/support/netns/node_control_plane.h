#pragma once
// Processes of a test "node" namespace: starting a daemon inside it, and the node's control
// plane — the real orch-apiserver listening on 127.0.0.1:6443 inside the namespace, driven by
// the real kubectl run there too (nothing of it is reachable from the host's namespace).
//
// Daemons are Daemon objects: stopped by pid (SIGTERM, then SIGKILL) when they die.

#include <optional>
#include <string>
#include <vector>

#include "common/base/process.h"
#include "common/base/status.h"
#include "tests/support/daemon.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::testing {

// Starts argv inside `ns` (`nsenter --net=/run/netns/<name> argv...`, so the pid is argv's
// own); stdout and stderr are appended to `log_path` when non-empty.
Result<Daemon> startInNetns(const TestNetns& ns, std::vector<std::string> argv,
                            const std::string& log_path = "");

// orch-apiserver inside a node namespace, its PKI, data, log and manifests under `dir`.
class NodeControlPlane {
 public:
  // `apiserver_bin`: the orch-apiserver executable. Nothing runs before start().
  NodeControlPlane(const TestNetns& node, std::string apiserver_bin, std::string dir);
  NodeControlPlane(const NodeControlPlane&) = delete;
  NodeControlPlane& operator=(const NodeControlPlane&) = delete;
  ~NodeControlPlane() { stop(); }

  // `orch-apiserver init` (PKI and admin kubeconfig), then the server on 127.0.0.1:6443 inside
  // the namespace; returns once it accepts connections (20 s at most).
  Status start();
  // Stops the server (by pid); a no-op when it is not running.
  void stop();

  // dir/pki/admin.kubeconfig: cluster-admin credentials for kubectl and daemons.
  std::string kubeconfig() const { return dir_ + "/pki/admin.kubeconfig"; }
  std::string logPath() const { return dir_ + "/apiserver.log"; }

  // `kubectl --kubeconfig <kubeconfig()> args...` inside the namespace (10 s at most).
  Result<RunResult> kubectl(std::vector<std::string> args) const;
  // Writes `manifest` (YAML, several documents allowed) to a new file under dir and runs
  // `kubectl apply -f` on it; an error naming kubectl's stderr unless it exits 0.
  Status apply(const std::string& manifest);

 private:
  const TestNetns& node_;
  const std::string apiserver_bin_, dir_;
  std::optional<Daemon> server_;
  int manifests_ = 0;
};

}  // namespace orch::testing
