#include "runtime-shim/server/runtime_service.h"

#include "common/cri/cri_client.h"

namespace orch::shim {

using cri::grpcFromStatus;
namespace v1 = runtime::v1;

grpc::Status RuntimeServiceImpl::Version(grpc::ServerContext*, const v1::VersionRequest*,
                                         v1::VersionResponse* resp) {
  resp->set_version("0.1.0");
  resp->set_runtime_name("orch-shim");
  resp->set_runtime_version(ORCH_VERSION);
  resp->set_runtime_api_version("v1");
  return grpc::Status::OK;
}

grpc::Status RuntimeServiceImpl::RunPodSandbox(grpc::ServerContext*,
                                               const v1::RunPodSandboxRequest* req,
                                               v1::RunPodSandboxResponse* resp) {
  return grpcFromStatus(rt_->runPodSandbox(*req, resp));
}
grpc::Status RuntimeServiceImpl::StopPodSandbox(grpc::ServerContext*,
                                                const v1::StopPodSandboxRequest* req,
                                                v1::StopPodSandboxResponse*) {
  return grpcFromStatus(rt_->stopPodSandbox(req->pod_sandbox_id()));
}
grpc::Status RuntimeServiceImpl::RemovePodSandbox(grpc::ServerContext*,
                                                  const v1::RemovePodSandboxRequest* req,
                                                  v1::RemovePodSandboxResponse*) {
  return grpcFromStatus(rt_->removePodSandbox(req->pod_sandbox_id()));
}
grpc::Status RuntimeServiceImpl::PodSandboxStatus(grpc::ServerContext*,
                                                  const v1::PodSandboxStatusRequest* req,
                                                  v1::PodSandboxStatusResponse* resp) {
  return grpcFromStatus(rt_->podSandboxStatus(*req, resp));
}
grpc::Status RuntimeServiceImpl::ListPodSandbox(grpc::ServerContext*,
                                                const v1::ListPodSandboxRequest* req,
                                                v1::ListPodSandboxResponse* resp) {
  return grpcFromStatus(rt_->listPodSandbox(*req, resp));
}
grpc::Status RuntimeServiceImpl::CreateContainer(grpc::ServerContext*,
                                                 const v1::CreateContainerRequest* req,
                                                 v1::CreateContainerResponse* resp) {
  return grpcFromStatus(rt_->createContainer(*req, resp));
}
grpc::Status RuntimeServiceImpl::StartContainer(grpc::ServerContext*,
                                                const v1::StartContainerRequest* req,
                                                v1::StartContainerResponse*) {
  return grpcFromStatus(rt_->startContainer(req->container_id()));
}
grpc::Status RuntimeServiceImpl::StopContainer(grpc::ServerContext*,
                                               const v1::StopContainerRequest* req,
                                               v1::StopContainerResponse*) {
  return grpcFromStatus(rt_->stopContainer(req->container_id(), req->timeout()));
}
grpc::Status RuntimeServiceImpl::RemoveContainer(grpc::ServerContext*,
                                                 const v1::RemoveContainerRequest* req,
                                                 v1::RemoveContainerResponse*) {
  return grpcFromStatus(rt_->removeContainer(req->container_id()));
}
grpc::Status RuntimeServiceImpl::ListContainers(grpc::ServerContext*,
                                                const v1::ListContainersRequest* req,
                                                v1::ListContainersResponse* resp) {
  return grpcFromStatus(rt_->listContainers(*req, resp));
}
grpc::Status RuntimeServiceImpl::ContainerStatus(grpc::ServerContext*,
                                                 const v1::ContainerStatusRequest* req,
                                                 v1::ContainerStatusResponse* resp) {
  return grpcFromStatus(rt_->containerStatus(*req, resp));
}
grpc::Status RuntimeServiceImpl::UpdateContainerResources(
    grpc::ServerContext*, const v1::UpdateContainerResourcesRequest* req,
    v1::UpdateContainerResourcesResponse*) {
  return grpcFromStatus(rt_->updateContainerResources(*req));
}
grpc::Status RuntimeServiceImpl::ReopenContainerLog(grpc::ServerContext*,
                                                    const v1::ReopenContainerLogRequest* req,
                                                    v1::ReopenContainerLogResponse*) {
  return grpcFromStatus(rt_->reopenContainerLog(req->container_id()));
}
grpc::Status RuntimeServiceImpl::ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest* req,
                                          v1::ExecSyncResponse* resp) {
  return grpcFromStatus(rt_->execSync(*req, resp));
}
grpc::Status RuntimeServiceImpl::ContainerStats(grpc::ServerContext*,
                                                const v1::ContainerStatsRequest* req,
                                                v1::ContainerStatsResponse* resp) {
  return grpcFromStatus(rt_->containerStats(req->container_id(), resp->mutable_stats()));
}
grpc::Status RuntimeServiceImpl::ListContainerStats(grpc::ServerContext*,
                                                    const v1::ListContainerStatsRequest* req,
                                                    v1::ListContainerStatsResponse* resp) {
  return grpcFromStatus(rt_->listContainerStats(*req, resp));
}
grpc::Status RuntimeServiceImpl::PodSandboxStats(grpc::ServerContext*,
                                                 const v1::PodSandboxStatsRequest* req,
                                                 v1::PodSandboxStatsResponse* resp) {
  return grpcFromStatus(rt_->podSandboxStats(req->pod_sandbox_id(), resp->mutable_stats()));
}
grpc::Status RuntimeServiceImpl::ListPodSandboxStats(grpc::ServerContext*,
                                                     const v1::ListPodSandboxStatsRequest* req,
                                                     v1::ListPodSandboxStatsResponse* resp) {
  return grpcFromStatus(rt_->listPodSandboxStats(*req, resp));
}
// The pod CIDR the kubelet announces is for CNI plugins that read it; ours take ranges from
// their own config, so there is nothing to apply.
grpc::Status RuntimeServiceImpl::UpdateRuntimeConfig(grpc::ServerContext*,
                                                     const v1::UpdateRuntimeConfigRequest*,
                                                     v1::UpdateRuntimeConfigResponse*) {
  return grpc::Status::OK;
}
grpc::Status RuntimeServiceImpl::Status(grpc::ServerContext*, const v1::StatusRequest*,
                                        v1::StatusResponse* resp) {
  rt_->status(resp);
  return grpc::Status::OK;
}

}  // namespace orch::shim
