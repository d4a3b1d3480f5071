#include "agent/runtime/grpc_cri_runtime.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <utility>

namespace orch::agent {

namespace v1 = runtime::v1;
using std::chrono::milliseconds;

namespace {

// One unary call with a deadline (none when `timeout` is zero); the gRPC status becomes a
// Status whose context names the call and its target.
template <class Stub, class Req, class Resp>
Status call(Stub& stub, grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*),
            const Req& req, Resp* resp, milliseconds timeout, const std::string& what) {
  grpc::ClientContext ctx;
  if (timeout.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  return cri::statusFromGrpc((stub.*method)(&ctx, req, resp), "CRI " + what);
}

std::string named(const char* rpc, const std::string& target) {
  return target.empty() ? std::string(rpc) : std::string(rpc) + " " + target;
}

void readCondition(const v1::RuntimeStatus& status, const std::string& type, bool* ready,
                   std::string* reason, std::string* message) {
  for (const auto& c : status.conditions()) {
    if (c.type() != type) continue;
    *ready = c.status();
    *reason = c.reason();
    *message = c.message();
    return;
  }
  *ready = false;
  *reason = "ConditionMissing";
  *message = "the runtime did not report " + type;
}

}  // namespace

v1::ImageSpec imageSpec(const std::string& image) {
  v1::ImageSpec spec;
  spec.set_image(image);
  return spec;
}

Result<std::unique_ptr<GrpcCriRuntime>> GrpcCriRuntime::connect(const std::string& endpoint,
                                                                GrpcCriRuntimeOptions options) {
  auto client = cri::connectCri(endpoint);
  if (!client.ok()) return client.status().withContext("connect to CRI runtime");
  return std::unique_ptr<GrpcCriRuntime>(new GrpcCriRuntime(std::move(*client), options));
}

// ---- runtime service ----

Result<v1::VersionResponse> GrpcCriRuntime::version() {
  v1::VersionRequest req;
  req.set_version("v1");
  v1::VersionResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::Version, req, &resp,
                            options_.default_timeout, "Version"));
  return resp;
}

Result<RuntimeReadiness> GrpcCriRuntime::status(bool verbose) {
  v1::StatusRequest req;
  req.set_verbose(verbose);
  RuntimeReadiness out;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::Status, req, &out.raw,
                            options_.default_timeout, "Status"));
  readCondition(out.raw.status(), "RuntimeReady", &out.runtime_ready, &out.runtime_reason,
                &out.runtime_message);
  readCondition(out.raw.status(), "NetworkReady", &out.network_ready, &out.network_reason,
                &out.network_message);
  return out;
}

Status GrpcCriRuntime::updateRuntimeConfig(const std::string& pod_cidr) {
  v1::UpdateRuntimeConfigRequest req;
  req.mutable_runtime_config()->mutable_network_config()->set_pod_cidr(pod_cidr);
  v1::UpdateRuntimeConfigResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::UpdateRuntimeConfig, req, &resp,
              options_.default_timeout, named("UpdateRuntimeConfig", pod_cidr));
}

Result<std::string> GrpcCriRuntime::runPodSandbox(const v1::PodSandboxConfig& config,
                                                  const std::string& runtime_handler) {
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = config;
  req.set_runtime_handler(runtime_handler);
  v1::RunPodSandboxResponse resp;
  ORCH_RETURN_IF_ERROR(call(
      *client_.runtime, &v1::RuntimeService::Stub::RunPodSandbox, req, &resp,
      options_.default_timeout,
      named("RunPodSandbox", config.metadata().namespace_() + "/" + config.metadata().name())));
  if (resp.pod_sandbox_id().empty())
    return Status::error(EIO, "CRI RunPodSandbox: the runtime returned no sandbox id");
  return resp.pod_sandbox_id();
}

Status GrpcCriRuntime::stopPodSandbox(const std::string& sandbox_id) {
  v1::StopPodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  v1::StopPodSandboxResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::StopPodSandbox, req, &resp,
              options_.default_timeout, named("StopPodSandbox", sandbox_id));
}

Status GrpcCriRuntime::removePodSandbox(const std::string& sandbox_id) {
  v1::RemovePodSandboxRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  v1::RemovePodSandboxResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::RemovePodSandbox, req, &resp,
              options_.default_timeout, named("RemovePodSandbox", sandbox_id));
}

Result<SandboxStatusResult> GrpcCriRuntime::podSandboxStatus(const std::string& sandbox_id,
                                                             bool verbose) {
  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  req.set_verbose(verbose);
  v1::PodSandboxStatusResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::PodSandboxStatus, req,
                            &resp, options_.default_timeout,
                            named("PodSandboxStatus", sandbox_id)));
  SandboxStatusResult out;
  out.status = std::move(*resp.mutable_status());
  out.info.insert(resp.info().begin(), resp.info().end());
  return out;
}

Result<std::vector<v1::PodSandbox>> GrpcCriRuntime::listPodSandbox(
    const v1::PodSandboxFilter& filter) {
  v1::ListPodSandboxRequest req;
  *req.mutable_filter() = filter;
  v1::ListPodSandboxResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::ListPodSandbox, req, &resp,
                            options_.default_timeout, "ListPodSandbox"));
  return std::vector<v1::PodSandbox>(std::make_move_iterator(resp.mutable_items()->begin()),
                                     std::make_move_iterator(resp.mutable_items()->end()));
}

Result<std::string> GrpcCriRuntime::createContainer(const std::string& sandbox_id,
                                                    const v1::ContainerConfig& config,
                                                    const v1::PodSandboxConfig& sandbox_config) {
  v1::CreateContainerRequest req;
  req.set_pod_sandbox_id(sandbox_id);
  *req.mutable_config() = config;
  *req.mutable_sandbox_config() = sandbox_config;
  v1::CreateContainerResponse resp;
  ORCH_RETURN_IF_ERROR(
      call(*client_.runtime, &v1::RuntimeService::Stub::CreateContainer, req, &resp,
           options_.default_timeout,
           named("CreateContainer", config.metadata().name() + " in " + sandbox_id)));
  if (resp.container_id().empty())
    return Status::error(EIO, "CRI CreateContainer: the runtime returned no container id");
  return resp.container_id();
}

Status GrpcCriRuntime::startContainer(const std::string& container_id) {
  v1::StartContainerRequest req;
  req.set_container_id(container_id);
  v1::StartContainerResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::StartContainer, req, &resp,
              options_.default_timeout, named("StartContainer", container_id));
}

Status GrpcCriRuntime::stopContainer(const std::string& container_id, int64_t timeout_s) {
  v1::StopContainerRequest req;
  req.set_container_id(container_id);
  req.set_timeout(timeout_s);
  v1::StopContainerResponse resp;
  // The runtime waits up to `timeout_s` before SIGKILL; leave it that time on top.
  milliseconds deadline =
      options_.default_timeout + std::chrono::seconds(std::max<int64_t>(0, timeout_s));
  return call(*client_.runtime, &v1::RuntimeService::Stub::StopContainer, req, &resp, deadline,
              named("StopContainer", container_id));
}

Status GrpcCriRuntime::removeContainer(const std::string& container_id) {
  v1::RemoveContainerRequest req;
  req.set_container_id(container_id);
  v1::RemoveContainerResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::RemoveContainer, req, &resp,
              options_.default_timeout, named("RemoveContainer", container_id));
}

Result<std::vector<v1::Container>> GrpcCriRuntime::listContainers(
    const v1::ContainerFilter& filter) {
  v1::ListContainersRequest req;
  *req.mutable_filter() = filter;
  v1::ListContainersResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::ListContainers, req, &resp,
                            options_.default_timeout, "ListContainers"));
  return std::vector<v1::Container>(std::make_move_iterator(resp.mutable_containers()->begin()),
                                    std::make_move_iterator(resp.mutable_containers()->end()));
}

Result<v1::ContainerStatus> GrpcCriRuntime::containerStatus(const std::string& container_id) {
  v1::ContainerStatusRequest req;
  req.set_container_id(container_id);
  v1::ContainerStatusResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::ContainerStatus, req,
                            &resp, options_.default_timeout,
                            named("ContainerStatus", container_id)));
  if (!resp.has_status())
    return Status::error(EIO, "CRI ContainerStatus " + container_id + ": no status returned");
  return std::move(*resp.mutable_status());
}

Result<ExecSyncResult> GrpcCriRuntime::execSync(const std::string& container_id,
                                                const std::vector<std::string>& cmd,
                                                std::chrono::seconds timeout) {
  v1::ExecSyncRequest req;
  req.set_container_id(container_id);
  for (const auto& arg : cmd) req.add_cmd(arg);
  req.set_timeout(timeout.count());
  v1::ExecSyncResponse resp;
  // As the kubelet: the runtime enforces `timeout` itself and reports DEADLINE_EXCEEDED; our
  // deadline leaves it the default timeout on top to clean up. No timeout: no deadline.
  milliseconds deadline =
      timeout.count() > 0 ? options_.default_timeout + timeout : milliseconds(0);
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::ExecSync, req, &resp,
                            deadline, named("ExecSync", container_id)));
  ExecSyncResult out;
  out.stdout_data = std::move(*resp.mutable_stdout());
  out.stderr_data = std::move(*resp.mutable_stderr());
  out.exit_code = resp.exit_code();
  return out;
}

Status GrpcCriRuntime::reopenContainerLog(const std::string& container_id) {
  v1::ReopenContainerLogRequest req;
  req.set_container_id(container_id);
  v1::ReopenContainerLogResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::ReopenContainerLog, req, &resp,
              options_.default_timeout, named("ReopenContainerLog", container_id));
}

Status GrpcCriRuntime::updateContainerResources(const std::string& container_id,
                                                const v1::LinuxContainerResources& resources) {
  v1::UpdateContainerResourcesRequest req;
  req.set_container_id(container_id);
  *req.mutable_linux() = resources;
  v1::UpdateContainerResourcesResponse resp;
  return call(*client_.runtime, &v1::RuntimeService::Stub::UpdateContainerResources, req, &resp,
              options_.default_timeout, named("UpdateContainerResources", container_id));
}

Result<std::vector<v1::ContainerStats>> GrpcCriRuntime::listContainerStats(
    const v1::ContainerStatsFilter& filter) {
  v1::ListContainerStatsRequest req;
  *req.mutable_filter() = filter;
  v1::ListContainerStatsResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.runtime, &v1::RuntimeService::Stub::ListContainerStats, req,
                            &resp, options_.default_timeout, "ListContainerStats"));
  return std::vector<v1::ContainerStats>(std::make_move_iterator(resp.mutable_stats()->begin()),
                                         std::make_move_iterator(resp.mutable_stats()->end()));
}

// ---- image service ----

Result<std::string> GrpcCriRuntime::pullImage(const v1::ImageSpec& image,
                                              const v1::AuthConfig& auth,
                                              const v1::PodSandboxConfig& sandbox_config) {
  v1::PullImageRequest req;
  *req.mutable_image() = image;
  *req.mutable_auth() = auth;
  *req.mutable_sandbox_config() = sandbox_config;
  v1::PullImageResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.image, &v1::ImageService::Stub::PullImage, req, &resp,
                            options_.pull_timeout, named("PullImage", image.image())));
  if (resp.image_ref().empty())
    return Status::error(EIO, "CRI PullImage " + image.image() + ": no image reference returned");
  return resp.image_ref();
}

Result<std::optional<v1::Image>> GrpcCriRuntime::imageStatus(const v1::ImageSpec& image) {
  v1::ImageStatusRequest req;
  *req.mutable_image() = image;
  v1::ImageStatusResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.image, &v1::ImageService::Stub::ImageStatus, req, &resp,
                            options_.default_timeout, named("ImageStatus", image.image())));
  // CRI: a missing image is an empty response, not NOT_FOUND.
  if (!resp.has_image() || resp.image().id().empty()) return std::optional<v1::Image>();
  return std::optional<v1::Image>(std::move(*resp.mutable_image()));
}

Result<std::vector<v1::Image>> GrpcCriRuntime::listImages(const v1::ImageFilter& filter) {
  v1::ListImagesRequest req;
  *req.mutable_filter() = filter;
  v1::ListImagesResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.image, &v1::ImageService::Stub::ListImages, req, &resp,
                            options_.default_timeout, "ListImages"));
  return std::vector<v1::Image>(std::make_move_iterator(resp.mutable_images()->begin()),
                                std::make_move_iterator(resp.mutable_images()->end()));
}

Status GrpcCriRuntime::removeImage(const v1::ImageSpec& image) {
  v1::RemoveImageRequest req;
  *req.mutable_image() = image;
  v1::RemoveImageResponse resp;
  return call(*client_.image, &v1::ImageService::Stub::RemoveImage, req, &resp,
              options_.default_timeout, named("RemoveImage", image.image()));
}

Result<v1::ImageFsInfoResponse> GrpcCriRuntime::imageFsInfo() {
  v1::ImageFsInfoRequest req;
  v1::ImageFsInfoResponse resp;
  ORCH_RETURN_IF_ERROR(call(*client_.image, &v1::ImageService::Stub::ImageFsInfo, req, &resp,
                            options_.default_timeout, "ImageFsInfo"));
  return resp;
}

}  // namespace orch::agent
