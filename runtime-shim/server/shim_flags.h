#pragma once
// orch-shim's command line (containerd-like names where containerd has one):
//   --listen unix:///run/orch/shim.sock   --state-dir /var/lib/orch/shim
//   --cni-conf-dir /etc/cni/net.d  --cni-bin-dir /opt/cni/bin (repeatable)  --cni-cache-dir
//   --cgroup-parent /orch  --registry-mirror HOST=URL (repeatable)  --insecure-registry HOST
//   --pause-binary / --monitor-binary (default: next to orch-shim)
// and the subcommand `import FILE...` (docker-archive or OCI layout into the state dir).

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/image/image_store.h"
#include "runtime-shim/server/runtime.h"

namespace orch::shim {

struct ShimFlags {
  std::string listen = "unix:///run/orch/shim.sock";
  std::string state_dir = "/var/lib/orch/shim";
  std::string cni_conf_dir = "/etc/cni/net.d";
  std::vector<std::string> cni_bin_dirs = {"/opt/cni/bin"};
  std::string cni_cache_dir = "/var/lib/cni";
  std::string cgroup_parent = "/orch";
  std::vector<std::string> registry_mirrors;  // HOST=URL
  std::vector<std::string> insecure_registries;
  std::string pause_binary;
  std::string monitor_binary;
};

void addShimFlags(CLI::App& app, ShimFlags& flags);

// Validated options for the runtime and the image service (EINVAL naming the flag).
Result<RuntimeOptions> runtimeOptionsFrom(const ShimFlags& flags);
Result<PullOptions> pullOptionsFrom(const ShimFlags& flags);
// The unix socket path of --listen.
Result<std::string> listenSocketPath(const ShimFlags& flags);

}  // namespace orch::shim
