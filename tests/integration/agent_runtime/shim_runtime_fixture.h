#pragma once
// A real orch-shim reached through agent::GrpcCriRuntime (copied and adapted from
// tests/integration/shim/shim_fixture): its own state dir, CNI config (bridge + host-local
// from build/cni-plugins), cgroup parent, and a private "node" network namespace with a
// dead-end uplink (DESIGN.md). The busybox image (build/packaging/images/busybox.tar) is
// imported before the shim starts. TearDown removes every sandbox through CRI, stops the
// shim by its pid and removes the test's cgroups and namespaces — also when a test failed.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/runtime/grpc_cri_runtime.h"
#include "tests/support/daemon.h"
#include "tests/support/eventually.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {

class ShimRuntimeTest : public NetnsTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  agent::CriRuntime& rt() { return *runtime_; }
  const std::string& tmp() const { return tmp_.path(); }
  std::string logDir() const { return tmp_.path() + "/logs"; }
  std::string rootDir() const { return tmp_.path() + "/agent"; }
  std::string endpoint() const { return "unix://" + socket_; }

 private:
  TempDir tmp_;
  TestNetns* node_ = nullptr;
  std::string state_dir_, socket_, cgroup_parent_;
  std::optional<Daemon> shim_;
  std::unique_ptr<agent::GrpcCriRuntime> runtime_;
};

}  // namespace orch::testing
