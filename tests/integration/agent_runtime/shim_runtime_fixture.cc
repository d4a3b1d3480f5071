#include "tests/integration/agent_runtime/shim_runtime_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "tests/support/netns/node_namespace.h"

namespace orch::testing {

void ShimRuntimeTest::SetUp() {
  NetnsTest::SetUp();
  if (IsSkipped()) return;
  node_ = newNetns();
  ASSERT_NE(node_, nullptr);
  // The node's only way out is a dead end (DESIGN.md, network safety).
  ASSERT_TRUE(addDeadEndUplink(*node_).isOk());

  state_dir_ = tmp_.path() + "/state";
  socket_ = tmp_.path() + "/shim.sock";
  cgroup_parent_ = "/orch-test-agentrt-" + std::to_string(getpid());
  nlohmann::json conflist =
      bridgeConflist("orcht-pods", "orchtbr0", "10.244.9.0/24", tmp_.path() + "/ipam");
  tmp_.write("net.d/10-orcht.conflist", conflist.dump(2));
  std::filesystem::create_directories(logDir());
  std::filesystem::create_directories(rootDir());

  auto imported =
      runCommand({ORCH_SHIM_BIN, "--state-dir", state_dir_, "import", ORCH_BUSYBOX_TAR});
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  ASSERT_EQ(imported->exit_code, 0) << imported->err;

  auto daemon =
      Daemon::start({"nsenter", "--net=/run/netns/" + node_->name(), ORCH_SHIM_BIN, "--listen",
                     endpoint(), "--state-dir", state_dir_, "--cni-conf-dir",
                     tmp_.path() + "/net.d", "--cni-bin-dir", ORCH_CNI_BIN_DIR, "--cni-cache-dir",
                     tmp_.path() + "/cni-cache", "--cgroup-parent", cgroup_parent_},
                    tmp_.path() + "/shim.log");
  ASSERT_TRUE(daemon.ok()) << daemon.status().message();
  shim_.emplace(std::move(*daemon));
  ASSERT_TRUE(waitForUnixSocket(socket_, std::chrono::seconds(20)).isOk())
      << readFile(tmp_.path() + "/shim.log").valueOr("");
  auto runtime = agent::GrpcCriRuntime::connect(endpoint());
  ASSERT_TRUE(runtime.ok()) << runtime.status().message();
  runtime_ = std::move(*runtime);
}

void ShimRuntimeTest::TearDown() {
  if (runtime_) {
    if (auto sandboxes = runtime_->listPodSandbox(); sandboxes.ok()) {
      for (const auto& sb : *sandboxes) {
        Status st = runtime_->removePodSandbox(sb.id());
        if (!st.isOk()) ADD_FAILURE() << "remove sandbox " << sb.id() << ": " << st.message();
      }
    }
  }
  runtime_.reset();
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

}  // namespace orch::testing
