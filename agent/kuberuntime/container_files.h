#pragma once
// The files the kubelet keeps per container on the node (not pure: these touch the disk):
//  - the termination-message file: for every start of a container with a
//    terminationMessagePath, an empty file <root>/pods/<uid>/containers/<name>/<random id>
//    (mode 0666) is created and bind-mounted at that path (container_config.h); the
//    message is read back through the mount the runtime reports in ContainerStatus;
//  - the restart count to resume from when the runtime lost every trace of a container
//    (node reboot): one past the highest <n>.log in its log directory.

#include <cstddef>
#include <string>

#include "common/api/pod.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// Largest termination message kept (kubelet's MaxContainerTerminationMessageLength).
inline constexpr size_t kMaxTerminationMessageBytes = 4096;

// <root_dir>/pods/<pod_uid>/containers/<container_name>
std::string podContainerDir(const std::string& root_dir, const std::string& pod_uid,
                            const std::string& container_name);

// Creates the directory (0750, with parents) and in it a new empty file with a random name,
// mode 0666 whatever the umask; returns its path.
Result<std::string> createTerminationLogFile(const std::string& pod_container_dir);

// The host file mounted at `container_path` (the terminationMessagePath) in a container, from
// the mounts in its CRI status; "" when there is none.
std::string terminationLogHostPath(const runtime::v1::ContainerStatus& status,
                                   const std::string& container_path);

// The first `max_bytes` of the termination message; "" when the file does not exist.
Result<std::string> readTerminationMessage(const std::string& host_path,
                                           size_t max_bytes = kMaxTerminationMessageBytes);

// <pod_logs_dir>/<ns>_<name>_<uid>/<container_name>
std::string containerLogsDirectory(const std::string& pod_logs_dir, const api::Pod& pod,
                                   const std::string& container_name);

// One past the highest N of the files "N.log" / "N.log.*" in `container_logs_dir`; 0 when
// the directory does not exist or has none.
Result<int32_t> restartCountFromLogDir(const std::string& container_logs_dir);

}  // namespace orch::agent
