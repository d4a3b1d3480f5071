#include "agent/prober/grpc_probe.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "agent/prober/gen/health.grpc.pb.h"

namespace orch::agent {
namespace {

struct GrpcServer {
  // Answers every method it is asked for with UNIMPLEMENTED; a server needs at least one
  // service to poll its completion queue.
  std::unique_ptr<grpc::CallbackGenericService> generic =
      std::make_unique<grpc::CallbackGenericService>();
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// A server on 127.0.0.1 with gRPC's own health service (grpc++'s default implementation,
// built from upstream's health.proto) when `health`, else with no services at all.
GrpcServer startServer(bool health, grpc::Service* service = nullptr) {
  grpc::EnableDefaultHealthCheckService(health);
  grpc::ServerBuilder b;
  GrpcServer s;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &s.port);
  if (service != nullptr) b.RegisterService(service);
  b.RegisterCallbackGenericService(s.generic.get());
  s.server = b.BuildAndStart();
  return s;
}

TEST(GrpcProbe, ServingAndNotServing) {
  GrpcServer s = startServer(true);
  ASSERT_TRUE(s.server);
  auto* hc = s.server->GetHealthCheckService();
  ASSERT_NE(hc, nullptr);
  hc->SetServingStatus("", true);
  hc->SetServingStatus("db", false);

  auto out = runGrpcProbe("127.0.0.1", s.port, "", std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(out.output, "service is serving");

  out = runGrpcProbe("127.0.0.1", s.port, "db", std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "service unhealthy (responded with \"NOT_SERVING\")");

  out = runGrpcProbe("127.0.0.1", s.port, "nope", std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_NE(out.output.find("code = NotFound"), std::string::npos) << out.output;
  s.server->Shutdown();
}

TEST(GrpcProbe, NoHealthServiceIsUnimplemented) {
  GrpcServer s = startServer(false);
  ASSERT_TRUE(s.server);
  auto out = runGrpcProbe("127.0.0.1", s.port, "", std::chrono::seconds(5));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output.rfind("error: this server does not implement the grpc health protocol", 0),
            0u)
      << out.output;
  s.server->Shutdown();
}

// A health service whose Check blocks until released: for the RPC timeout.
class SlowHealth final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* resp) override {
    std::unique_lock l(mu_);
    cv_.wait(l, [&] { return released_ || ctx->IsCancelled(); });
    resp->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
  void release() {
    std::lock_guard l(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

TEST(GrpcProbe, SlowCheckTimesOut) {
  SlowHealth slow;
  GrpcServer s = startServer(false, &slow);
  ASSERT_TRUE(s.server);
  auto out = runGrpcProbe("127.0.0.1", s.port, "", std::chrono::milliseconds(500));
  slow.release();
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "timeout: health rpc did not complete within 500ms");
  s.server->Shutdown();
}

TEST(GrpcProbe, OwnProtoServesTheSameWire) {
  // The generated service of agent/prober/health.proto answers our probe too.
  class Fixed final : public grpc::health::v1::Health::Service {
    grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                       grpc::health::v1::HealthCheckResponse* resp) override {
      resp->set_status(req->service() == "up" ? grpc::health::v1::HealthCheckResponse::SERVING
                                              : grpc::health::v1::HealthCheckResponse::UNKNOWN);
      return grpc::Status::OK;
    }
  } fixed;
  GrpcServer s = startServer(false, &fixed);
  ASSERT_TRUE(s.server);
  EXPECT_EQ(runGrpcProbe("127.0.0.1", s.port, "up", std::chrono::seconds(5)).result,
            ProbeResult::kSuccess);
  auto out = runGrpcProbe("127.0.0.1", s.port, "down", std::chrono::seconds(5));
  EXPECT_EQ(out.output, "service unhealthy (responded with \"UNKNOWN\")");
  s.server->Shutdown();
}

TEST(GrpcProbe, NothingListeningTimesOut) {
  int port;
  {
    GrpcServer s = startServer(false);
    port = s.port;
    s.server->Shutdown();
  }
  auto out = runGrpcProbe("127.0.0.1", port, "", std::chrono::milliseconds(300));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "timeout: failed to connect service \"127.0.0.1:" + std::to_string(port) +
                            "\" within 300ms: context deadline exceeded");
}

}  // namespace
}  // namespace orch::agent
