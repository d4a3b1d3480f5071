#pragma once
// CriRuntime: the CRI v1 calls orch-agent makes, typed over the runtime::v1 messages and
// returning Status / Result instead of gRPC statuses. The real implementation talks gRPC to
// any CRI runtime (grpc_cri_runtime.h); tests use tests/fakes/fake_cri_runtime.h.
//
// Threads: every implementation is safe to call from many threads at once.
// Errors: the runtime's gRPC status mapped by cri::statusFromGrpc, with the call and its
// target as context ("CRI StartContainer 3f2a...: <runtime message>"):
//   NOT_FOUND -> ENOENT (unknown sandbox / container / image id),
//   DEADLINE_EXCEEDED -> ETIMEDOUT (the call's deadline, or ExecSync's own timeout),
//   UNAVAILABLE -> ECONNREFUSED (runtime not listening), INVALID_ARGUMENT -> EINVAL,
//   UNIMPLEMENTED -> ENOSYS, ALREADY_EXISTS -> EEXIST, anything else EIO.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// The two conditions every CRI runtime reports in Status (RuntimeReady, NetworkReady). A
// condition the runtime left out counts as not ready with reason "ConditionMissing".
struct RuntimeReadiness {
  bool runtime_ready = false;
  std::string runtime_reason, runtime_message;
  bool network_ready = false;
  std::string network_reason, network_message;
  runtime::v1::StatusResponse raw;  // every condition, handlers, features, verbose info
};

// The outcome of a command run by ExecSync. A non-zero exit code is not an error.
struct ExecSyncResult {
  std::string stdout_data, stderr_data;
  int32_t exit_code = 0;
};

// One sandbox's status; `info` is the runtime's verbose map (filled only when asked).
struct SandboxStatusResult {
  runtime::v1::PodSandboxStatus status;
  std::map<std::string, std::string> info;
};

class CriRuntime {
 public:
  virtual ~CriRuntime() = default;

  // ---- runtime service ----
  virtual Result<runtime::v1::VersionResponse> version() = 0;
  // RuntimeReady / NetworkReady from the runtime's Status call.
  virtual Result<RuntimeReadiness> status(bool verbose = false) = 0;
  // Passes the node's pod CIDR to the runtime (UpdateRuntimeConfig).
  virtual Status updateRuntimeConfig(const std::string& pod_cidr) = 0;

  // Creates and starts a sandbox; returns its id. `runtime_handler` may be empty.
  virtual Result<std::string> runPodSandbox(const runtime::v1::PodSandboxConfig& config,
                                            const std::string& runtime_handler) = 0;
  // Stops every container of the sandbox and the sandbox; idempotent in the runtime.
  virtual Status stopPodSandbox(const std::string& sandbox_id) = 0;
  virtual Status removePodSandbox(const std::string& sandbox_id) = 0;
  virtual Result<SandboxStatusResult> podSandboxStatus(const std::string& sandbox_id,
                                                       bool verbose = false) = 0;
  virtual Result<std::vector<runtime::v1::PodSandbox>> listPodSandbox(
      const runtime::v1::PodSandboxFilter& filter = {}) = 0;

  // Creates a container in a sandbox; returns its id.
  virtual Result<std::string> createContainer(
      const std::string& sandbox_id, const runtime::v1::ContainerConfig& config,
      const runtime::v1::PodSandboxConfig& sandbox_config) = 0;
  virtual Status startContainer(const std::string& container_id) = 0;
  // SIGTERM (or the image's stop signal), SIGKILL after `timeout_s` seconds (0: at once).
  // The call's deadline is the default timeout plus `timeout_s`.
  virtual Status stopContainer(const std::string& container_id, int64_t timeout_s) = 0;
  virtual Status removeContainer(const std::string& container_id) = 0;
  virtual Result<std::vector<runtime::v1::Container>> listContainers(
      const runtime::v1::ContainerFilter& filter = {}) = 0;
  virtual Result<runtime::v1::ContainerStatus> containerStatus(const std::string& container_id) = 0;
  // Runs `cmd` in the container and waits for it. `timeout` 0 means no limit. A command
  // outliving `timeout` is ETIMEDOUT. The call's deadline is the default timeout + `timeout`.
  virtual Result<ExecSyncResult> execSync(const std::string& container_id,
                                          const std::vector<std::string>& cmd,
                                          std::chrono::seconds timeout) = 0;
  // Asks the runtime to reopen the container's log file (after rotation).
  virtual Status reopenContainerLog(const std::string& container_id) = 0;
  virtual Status updateContainerResources(
      const std::string& container_id, const runtime::v1::LinuxContainerResources& resources) = 0;
  virtual Result<std::vector<runtime::v1::ContainerStats>> listContainerStats(
      const runtime::v1::ContainerStatsFilter& filter = {}) = 0;

  // ---- image service ----
  // Pulls an image; returns the image reference (id) the runtime assigned. Pulls have their
  // own (long or no) deadline.
  virtual Result<std::string> pullImage(const runtime::v1::ImageSpec& image,
                                        const runtime::v1::AuthConfig& auth,
                                        const runtime::v1::PodSandboxConfig& sandbox_config) = 0;
  // The image if present, nullopt if the runtime does not have it.
  virtual Result<std::optional<runtime::v1::Image>> imageStatus(
      const runtime::v1::ImageSpec& image) = 0;
  virtual Result<std::vector<runtime::v1::Image>> listImages(
      const runtime::v1::ImageFilter& filter = {}) = 0;
  virtual Status removeImage(const runtime::v1::ImageSpec& image) = 0;
  virtual Result<runtime::v1::ImageFsInfoResponse> imageFsInfo() = 0;
};

// Convenience for filters and specs.
runtime::v1::ImageSpec imageSpec(const std::string& image);

}  // namespace orch::agent
