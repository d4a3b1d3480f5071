#pragma once
// A real orch-shim for integration tests: its own state dir, CNI config (bridge +
// host-local from build/cni-plugins), cgroup parent, and a private "node" network namespace
// with a dead-end uplink (DESIGN.md), so pod networking never reaches the host's. The
// busybox image (build/packaging/images/busybox.tar) is imported before the shim starts.
// TearDown removes every sandbox through CRI, stops the shim by its pid, removes the test's
// cgroups and namespaces — also when the test failed.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/cri/api.grpc.pb.h"
#include "common/cri/cri_client.h"
#include "tests/support/daemon.h"
#include "tests/support/eventually.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {

class ShimTest : public NetnsTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)starts orch-shim on the same state dir and reconnects.
  void startShim();
  // kill -9, as a crash.
  void killShim();

  runtime::v1::RuntimeService::Stub& rt() { return *client_->runtime; }
  runtime::v1::ImageService::Stub& images() { return *client_->image; }

  // A sandbox config with unique metadata; `name` also becomes the hostname.
  runtime::v1::PodSandboxConfig podConfig(const std::string& name) const;
  std::string runPod(const runtime::v1::PodSandboxConfig& config);
  // A busybox container running `command` (started).
  runtime::v1::ContainerConfig busybox(const std::string& name,
                                       std::vector<std::string> command) const;
  std::string startContainer(const std::string& pod,
                             const runtime::v1::PodSandboxConfig& pod_config,
                             const runtime::v1::ContainerConfig& config);
  runtime::v1::ContainerStatus containerStatus(const std::string& id);
  // Waits (polling, no deadline assertion beyond `attempts`) for the container to exit.
  runtime::v1::ContainerStatus waitExited(const std::string& id, int attempts = 300);
  // ExecSync; the gRPC status is returned in `status`.
  runtime::v1::ExecSyncResponse exec(const std::string& id, std::vector<std::string> cmd,
                                     int64_t timeout_s = 10, grpc::Status* status = nullptr);

  std::string log_dir() const { return tmp_.path() + "/logs"; }
  // Where the shim reads its CNI configuration (re-read on every sandbox), keeps its
  // records, and puts its pods' cgroups (below this parent).
  std::string cniConfDir() const { return tmp_.path() + "/net.d"; }
  const std::string& stateDir() const { return state_dir_; }
  const std::string& cgroupParent() const { return cgroup_parent_; }

 private:
  TempDir tmp_;
  TestNetns* node_ = nullptr;
  std::string state_dir_, socket_, cgroup_parent_;
  std::optional<Daemon> shim_;
  std::optional<cri::CriClient> client_;
  int pods_ = 0;
};

}  // namespace orch::testing
