#pragma once
// A CRI runtime daemon started by the benchmark on a BenchNode: orch-shim, or containerd 1.6
// with runc (a private config.toml, root/state/socket in the node's temp dir, the CRI plugin
// on the node's CNI conf dir and our plugins). The daemon runs in the node's network namespace
// (`nsenter --net=`, so its /run/netns mounts stay visible), in its own session, after putting
// itself into the node's tracking cgroup. Images (busybox; for containerd also the pause
// image) are imported before start() returns, and start() waits until CRI reports the runtime
// and its network ready. stop() (also run by the destructor) ends the daemon by its pid. The
// destructor also removes /run/containerd (containerd's fixed shim socket dir) when this run
// made it and it is empty again.

#include <sys/types.h>

#include <memory>
#include <string>

#include "bench_node.h"
#include "common/base/process.h"
#include "common/base/status.h"

namespace orch::bench {

enum class RuntimeKind { kOrchShim, kContainerd };

struct RuntimePaths {
  std::string shim_bin;     // orch-shim (orch-monitor and orch-pause next to it)
  std::string cni_bin_dir;  // our CNI plugins (bridge, host-local, loopback)
  std::string busybox_tar;  // docker.io/library/busybox:latest
  std::string pause_tar;    // registry.k8s.io/pause:3.9 (containerd's sandbox image)
};

class RuntimeProcess {
 public:
  static Result<std::unique_ptr<RuntimeProcess>> start(RuntimeKind kind, const BenchNode& node,
                                                       const RuntimePaths& paths);
  ~RuntimeProcess();
  RuntimeProcess(const RuntimeProcess&) = delete;
  RuntimeProcess& operator=(const RuntimeProcess&) = delete;

  RuntimeKind kind() const { return kind_; }
  pid_t pid() const { return proc_ ? proc_->pid() : -1; }
  // "unix:///tmp/.../cri.sock"
  const std::string& endpoint() const { return endpoint_; }
  // The comm of the per-pod helper processes: "orch-monitor" or "containerd-shim" (the
  // kernel truncates containerd-shim-runc-v2 to 15 characters).
  std::string helperComm() const;
  // "orch-shim 0.1.0" / "containerd 1.6.20~ds1 + runc 1.1.5+ds1" (from CRI Version + runc).
  const std::string& version() const { return version_; }
  const std::string& logPath() const { return log_path_; }
  // The daemon's log, last `bytes` of it (for error messages).
  std::string logTail(size_t bytes = 3000) const;

  // SIGTERM, then SIGKILL after `grace`; idempotent.
  Status stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  RuntimeProcess() = default;
  Status spawn(const BenchNode& node, std::vector<std::string> argv);
  Status waitReady();

  RuntimeKind kind_ = RuntimeKind::kOrchShim;
  std::optional<Process> proc_;
  std::string endpoint_, log_path_, version_;
  bool made_run_dir_ = false;  // /run/containerd did not exist before: remove it if empty
};

// containerd's config.toml for `node` (pure; see the file comment).
std::string containerdConfig(const BenchNode& node, const RuntimePaths& paths,
                             const std::string& runc_path);

}  // namespace orch::bench
