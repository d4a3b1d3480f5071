#pragma once
// Client side of the CRI v1 API: dialing a runtime endpoint (containerd, orch-shim) and
// converting between gRPC statuses and orch Status at the module edge.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/cri/api.grpc.pb.h"
#include "common/cri/api.pb.h"

namespace orch::cri {

// Largest gRPC message accepted or sent on a CRI channel (kubelet uses the same 16 MiB).
inline constexpr int kMaxCriMessageBytes = 16 * 1024 * 1024;

// Parses a CRI endpoint as kubelet's --container-runtime-endpoint accepts it on Linux:
// "unix:///abs/path", "unix:/abs/path" or a bare "/abs/path". Returns the absolute socket
// path. EINVAL for any other scheme (tcp://, npipe://), relative paths or an empty path.
Result<std::string> parseCriEndpoint(std::string_view endpoint);

// Creates an (insecure, unix-socket) channel to a CRI endpoint with 16 MiB message limits.
// The channel connects lazily: this does not fail when nothing listens yet; the first RPC
// then fails with UNAVAILABLE. Errors: EINVAL from parseCriEndpoint.
Result<std::shared_ptr<grpc::Channel>> dialCri(const std::string& endpoint);

// Stubs for both CRI services over one channel. Stubs are thread-safe; callers set their own
// deadlines per call through grpc::ClientContext.
struct CriClient {
  std::unique_ptr<runtime::v1::RuntimeService::Stub> runtime;
  std::unique_ptr<runtime::v1::ImageService::Stub> image;
};

// dialCri plus both stubs.
Result<CriClient> connectCri(const std::string& endpoint);

// Converts a failed RPC into a Status: "<what>: <grpc message>" with errno NOT_FOUND->ENOENT,
// INVALID_ARGUMENT->EINVAL, DEADLINE_EXCEEDED->ETIMEDOUT, UNIMPLEMENTED->ENOSYS,
// ALREADY_EXISTS->EEXIST, UNAVAILABLE->ECONNREFUSED, anything else EIO. OK gives Status::ok().
Status statusFromGrpc(const grpc::Status& status, std::string_view what);

// The inverse for CRI servers: errno -> gRPC code (ENOENT->NOT_FOUND, EINVAL->INVALID_ARGUMENT,
// ETIMEDOUT->DEADLINE_EXCEEDED, ENOSYS->UNIMPLEMENTED, EEXIST->ALREADY_EXISTS,
// ECONNREFUSED->UNAVAILABLE, other errors UNKNOWN), with Status::context() as the message.
grpc::Status grpcFromStatus(const Status& status);

}  // namespace orch::cri
