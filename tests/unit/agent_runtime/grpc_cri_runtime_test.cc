// GrpcCriRuntime against an in-process CRI server on a unix socket in a temp dir: requests
// arrive as sent, replies and errors come back typed (NOT_FOUND -> ENOENT, deadline ->
// ETIMEDOUT), and every call carries the deadline the contract promises.

#include "agent/runtime/grpc_cri_runtime.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "tests/support/temp_dir.h"

namespace orch::agent {
namespace {

namespace v1 = runtime::v1;
using std::chrono::system_clock;

// Remembers the deadline of the last call of each method (max() when none was set).
class Deadlines {
 public:
  void record(const std::string& method, grpc::ServerContext* ctx) {
    std::lock_guard l(mu_);
    seen_[method] = ctx->deadline();
  }
  system_clock::time_point get(const std::string& method) {
    std::lock_guard l(mu_);
    return seen_.at(method);
  }

 private:
  std::mutex mu_;
  std::map<std::string, system_clock::time_point> seen_;
};

class TestRuntime final : public v1::RuntimeService::Service {
 public:
  explicit TestRuntime(Deadlines& d) : d_(d) {}
  grpc::Status Version(grpc::ServerContext* ctx, const v1::VersionRequest* req,
                       v1::VersionResponse* resp) override {
    d_.record("Version", ctx);
    resp->set_version(req->version());
    resp->set_runtime_name("test");
    resp->set_runtime_api_version("v1");
    return grpc::Status::OK;
  }
  grpc::Status Status(grpc::ServerContext*, const v1::StatusRequest*,
                      v1::StatusResponse* resp) override {
    auto* c = resp->mutable_status()->add_conditions();
    c->set_type("RuntimeReady");
    c->set_status(true);
    // NetworkReady left out on purpose.
    return grpc::Status::OK;
  }
  grpc::Status RunPodSandbox(grpc::ServerContext*, const v1::RunPodSandboxRequest* req,
                             v1::RunPodSandboxResponse* resp) override {
    if (req->runtime_handler() != "runc")
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown handler");
    resp->set_pod_sandbox_id("sb-" + req->config().metadata().name());
    return grpc::Status::OK;
  }
  grpc::Status PodSandboxStatus(grpc::ServerContext*, const v1::PodSandboxStatusRequest* req,
                                v1::PodSandboxStatusResponse* resp) override {
    if (req->pod_sandbox_id() != "sb-web")
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "sandbox not found");
    resp->mutable_status()->set_id("sb-web");
    resp->mutable_status()->mutable_network()->set_ip("10.0.0.2");
    if (req->verbose()) (*resp->mutable_info())["info"] = "{}";
    return grpc::Status::OK;
  }
  grpc::Status ListPodSandbox(grpc::ServerContext*, const v1::ListPodSandboxRequest* req,
                              v1::ListPodSandboxResponse* resp) override {
    for (const auto& [k, v] : req->filter().label_selector()) {
      auto* item = resp->add_items();
      item->set_id(k + "=" + v);
    }
    return grpc::Status::OK;
  }
  grpc::Status StopContainer(grpc::ServerContext* ctx, const v1::StopContainerRequest*,
                             v1::StopContainerResponse*) override {
    d_.record("StopContainer", ctx);
    return grpc::Status::OK;
  }
  grpc::Status ContainerStatus(grpc::ServerContext*, const v1::ContainerStatusRequest* req,
                               v1::ContainerStatusResponse* resp) override {
    if (req->container_id() == "missing")
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "container not found");
    resp->mutable_status()->set_id(req->container_id());
    resp->mutable_status()->set_state(v1::CONTAINER_RUNNING);
    return grpc::Status::OK;
  }
  grpc::Status ExecSync(grpc::ServerContext* ctx, const v1::ExecSyncRequest* req,
                        v1::ExecSyncResponse* resp) override {
    d_.record("ExecSync", ctx);
    if (req->cmd(0) == "hang") {
      // Until the client gives up.
      while (!ctx->IsCancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    if (req->cmd(0) == "slow")
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "command timed out");
    resp->set_stdout(std::string("out:") + req->cmd(0));
    resp->set_stderr("err");
    resp->set_exit_code(7);
    return grpc::Status::OK;
  }

 private:
  Deadlines& d_;
};

class TestImages final : public v1::ImageService::Service {
 public:
  explicit TestImages(Deadlines& d) : d_(d) {}
  grpc::Status PullImage(grpc::ServerContext* ctx, const v1::PullImageRequest* req,
                         v1::PullImageResponse* resp) override {
    d_.record("PullImage", ctx);
    resp->set_image_ref("sha256:" + req->image().image() + "/" + req->auth().username());
    return grpc::Status::OK;
  }
  grpc::Status ImageStatus(grpc::ServerContext*, const v1::ImageStatusRequest* req,
                           v1::ImageStatusResponse* resp) override {
    if (req->image().image() == "busybox") {
      resp->mutable_image()->set_id("sha256:bb");
      resp->mutable_image()->mutable_uid()->set_value(0);
    }
    return grpc::Status::OK;  // CRI: absent image = empty reply
  }

 private:
  Deadlines& d_;
};

class GrpcCriRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    socket_ = dir_.path() + "/cri.sock";
    grpc::ServerBuilder builder;
    builder.AddListeningPort("unix:" + socket_, grpc::InsecureServerCredentials());
    builder.RegisterService(&runtime_);
    builder.RegisterService(&images_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  std::unique_ptr<GrpcCriRuntime> connect(GrpcCriRuntimeOptions o = {}) {
    auto rt = GrpcCriRuntime::connect("unix://" + socket_, o);
    EXPECT_TRUE(rt.ok()) << rt.status().message();
    return rt.ok() ? std::move(*rt) : nullptr;
  }

  testing::TempDir dir_;
  std::string socket_;
  Deadlines deadlines_;
  TestRuntime runtime_{deadlines_};
  TestImages images_{deadlines_};
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(GrpcCriRuntimeTest, ConnectRejectsBadEndpoint) {
  auto rt = GrpcCriRuntime::connect("tcp://127.0.0.1:1");
  EXPECT_EQ(rt.status().code(), EINVAL);
}

TEST_F(GrpcCriRuntimeTest, NothingListeningIsConnRefused) {
  auto rt = GrpcCriRuntime::connect("unix://" + dir_.path() + "/none.sock");
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ((*rt)->version().status().code(), ECONNREFUSED);
}

TEST_F(GrpcCriRuntimeTest, VersionAndReadiness) {
  auto rt = connect();
  auto v = rt->version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->version(), "v1");
  EXPECT_EQ(v->runtime_name(), "test");
  auto st = rt->status();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->runtime_ready);
  EXPECT_FALSE(st->network_ready);
  EXPECT_EQ(st->network_reason, "ConditionMissing");
}

TEST_F(GrpcCriRuntimeTest, SandboxCallsAndErrors) {
  auto rt = connect();
  v1::PodSandboxConfig c;
  c.mutable_metadata()->set_name("web");
  c.mutable_metadata()->set_namespace_("default");
  auto id = rt->runPodSandbox(c, "runc");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "sb-web");
  auto bad = rt->runPodSandbox(c, "kata");
  EXPECT_EQ(bad.status().code(), EINVAL);
  EXPECT_EQ(bad.status().context(), "CRI RunPodSandbox default/web: unknown handler");

  auto st = rt->podSandboxStatus("sb-web", /*verbose=*/true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->status.network().ip(), "10.0.0.2");
  EXPECT_EQ(st->info.at("info"), "{}");
  auto missing = rt->podSandboxStatus("sb-x");
  EXPECT_EQ(missing.status().code(), ENOENT);
  EXPECT_EQ(missing.status().context(), "CRI PodSandboxStatus sb-x: sandbox not found");

  v1::PodSandboxFilter f;
  (*f.mutable_label_selector())["io.kubernetes.pod.uid"] = "u1";
  auto list = rt->listPodSandbox(f);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id(), "io.kubernetes.pod.uid=u1");

  // Not implemented by the test server.
  EXPECT_EQ(rt->removePodSandbox("sb-web").code(), ENOSYS);
}

TEST_F(GrpcCriRuntimeTest, ContainerStatusNotFoundIsEnoent) {
  auto rt = connect();
  auto st = rt->containerStatus("c1");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(rt->containerStatus("missing").status().code(), ENOENT);
}

TEST_F(GrpcCriRuntimeTest, ExecSyncResultTimeoutAndDeadlines) {
  auto rt = connect();
  auto before = system_clock::now();
  auto r = rt->execSync("c1", {"echo", "hi"}, std::chrono::seconds(5));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stdout_data, "out:echo");
  EXPECT_EQ(r->stderr_data, "err");
  EXPECT_EQ(r->exit_code, 7);
  // Default timeout (2 min) plus the command's own 5 s; the wire format (grpc-timeout) and the
  // time in flight make the server's view a little earlier, so allow a second.
  EXPECT_GE(deadlines_.get("ExecSync"), before + std::chrono::seconds(124));
  EXPECT_LT(deadlines_.get("ExecSync"), before + std::chrono::hours(1));

  // The runtime's own timeout arrives as DEADLINE_EXCEEDED.
  EXPECT_EQ(rt->execSync("c1", {"slow"}, std::chrono::seconds(1)).status().code(), ETIMEDOUT);

  // Without a timeout there is no deadline.
  ASSERT_TRUE(rt->execSync("c1", {"x"}, std::chrono::seconds(0)).ok());
  EXPECT_EQ(deadlines_.get("ExecSync"), system_clock::time_point::max());

  before = system_clock::now();
  ASSERT_TRUE(rt->stopContainer("c1", 30).isOk());
  EXPECT_GE(deadlines_.get("StopContainer"), before + std::chrono::seconds(149));
}

TEST_F(GrpcCriRuntimeTest, OurDeadlineGivesEtimedout) {
  GrpcCriRuntimeOptions o;
  o.default_timeout = std::chrono::milliseconds(200);
  auto rt = connect(o);
  auto r = rt->execSync("c1", {"hang"}, std::chrono::seconds(1));
  EXPECT_EQ(r.status().code(), ETIMEDOUT) << r.status().message();
}

TEST_F(GrpcCriRuntimeTest, ImagesAndPullDeadline) {
  auto rt = connect();
  v1::AuthConfig auth;
  auth.set_username("me");
  auto ref = rt->pullImage(imageSpec("busybox"), auth, {});
  ASSERT_TRUE(ref.ok()) << ref.status().message();
  EXPECT_EQ(*ref, "sha256:busybox/me");
  EXPECT_EQ(deadlines_.get("PullImage"), system_clock::time_point::max());

  GrpcCriRuntimeOptions o;
  o.pull_timeout = std::chrono::minutes(30);
  auto limited = connect(o);
  auto before = system_clock::now();
  ASSERT_TRUE(limited->pullImage(imageSpec("busybox"), auth, {}).ok());
  EXPECT_GE(deadlines_.get("PullImage"), before + std::chrono::minutes(29));
  EXPECT_LT(deadlines_.get("PullImage"), before + std::chrono::minutes(31));

  auto st = rt->imageStatus(imageSpec("busybox"));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->has_value());
  EXPECT_EQ((*st)->id(), "sha256:bb");
  st = rt->imageStatus(imageSpec("nginx"));
  ASSERT_TRUE(st.ok());
  EXPECT_FALSE(st->has_value());

  before = system_clock::now();
  ASSERT_TRUE(rt->version().ok());
  EXPECT_GE(deadlines_.get("Version"), before + std::chrono::seconds(119));
  EXPECT_LT(deadlines_.get("Version"), before + std::chrono::seconds(180));
}

}  // namespace
}  // namespace orch::agent
