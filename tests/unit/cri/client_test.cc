// orch::cri client helpers: endpoint parsing, Status <-> gRPC mapping, and a round trip to an
// in-process CRI server on a unix socket in a temp dir (dialed in all accepted endpoint forms).

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <memory>
#include <string>

#include "common/cri/cri_client.h"
#include "tests/support/temp_dir.h"

namespace orch::cri {
namespace {

namespace v1 = runtime::v1;

TEST(CriEndpoint, AcceptsUnixForms) {
  for (const char* ep :
       {"unix:///run/orch/shim.sock", "unix:/run/orch/shim.sock", "/run/orch/shim.sock"}) {
    auto path = parseCriEndpoint(ep);
    ASSERT_TRUE(path.ok()) << ep << ": " << path.status().message();
    EXPECT_EQ(*path, "/run/orch/shim.sock") << ep;
  }
}

TEST(CriEndpoint, RejectsOtherSchemesAndRelativePaths) {
  for (const char* ep :
       {"tcp://127.0.0.1:1234", "npipe:////./pipe/x", "run/orch/shim.sock", "shim.sock",
        "unix://run/orch/shim.sock", "unix:relative.sock", "unix://", "unix:", ""}) {
    auto path = parseCriEndpoint(ep);
    ASSERT_FALSE(path.ok()) << ep;
    EXPECT_EQ(path.status().code(), EINVAL) << ep;
    auto channel = dialCri(ep);
    ASSERT_FALSE(channel.ok()) << ep;
    EXPECT_EQ(channel.status().code(), EINVAL) << ep;
    EXPECT_FALSE(connectCri(ep).ok()) << ep;
  }
}

TEST(CriStatus, FromGrpc) {
  struct Case {
    grpc::StatusCode code;
    int err;
  };
  for (const Case& c :
       {Case{grpc::StatusCode::NOT_FOUND, ENOENT}, Case{grpc::StatusCode::INVALID_ARGUMENT, EINVAL},
        Case{grpc::StatusCode::DEADLINE_EXCEEDED, ETIMEDOUT},
        Case{grpc::StatusCode::UNIMPLEMENTED, ENOSYS},
        Case{grpc::StatusCode::ALREADY_EXISTS, EEXIST},
        Case{grpc::StatusCode::UNAVAILABLE, ECONNREFUSED}, Case{grpc::StatusCode::INTERNAL, EIO},
        Case{grpc::StatusCode::UNKNOWN, EIO}, Case{grpc::StatusCode::PERMISSION_DENIED, EIO}}) {
    Status s = statusFromGrpc(grpc::Status(c.code, "boom"), "RunPodSandbox");
    EXPECT_EQ(s.code(), c.err) << static_cast<int>(c.code);
    EXPECT_EQ(s.context(), "RunPodSandbox: boom");
  }
  EXPECT_TRUE(statusFromGrpc(grpc::Status::OK, "x").isOk());
  EXPECT_EQ(statusFromGrpc(grpc::Status(grpc::StatusCode::NOT_FOUND, ""), "Version").context(),
            "Version");
}

TEST(CriStatus, ToGrpc) {
  struct Case {
    int err;
    grpc::StatusCode code;
  };
  for (const Case& c :
       {Case{ENOENT, grpc::StatusCode::NOT_FOUND}, Case{EINVAL, grpc::StatusCode::INVALID_ARGUMENT},
        Case{ETIMEDOUT, grpc::StatusCode::DEADLINE_EXCEEDED},
        Case{ENOSYS, grpc::StatusCode::UNIMPLEMENTED},
        Case{EEXIST, grpc::StatusCode::ALREADY_EXISTS},
        Case{ECONNREFUSED, grpc::StatusCode::UNAVAILABLE}, Case{EPERM, grpc::StatusCode::UNKNOWN},
        Case{EIO, grpc::StatusCode::UNKNOWN}}) {
    grpc::Status g = grpcFromStatus(Status::error(c.err, "sandbox abc"));
    EXPECT_EQ(g.error_code(), c.code) << c.err;
    EXPECT_EQ(g.error_message(), "sandbox abc");
    // And back: the mapped codes survive a round trip.
    if (c.code != grpc::StatusCode::UNKNOWN) {
      EXPECT_EQ(statusFromGrpc(g, "op").code(), c.err);
    }
  }
  EXPECT_TRUE(grpcFromStatus(Status::ok()).ok());
}

// A minimal CRI server: Version answers, PodSandboxStatus fails with ENOENT, ExecSync returns a
// large stdout (beyond gRPC's 4 MiB default receive limit, within CRI's 16 MiB).
class FakeRuntime final : public v1::RuntimeService::Service {
 public:
  grpc::Status Version(grpc::ServerContext*, const v1::VersionRequest* req,
                       v1::VersionResponse* resp) override {
    resp->set_version(req->version());
    resp->set_runtime_name("fake");
    resp->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* req,
                                v1::PodSandboxStatusResponse*) override {
    return grpcFromStatus(Status::notFound("sandbox " + req->pod_sandbox_id()));
  }
  grpc::Status ExecSync(grpc::ServerContext*, const v1::ExecSyncRequest*,
                        v1::ExecSyncResponse* resp) override {
    resp->set_stdout(std::string(kBigBytes, 'x'));
    resp->set_exit_code(3);
    return grpc::Status::OK;
  }
  static constexpr size_t kBigBytes = 6 * 1024 * 1024;
};

class FakeImages final : public v1::ImageService::Service {
 public:
  grpc::Status PullImage(grpc::ServerContext*, const v1::PullImageRequest* req,
                         v1::PullImageResponse* resp) override {
    resp->set_image_ref("sha256:" + req->image().image() + ":" + req->auth().username());
    return grpc::Status::OK;
  }
};

class CriRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = dir_.path() + "/cri.sock";
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime_);
    builder.RegisterService(&images_);
    builder.SetMaxReceiveMessageSize(kMaxCriMessageBytes);
    builder.SetMaxSendMessageSize(kMaxCriMessageBytes);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  testing::TempDir dir_;
  std::string socket_;
  FakeRuntime runtime_;
  FakeImages images_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(CriRoundTrip, VersionOverEveryEndpointForm) {
  for (const std::string& ep : {"unix://" + socket_, "unix:" + socket_, socket_}) {
    auto client = connectCri(ep);
    ASSERT_TRUE(client.ok()) << ep << ": " << client.status().message();
    grpc::ClientContext ctx;
    v1::VersionRequest req;
    req.set_version("0.1.0");
    v1::VersionResponse resp;
    Status s = statusFromGrpc(client->runtime->Version(&ctx, req, &resp), "Version");
    ASSERT_TRUE(s.isOk()) << ep << ": " << s.message();
    EXPECT_EQ(resp.version(), "0.1.0");
    EXPECT_EQ(resp.runtime_name(), "fake");
  }
}

TEST_F(CriRoundTrip, ServerErrorsArriveAsStatus) {
  auto client = connectCri(socket_);
  ASSERT_TRUE(client.ok());
  grpc::ClientContext ctx;
  v1::PodSandboxStatusRequest req;
  req.set_pod_sandbox_id("abc");
  v1::PodSandboxStatusResponse resp;
  Status s = statusFromGrpc(client->runtime->PodSandboxStatus(&ctx, req, &resp), "status");
  EXPECT_EQ(s.code(), ENOENT);
  EXPECT_EQ(s.context(), "status: sandbox abc");

  // Not implemented by the fake: the default Service answers UNIMPLEMENTED.
  grpc::ClientContext ctx2;
  v1::StatusResponse st;
  s = statusFromGrpc(client->runtime->Status(&ctx2, v1::StatusRequest(), &st), "Status");
  EXPECT_EQ(s.code(), ENOSYS);
}

TEST_F(CriRoundTrip, ImageServiceOnSameChannel) {
  auto client = connectCri("unix://" + socket_);
  ASSERT_TRUE(client.ok());
  grpc::ClientContext ctx;
  v1::PullImageRequest req;
  req.mutable_image()->set_image("busybox");
  req.mutable_auth()->set_username("me");
  v1::PullImageResponse resp;
  ASSERT_TRUE(client->image->PullImage(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.image_ref(), "sha256:busybox:me");
}

TEST_F(CriRoundTrip, LargeMessagesWithin16MiB) {
  auto client = connectCri(socket_);
  ASSERT_TRUE(client.ok());
  grpc::ClientContext ctx;
  v1::ExecSyncResponse resp;
  grpc::Status g = client->runtime->ExecSync(&ctx, v1::ExecSyncRequest(), &resp);
  ASSERT_TRUE(g.ok()) << g.error_message();
  EXPECT_EQ(resp.stdout().size(), FakeRuntime::kBigBytes);
  EXPECT_EQ(resp.exit_code(), 3);

  // The same reply is refused by a channel with gRPC's default 4 MiB limit, so the test above
  // really depends on dialCri's limit.
  auto plain = grpc::CreateChannel("unix:" + socket_, grpc::InsecureChannelCredentials());
  auto stub = v1::RuntimeService::NewStub(plain);
  grpc::ClientContext ctx2;
  v1::ExecSyncResponse resp2;
  EXPECT_EQ(stub->ExecSync(&ctx2, v1::ExecSyncRequest(), &resp2).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(CriDial, NothingListeningIsUnavailable) {
  testing::TempDir dir;
  auto client = connectCri("unix://" + dir.path() + "/absent.sock");
  ASSERT_TRUE(client.ok());  // channels connect lazily
  grpc::ClientContext ctx;   // no wait_for_ready: fails fast, no deadline needed
  v1::VersionResponse resp;
  Status s = statusFromGrpc(client->runtime->Version(&ctx, v1::VersionRequest(), &resp), "Version");
  EXPECT_EQ(s.code(), ECONNREFUSED) << s.message();
}

}  // namespace
}  // namespace orch::cri
