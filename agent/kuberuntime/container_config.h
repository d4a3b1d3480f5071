#pragma once
// api::Container -> runtime::v1::ContainerConfig, as the kubelet's generateContainerConfig:
//  - metadata {name, attempt = restart count}; image {image = the resolved image ref,
//    user_specified_image = container.image};
//  - command / args (through `expand` when given: $(VAR) expansion is the caller's),
//    working_dir, envs (resolved by the caller, in order), stdin / stdin_once / tty;
//  - mounts: the volume manager's, then the termination-message file at
//    terminationMessagePath (when the caller created one, see container_files.h);
//  - log_path "<container name>/<restart count>.log" (relative to the sandbox's
//    log_directory);
//  - labels / annotations (labels.h);
//  - linux.resources (linux_resources.h: shares, quota/period, memory, oom_score_adj) and
//    linux.security_context (security_context.h).
// runAsNonRoot is verified against the image's user first (EPERM, see security_context.h).
// Pure.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "agent/kuberuntime/security_context.h"
#include "common/api/pod.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// A mount the volume manager prepared: host_path is final (sub paths resolved).
struct PreparedMount {
  std::string container_path, host_path;
  bool readonly = false;
  runtime::v1::MountPropagation propagation = runtime::v1::PROPAGATION_PRIVATE;
  bool recursive_read_only = false;
};

// What the sync loop gathered for this start of the container.
struct ContainerConfigInputs {
  int32_t restart_count = 0;
  std::string image_ref;  // the image id (PullImage / ImageStatus); "" -> container.image
  ImageUser image_user;   // imageUserOf(ImageStatus)
  std::vector<PreparedMount> mounts;
  std::vector<std::pair<std::string, std::string>> env;  // name, value; resolved, in order
  // The per-start termination-message file (createTerminationLogFile); "" for none.
  std::string termination_log_host_path;
  // $(VAR) expansion applied to each command and args element; empty: used verbatim.
  std::function<std::string(const std::string&)> expand;
};

// Node-wide settings.
struct ContainerConfigOptions {
  int64_t memory_capacity_bytes = 0;                         // the node's memory, for oom_score_adj
  std::string seccomp_root = "/var/lib/orch/agent/seccomp";  // <root-dir>/seccomp
  bool seccomp_default = false;                              // --seccomp-default
  bool cfs_quota = true;                                     // --cpu-cfs-quota
};

Result<runtime::v1::ContainerConfig> makeContainerConfig(const api::Pod& pod,
                                                         const api::Container& container,
                                                         const ContainerConfigInputs& inputs,
                                                         const ContainerConfigOptions& options);

// "<container name>/<restart count>.log"
std::string containerLogPath(const std::string& container_name, int32_t restart_count);

}  // namespace orch::agent
