#include "common/cri/cri_client.h"

#include <cerrno>
#include <utility>

namespace orch::cri {

Result<std::string> parseCriEndpoint(std::string_view endpoint) {
  std::string_view path = endpoint;
  if (path.starts_with("unix://")) {
    path.remove_prefix(7);
  } else if (path.starts_with("unix:")) {
    path.remove_prefix(5);
  } else if (path.find("://") != std::string_view::npos) {
    return Status::invalid("CRI endpoint " + std::string(endpoint) +
                           ": only unix sockets are supported");
  }
  if (path.empty() || path.front() != '/') {
    return Status::invalid("CRI endpoint " + std::string(endpoint) +
                           ": want unix:///absolute/path or /absolute/path");
  }
  return std::string(path);
}

Result<std::shared_ptr<grpc::Channel>> dialCri(const std::string& endpoint) {
  ORCH_ASSIGN_OR_RETURN(std::string path, parseCriEndpoint(endpoint));
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(kMaxCriMessageBytes);
  args.SetMaxSendMessageSize(kMaxCriMessageBytes);
  // gRPC's own unix target form; "unix:" + absolute path yields "unix:/abs/path".
  return grpc::CreateCustomChannel("unix:" + path, grpc::InsecureChannelCredentials(), args);
}

Result<CriClient> connectCri(const std::string& endpoint) {
  ORCH_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, dialCri(endpoint));
  CriClient client;
  client.runtime = runtime::v1::RuntimeService::NewStub(channel);
  client.image = runtime::v1::ImageService::NewStub(channel);
  return client;
}

Status statusFromGrpc(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return Status::ok();
  int err = EIO;
  switch (status.error_code()) {
    case grpc::StatusCode::NOT_FOUND:
      err = ENOENT;
      break;
    case grpc::StatusCode::INVALID_ARGUMENT:
      err = EINVAL;
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      err = ETIMEDOUT;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      err = ENOSYS;
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      err = EEXIST;
      break;
    case grpc::StatusCode::UNAVAILABLE:
      err = ECONNREFUSED;
      break;
    default:
      break;
  }
  std::string context(what);
  if (!status.error_message().empty()) context += ": " + status.error_message();
  return Status::error(err, std::move(context));
}

grpc::Status grpcFromStatus(const Status& status) {
  if (status.isOk()) return grpc::Status::OK;
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  switch (status.code()) {
    case ENOENT:
      code = grpc::StatusCode::NOT_FOUND;
      break;
    case EINVAL:
      code = grpc::StatusCode::INVALID_ARGUMENT;
      break;
    case ETIMEDOUT:
      code = grpc::StatusCode::DEADLINE_EXCEEDED;
      break;
    case ENOSYS:
      code = grpc::StatusCode::UNIMPLEMENTED;
      break;
    case EEXIST:
      code = grpc::StatusCode::ALREADY_EXISTS;
      break;
    case ECONNREFUSED:
      code = grpc::StatusCode::UNAVAILABLE;
      break;
    default:
      break;
  }
  return grpc::Status(code, status.context());
}

}  // namespace orch::cri
