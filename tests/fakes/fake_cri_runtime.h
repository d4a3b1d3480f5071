#pragma once
// FakeCriRuntime: an in-memory CriRuntime for unit tests of the agent.
//
// It keeps sandboxes, containers and images with CRI states and created/started/finished
// timestamps (from an injectable Clock's wall time), and behaves like orch-shim where it
// matters to the kubelet:
//  - ids are "sb-<n>" / "ctr-<n>" / "sha256:img<n>"; unknown ids are ENOENT, except for
//    RemovePodSandbox / RemoveContainer, which are idempotent (CRI);
//  - a second sandbox with the same metadata (name, namespace, uid, attempt), or a second
//    container with the same name and attempt in one sandbox, is EEXIST;
//  - CreateContainer needs a READY sandbox and the image (by id or tag) to be present;
//  - StartContainer needs CREATED (EINVAL otherwise); StopContainer turns a live container
//    EXITED with exit code 137 (reason "Error"); StopPodSandbox stops its containers and makes
//    it NOTREADY; RemovePodSandbox removes its containers; ExecSync needs RUNNING;
//  - PullImage adds the image unless it is present; ImageStatus of a missing image is nullopt;
//  - list filters: id (exact or prefix), state, sandbox id, label selector (exact match);
//    lists and sandboxIds() / containerIds() come out in creation order.
// Tests drive it with exitContainer(), setSandboxState(), scripted ExecSync results and
// injected errors, and assert on the call log. Thread-safe.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/runtime/cri_runtime.h"
#include "common/base/clock.h"

namespace orch::testing {

class FakeCriRuntime final : public agent::CriRuntime {
 public:
  // One recorded call: the CRI method name ("StartContainer") and its target (the sandbox /
  // container id, the image, the sandbox or container name for creations, "" for lists).
  struct Call {
    std::string method, target;
    bool operator==(const Call&) const = default;
  };

  explicit FakeCriRuntime(Clock& clock = realClock()) : clock_(clock) {}

  // ---- CriRuntime ----
  Result<runtime::v1::VersionResponse> version() override;
  Result<agent::RuntimeReadiness> status(bool verbose = false) override;
  Status updateRuntimeConfig(const std::string& pod_cidr) override;
  Result<std::string> runPodSandbox(const runtime::v1::PodSandboxConfig& config,
                                    const std::string& runtime_handler) override;
  Status stopPodSandbox(const std::string& sandbox_id) override;
  Status removePodSandbox(const std::string& sandbox_id) override;
  Result<agent::SandboxStatusResult> podSandboxStatus(const std::string& sandbox_id,
                                                      bool verbose = false) override;
  Result<std::vector<runtime::v1::PodSandbox>> listPodSandbox(
      const runtime::v1::PodSandboxFilter& filter = {}) override;
  Result<std::string> createContainer(const std::string& sandbox_id,
                                      const runtime::v1::ContainerConfig& config,
                                      const runtime::v1::PodSandboxConfig& sandbox_config) override;
  Status startContainer(const std::string& container_id) override;
  Status stopContainer(const std::string& container_id, int64_t timeout_s) override;
  Status removeContainer(const std::string& container_id) override;
  Result<std::vector<runtime::v1::Container>> listContainers(
      const runtime::v1::ContainerFilter& filter = {}) override;
  Result<runtime::v1::ContainerStatus> containerStatus(const std::string& container_id) override;
  Result<agent::ExecSyncResult> execSync(const std::string& container_id,
                                         const std::vector<std::string>& cmd,
                                         std::chrono::seconds timeout) override;
  Status reopenContainerLog(const std::string& container_id) override;
  Status updateContainerResources(const std::string& container_id,
                                  const runtime::v1::LinuxContainerResources& resources) override;
  Result<std::vector<runtime::v1::ContainerStats>> listContainerStats(
      const runtime::v1::ContainerStatsFilter& filter = {}) override;
  Result<std::string> pullImage(const runtime::v1::ImageSpec& image,
                                const runtime::v1::AuthConfig& auth,
                                const runtime::v1::PodSandboxConfig& sandbox_config) override;
  Result<std::optional<runtime::v1::Image>> imageStatus(
      const runtime::v1::ImageSpec& image) override;
  Result<std::vector<runtime::v1::Image>> listImages(
      const runtime::v1::ImageFilter& filter = {}) override;
  Status removeImage(const runtime::v1::ImageSpec& image) override;
  Result<runtime::v1::ImageFsInfoResponse> imageFsInfo() override;

  // ---- scripting ----
  // The next `times` calls of `method` (a CRI method name as in the call log, e.g.
  // "CreateContainer") fail with `status` before doing anything; times < 0: every call until
  // clearErrors(). Injected failures are still recorded in the call log.
  void injectError(const std::string& method, Status status, int times = 1);
  void clearErrors();

  // Adds an image (as if pulled) with tag `tag`; returns its id. `uid` / `username` are what
  // ImageStatus reports as the image's user.
  std::string addImage(const std::string& tag, std::optional<int64_t> uid = std::nullopt,
                       const std::string& username = "");
  // When false, CreateContainer does not check that the image is present.
  void setRequireImages(bool require);

  // Makes a container EXITED now with this exit code / reason / message (as if its process
  // ended). Reason defaults to "Completed" for 0 and "Error" otherwise.
  Status exitContainer(const std::string& id, int32_t exit_code, std::string reason = "",
                       std::string message = "");
  // Forces a container's state (e.g. CONTAINER_UNKNOWN) without touching timestamps.
  Status setContainerState(const std::string& id, runtime::v1::ContainerState state);
  // Forces a sandbox's state, e.g. SANDBOX_NOTREADY for a sandbox whose pause process died.
  Status setSandboxState(const std::string& id, runtime::v1::PodSandboxState state);
  // The sandbox's IP (default: 10.88.0.<n>; "" for host-network sandboxes).
  Status setSandboxIp(const std::string& id, const std::string& ip);
  void setRuntimeReady(bool ready, const std::string& reason = "", const std::string& message = "");
  void setNetworkReady(bool ready, const std::string& reason = "", const std::string& message = "");

  // ExecSync of exactly `cmd` returns `result` (an error Status, e.g. Status::timeout, makes
  // it fail). `container_id` empty: in any container; a container-specific script wins.
  // Unscripted commands exit 0 with no output.
  void scriptExec(const std::vector<std::string>& cmd, Result<agent::ExecSyncResult> result,
                  const std::string& container_id = "");
  // Stats ListContainerStats reports for a container (default: zero usage with attributes).
  void setContainerStats(const std::string& id, const runtime::v1::ContainerStats& stats);

  // ---- inspection ----
  std::vector<Call> calls() const;
  // The calls as "Method target" strings ("StartContainer ctr-2"); reads (Version, Status,
  // List*, *Status, ImageFsInfo) only with include_reads.
  std::vector<std::string> callLog(bool include_reads = false) const;
  void clearCalls();
  // The configs a sandbox / container was created with.
  std::optional<runtime::v1::PodSandboxConfig> sandboxConfig(const std::string& id) const;
  std::optional<runtime::v1::ContainerConfig> containerConfig(const std::string& id) const;
  std::optional<runtime::v1::LinuxContainerResources> containerResources(
      const std::string& id) const;
  std::vector<std::string> sandboxIds() const;
  std::vector<std::string> containerIds() const;
  int reopenLogCount(const std::string& id) const;
  std::optional<std::string> podCidr() const;

 private:
  struct SandboxEntry {
    runtime::v1::PodSandboxConfig config;
    runtime::v1::PodSandboxStatus status;
    std::string runtime_handler;
    int seq = 0;
  };
  struct ContainerEntry {
    std::string sandbox_id;
    runtime::v1::ContainerConfig config;
    runtime::v1::ContainerStatus status;
    int reopen_count = 0;
    std::optional<runtime::v1::ContainerStats> stats;
    int seq = 0;
  };
  struct InjectedError {
    Status status;
    int times;
  };

  int64_t nowNanos() const;
  // Records the call and returns an injected error for it, if any (mu_ held).
  Status enter(const std::string& method, const std::string& target);
  SandboxEntry* findSandbox(const std::string& id);
  ContainerEntry* findContainer(const std::string& id);
  const runtime::v1::Image* findImage(const std::string& ref) const;
  void stopLocked(ContainerEntry& c);

  Clock& clock_;
  mutable std::mutex mu_;
  std::vector<Call> calls_;
  std::map<std::string, std::deque<InjectedError>> errors_;
  // Ordered by id; listings come out in creation order (sorted by seq).
  std::map<std::string, SandboxEntry> sandboxes_;
  std::map<std::string, ContainerEntry> containers_;
  std::map<std::string, runtime::v1::Image> images_;  // by id
  std::map<std::pair<std::string, std::vector<std::string>>, Result<agent::ExecSyncResult>>
      exec_scripts_;
  bool require_images_ = true;
  bool runtime_ready_ = true, network_ready_ = true;
  std::string runtime_reason_, runtime_message_, network_reason_, network_message_;
  std::optional<std::string> pod_cidr_;
  int next_sandbox_ = 1, next_container_ = 1, next_image_ = 1;
};

}  // namespace orch::testing
