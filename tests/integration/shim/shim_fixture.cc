#include "tests/integration/shim/shim_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "tests/support/netns/node_namespace.h"

namespace orch::testing {

namespace v1 = runtime::v1;

void ShimTest::SetUp() {
  NetnsTest::SetUp();
  if (IsSkipped()) return;
  node_ = newNetns();
  ASSERT_NE(node_, nullptr);
  // The node's only way out is a dead end (DESIGN.md, network safety).
  ASSERT_TRUE(addDeadEndUplink(*node_).isOk());

  state_dir_ = tmp_.path() + "/state";
  socket_ = tmp_.path() + "/shim.sock";
  cgroup_parent_ = "/orch-test-shim-" + std::to_string(getpid());
  nlohmann::json conflist =
      bridgeConflist("orcht-pods", "orchtbr0", "10.244.7.0/24", tmp_.path() + "/ipam");
  tmp_.write("net.d/10-orcht.conflist", conflist.dump(2));
  std::filesystem::create_directories(log_dir());

  auto imported =
      runCommand({ORCH_SHIM_BIN, "--state-dir", state_dir_, "import", ORCH_BUSYBOX_TAR});
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  ASSERT_EQ(imported->exit_code, 0) << imported->err;
  startShim();
}

void ShimTest::startShim() {
  auto daemon =
      Daemon::start({"nsenter", "--net=/run/netns/" + node_->name(), ORCH_SHIM_BIN, "--listen",
                     "unix://" + socket_, "--state-dir", state_dir_, "--cni-conf-dir",
                     tmp_.path() + "/net.d", "--cni-bin-dir", ORCH_CNI_BIN_DIR, "--cni-cache-dir",
                     tmp_.path() + "/cni-cache", "--cgroup-parent", cgroup_parent_},
                    tmp_.path() + "/shim.log");
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  shim_.emplace(std::move(*daemon));
  ASSERT_TRUE(waitForUnixSocket(socket_, std::chrono::seconds(20)).isOk())
      << readFile(tmp_.path() + "/shim.log").valueOr("");
  auto client = cri::connectCri("unix://" + socket_);
  ASSERT_TRUE(client.ok()) << client.status().message();
  client_.emplace(std::move(*client));
}

void ShimTest::killShim() {
  ASSERT_TRUE(shim_.has_value());
  ASSERT_TRUE(shim_->kill().isOk());
  shim_.reset();
  client_.reset();
}

void ShimTest::TearDown() {
  if (client_) {
    grpc::ClientContext ctx;
    v1::ListPodSandboxRequest req;
    v1::ListPodSandboxResponse resp;
    if (rt().ListPodSandbox(&ctx, req, &resp).ok()) {
      for (const auto& sb : resp.items()) {
        grpc::ClientContext rctx;
        v1::RemovePodSandboxRequest rreq;
        rreq.set_pod_sandbox_id(sb.id());
        v1::RemovePodSandboxResponse rresp;
        grpc::Status st = rt().RemovePodSandbox(&rctx, rreq, &rresp);
        if (!st.ok()) ADD_FAILURE() << "remove sandbox " << sb.id() << ": " << st.error_message();
      }
    }
  }
  client_.reset();
  if (shim_) (void)shim_->stop();
  shim_.reset();
  // The pods' cgroups are gone with their sandboxes; the test's parent goes now.
  if (!cgroup_parent_.empty()) {
    if (auto layout = shim::detectCgroupLayout(); layout.ok())
      (void)shim::Cgroup::open(*layout, cgroup_parent_).remove();
  }
  if (!IsSkipped() && HasFailure())
    std::fprintf(stderr, "orch-shim log:\n%s\n",
                 readFile(tmp_.path() + "/shim.log").valueOr("").c_str());
  NetnsTest::TearDown();
}

v1::PodSandboxConfig ShimTest::podConfig(const std::string& name) const {
  v1::PodSandboxConfig c;
  c.mutable_metadata()->set_name(name);
  c.mutable_metadata()->set_namespace_("default");
  c.mutable_metadata()->set_uid("uid-" + name + "-" + std::to_string(getpid()));
  c.set_hostname(name);
  c.set_log_directory(log_dir() + "/" + name);
  c.mutable_dns_config()->add_servers("10.96.0.10");
  c.mutable_dns_config()->add_searches("default.svc.cluster.local");
  (*c.mutable_labels())["app"] = name;
  return c;
}

std::string ShimTest::runPod(const v1::PodSandboxConfig& config) {
  grpc::ClientContext ctx;
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = config;
  v1::RunPodSandboxResponse resp;
  grpc::Status st = rt().RunPodSandbox(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.pod_sandbox_id();
}

v1::ContainerConfig ShimTest::busybox(const std::string& name,
                                      std::vector<std::string> command) const {
  v1::ContainerConfig c;
  c.mutable_metadata()->set_name(name);
  c.mutable_image()->set_image("busybox");
  for (auto& arg : command) c.add_command(arg);
  c.set_log_path(name + "/0.log");
  return c;
}

std::string ShimTest::startContainer(const std::string& pod, const v1::PodSandboxConfig& pod_config,
                                     const v1::ContainerConfig& config) {
  grpc::ClientContext ctx;
  v1::CreateContainerRequest req;
  req.set_pod_sandbox_id(pod);
  *req.mutable_config() = config;
  *req.mutable_sandbox_config() = pod_config;
  v1::CreateContainerResponse resp;
  grpc::Status st = rt().CreateContainer(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << "create: " << st.error_message();
  if (!st.ok()) return "";
  grpc::ClientContext sctx;
  v1::StartContainerRequest sreq;
  sreq.set_container_id(resp.container_id());
  v1::StartContainerResponse sresp;
  st = rt().StartContainer(&sctx, sreq, &sresp);
  EXPECT_TRUE(st.ok()) << "start: " << st.error_message();
  return resp.container_id();
}

v1::ContainerStatus ShimTest::containerStatus(const std::string& id) {
  grpc::ClientContext ctx;
  v1::ContainerStatusRequest req;
  req.set_container_id(id);
  v1::ContainerStatusResponse resp;
  grpc::Status st = rt().ContainerStatus(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  return resp.status();
}

v1::ContainerStatus ShimTest::waitExited(const std::string& id, int attempts) {
  v1::ContainerStatus status;
  eventually(
      [&] {
        status = containerStatus(id);
        return status.state() == v1::CONTAINER_EXITED;
      },
      attempts);
  return status;
}

v1::ExecSyncResponse ShimTest::exec(const std::string& id, std::vector<std::string> cmd,
                                    int64_t timeout_s, grpc::Status* status) {
  grpc::ClientContext ctx;
  v1::ExecSyncRequest req;
  req.set_container_id(id);
  for (auto& c : cmd) req.add_cmd(c);
  req.set_timeout(timeout_s);
  v1::ExecSyncResponse resp;
  grpc::Status st = rt().ExecSync(&ctx, req, &resp);
  if (status)
    *status = st;
  else
    EXPECT_TRUE(st.ok()) << st.error_message();
  return resp;
}

}  // namespace orch::testing
