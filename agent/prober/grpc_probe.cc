#include "agent/prober/grpc_probe.h"

#include <grpcpp/grpcpp.h>

#include <boost/asio/ip/address.hpp>

#include "agent/prober/gen/health.grpc.pb.h"

namespace orch::agent {

namespace {

std::string formatDuration(std::chrono::milliseconds d) {
  // Go's time.Duration String() for the whole seconds and milliseconds probes use.
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

// A gRPC target that skips the DNS resolver for IP literals.
std::string grpcTarget(const std::string& host, int port) {
  boost::system::error_code ec;
  auto addr = boost::asio::ip::make_address(host, ec);
  if (ec) return host + ":" + std::to_string(port);
  if (addr.is_v6()) return "ipv6:[" + host + "]:" + std::to_string(port);
  return "ipv4:" + host + ":" + std::to_string(port);
}

// Go's codes.Code String().
const char* codeName(grpc::StatusCode c) {
  static const char* const kNames[] = {
      "OK",       "Canceled",       "Unknown",          "InvalidArgument",   "DeadlineExceeded",
      "NotFound", "AlreadyExists",  "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
      "Aborted",  "OutOfRange",     "Unimplemented",    "Internal",          "Unavailable",
      "DataLoss", "Unauthenticated"};
  int i = static_cast<int>(c);
  return i >= 0 && i < 17 ? kNames[i] : "Unknown";
}

}  // namespace

ProbeOutcome runGrpcProbe(const std::string& host, int port, const std::string& service,
                          std::chrono::milliseconds timeout, const std::string& user_agent) {
  if (port <= 0 || port > 65535) {
    return {ProbeResult::kFailure, "invalid port " + std::to_string(port)};
  }
  if (host.empty()) return {ProbeResult::kFailure, "no host to probe (pod IP unknown)"};
  std::string addr = host.find(':') != std::string::npos ? "[" + host + "]:" + std::to_string(port)
                                                         : host + ":" + std::to_string(port);
  auto deadline = std::chrono::system_clock::now() + timeout;

  grpc::ChannelArguments args;
  args.SetUserAgentPrefix(user_agent);
  // A fresh connection for every probe, as the kubelet dials anew each time.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(GRPC_ARG_ENABLE_RETRIES, 0);
  // Reconnect soon after a refused connection, so a server that comes up within the timeout
  // is still reached (Go's WithBlock dial keeps trying until its deadline).
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  auto channel =
      grpc::CreateCustomChannel(grpcTarget(host, port), grpc::InsecureChannelCredentials(), args);
  if (!channel->WaitForConnected(deadline)) {
    return {ProbeResult::kFailure, "timeout: failed to connect service \"" + addr + "\" within " +
                                       formatDuration(timeout) + ": context deadline exceeded"};
  }
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  grpc::health::v1::HealthCheckRequest req;
  req.set_service(service);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) {
    switch (st.error_code()) {
      case grpc::StatusCode::UNIMPLEMENTED:
        return {ProbeResult::kFailure,
                "error: this server does not implement the grpc health protocol "
                "(grpc.health.v1.Health): " +
                    st.error_message()};
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        return {ProbeResult::kFailure,
                "timeout: health rpc did not complete within " + formatDuration(timeout)};
      default:
        return {ProbeResult::kFailure,
                std::string("error: health rpc probe failed: rpc error: code = ") +
                    codeName(st.error_code()) + " desc = " + st.error_message()};
    }
  }
  if (resp.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return {ProbeResult::kFailure,
            "service unhealthy (responded with \"" +
                grpc::health::v1::HealthCheckResponse::ServingStatus_Name(resp.status()) + "\")"};
  }
  return {ProbeResult::kSuccess, "service is serving"};
}

}  // namespace orch::agent
