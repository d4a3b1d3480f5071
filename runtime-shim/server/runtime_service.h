#pragma once
// CRI RuntimeService over gRPC: each RPC hands its request to Runtime and maps the Status
// (cri::grpcFromStatus: ENOENT → NotFound, EINVAL → InvalidArgument, ...). Exec, Attach and
// PortForward need the streaming server, which is not built yet: they answer Unimplemented,
// as do the RPCs newer than what the kubelet of this generation calls.

#include "common/cri/api.grpc.pb.h"
#include "runtime-shim/server/runtime.h"

namespace orch::shim {

class RuntimeServiceImpl final : public runtime::v1::RuntimeService::Service {
 public:
  explicit RuntimeServiceImpl(Runtime* runtime) : rt_(runtime) {}

  grpc::Status Version(grpc::ServerContext*, const runtime::v1::VersionRequest*,
                       runtime::v1::VersionResponse* resp) override;
  grpc::Status RunPodSandbox(grpc::ServerContext*, const runtime::v1::RunPodSandboxRequest* req,
                             runtime::v1::RunPodSandboxResponse* resp) override;
  grpc::Status StopPodSandbox(grpc::ServerContext*, const runtime::v1::StopPodSandboxRequest* req,
                              runtime::v1::StopPodSandboxResponse*) override;
  grpc::Status RemovePodSandbox(grpc::ServerContext*,
                                const runtime::v1::RemovePodSandboxRequest* req,
                                runtime::v1::RemovePodSandboxResponse*) override;
  grpc::Status PodSandboxStatus(grpc::ServerContext*,
                                const runtime::v1::PodSandboxStatusRequest* req,
                                runtime::v1::PodSandboxStatusResponse* resp) override;
  grpc::Status ListPodSandbox(grpc::ServerContext*, const runtime::v1::ListPodSandboxRequest* req,
                              runtime::v1::ListPodSandboxResponse* resp) override;
  grpc::Status CreateContainer(grpc::ServerContext*, const runtime::v1::CreateContainerRequest* req,
                               runtime::v1::CreateContainerResponse* resp) override;
  grpc::Status StartContainer(grpc::ServerContext*, const runtime::v1::StartContainerRequest* req,
                              runtime::v1::StartContainerResponse*) override;
  grpc::Status StopContainer(grpc::ServerContext*, const runtime::v1::StopContainerRequest* req,
                             runtime::v1::StopContainerResponse*) override;
  grpc::Status RemoveContainer(grpc::ServerContext*, const runtime::v1::RemoveContainerRequest* req,
                               runtime::v1::RemoveContainerResponse*) override;
  grpc::Status ListContainers(grpc::ServerContext*, const runtime::v1::ListContainersRequest* req,
                              runtime::v1::ListContainersResponse* resp) override;
  grpc::Status ContainerStatus(grpc::ServerContext*, const runtime::v1::ContainerStatusRequest* req,
                               runtime::v1::ContainerStatusResponse* resp) override;
  grpc::Status UpdateContainerResources(grpc::ServerContext*,
                                        const runtime::v1::UpdateContainerResourcesRequest* req,
                                        runtime::v1::UpdateContainerResourcesResponse*) override;
  grpc::Status ReopenContainerLog(grpc::ServerContext*,
                                  const runtime::v1::ReopenContainerLogRequest* req,
                                  runtime::v1::ReopenContainerLogResponse*) override;
  grpc::Status ExecSync(grpc::ServerContext*, const runtime::v1::ExecSyncRequest* req,
                        runtime::v1::ExecSyncResponse* resp) override;
  grpc::Status ContainerStats(grpc::ServerContext*, const runtime::v1::ContainerStatsRequest* req,
                              runtime::v1::ContainerStatsResponse* resp) override;
  grpc::Status ListContainerStats(grpc::ServerContext*,
                                  const runtime::v1::ListContainerStatsRequest* req,
                                  runtime::v1::ListContainerStatsResponse* resp) override;
  grpc::Status PodSandboxStats(grpc::ServerContext*, const runtime::v1::PodSandboxStatsRequest* req,
                               runtime::v1::PodSandboxStatsResponse* resp) override;
  grpc::Status ListPodSandboxStats(grpc::ServerContext*,
                                   const runtime::v1::ListPodSandboxStatsRequest* req,
                                   runtime::v1::ListPodSandboxStatsResponse* resp) override;
  grpc::Status UpdateRuntimeConfig(grpc::ServerContext*,
                                   const runtime::v1::UpdateRuntimeConfigRequest*,
                                   runtime::v1::UpdateRuntimeConfigResponse*) override;
  grpc::Status Status(grpc::ServerContext*, const runtime::v1::StatusRequest*,
                      runtime::v1::StatusResponse* resp) override;

 private:
  Runtime* rt_;
};

}  // namespace orch::shim
