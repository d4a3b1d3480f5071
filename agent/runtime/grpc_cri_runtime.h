#pragma once
// GrpcCriRuntime: CriRuntime over a CRI v1 gRPC endpoint (orch-shim, containerd), through
// common/cri's connectCri. Every call gets a deadline (kubelet's --runtime-request-timeout,
// 2 minutes by default); StopContainer and ExecSync get that plus their own timeout, image
// pulls their own (by default none, as the kubelet: a pull may take long).
//
// Thread-safe (gRPC stubs are). The channel connects lazily: connect() succeeds while nothing
// listens yet, the first call then fails with ECONNREFUSED.

#include <chrono>
#include <memory>
#include <string>

#include "agent/runtime/cri_runtime.h"
#include "common/cri/cri_client.h"

namespace orch::agent {

struct GrpcCriRuntimeOptions {
  // Deadline of every call but the ones below.
  std::chrono::milliseconds default_timeout = std::chrono::minutes(2);
  // Deadline of PullImage; zero means no deadline.
  std::chrono::milliseconds pull_timeout = std::chrono::milliseconds(0);
};

class GrpcCriRuntime final : public CriRuntime {
 public:
  // `endpoint` as --container-runtime-endpoint ("unix:///run/orch/shim.sock" or a bare
  // absolute path). EINVAL for a malformed endpoint.
  static Result<std::unique_ptr<GrpcCriRuntime>> connect(const std::string& endpoint,
                                                         GrpcCriRuntimeOptions options = {});

  Result<runtime::v1::VersionResponse> version() override;
  Result<RuntimeReadiness> status(bool verbose = false) override;
  Status updateRuntimeConfig(const std::string& pod_cidr) override;

  Result<std::string> runPodSandbox(const runtime::v1::PodSandboxConfig& config,
                                    const std::string& runtime_handler) override;
  Status stopPodSandbox(const std::string& sandbox_id) override;
  Status removePodSandbox(const std::string& sandbox_id) override;
  Result<SandboxStatusResult> podSandboxStatus(const std::string& sandbox_id,
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
  Result<ExecSyncResult> execSync(const std::string& container_id,
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

 private:
  GrpcCriRuntime(cri::CriClient client, GrpcCriRuntimeOptions options)
      : client_(std::move(client)), options_(options) {}

  cri::CriClient client_;
  GrpcCriRuntimeOptions options_;
};

}  // namespace orch::agent
