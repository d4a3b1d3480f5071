#pragma once
// The real orch-apiserver binary, set up with `orch-apiserver init`, serving in a private
// network namespace (loopback only) with its store in the test's temporary directory; and
// the real kubectl pointed at it.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/base/file_util.h"
#include "controlplane/apiserver/pki_init.h"
#include "tests/support/daemon.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver {

using nlohmann::json;
using orch::testing::Daemon;
using orch::testing::NetnsTest;
using orch::testing::TempDir;
using orch::testing::TestNetns;

constexpr int kPort = 6443;  // the default; free in a fresh namespace

inline std::string apiserverBinary() {
  const char* path = std::getenv("ORCH_APISERVER");
  return path != nullptr ? path : "";
}

class ApiserverTest : public NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    ASSERT_FALSE(apiserverBinary().empty()) << "ORCH_APISERVER is not set";
    auto init = orch::testing::runCommand({apiserverBinary(), "init", "--pki-dir", pki(), "--host",
                                           "orch.test", "--host", "10.96.0.1"});
    ASSERT_TRUE(init.ok()) << init.status().message();
    ASSERT_EQ(init->exit_code, 0) << init->err;
    tokens_ = tmp_.write("tokens.csv", "tok-ci,ci-bot,uid-ci,\"ci,readers\"\n");
    ns_ = newNetns();
    ASSERT_NE(ns_, nullptr);
  }

  std::string pki() const { return tmp_.path() + "/pki"; }

  // Starts the server in the namespace and waits until it accepts connections.
  Result<Daemon> startServer() {
    ORCH_ASSIGN_OR_RETURN(
        Daemon d, Daemon::start({"ip", "netns", "exec", ns_->name(), apiserverBinary(), "--pki-dir",
                                 pki(), "--bind-address", "127.0.0.1", "--token-auth-file", tokens_,
                                 "--data-dir", tmp_.path() + "/data"},
                                tmp_.path() + "/apiserver.log"));
    ORCH_RETURN_IF_ERROR(
        ns_->run([] { return orch::testing::waitForTcpPort(kPort, std::chrono::seconds(20)); }));
    return d;
  }

  // Runs kubectl in the namespace with its own discovery cache.
  RunResult kubectl(std::vector<std::string> args, const std::string& kubeconfig = "") {
    std::vector<std::string> argv = {
        "kubectl", "--kubeconfig", kubeconfig.empty() ? pki() + "/" + kAdminKubeconfig : kubeconfig,
        "--cache-dir", tmp_.path() + "/kube-cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = ns_->exec(argv);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : RunResult{};
  }

  std::string serverLog() const {
    auto log = readFile(tmp_.path() + "/apiserver.log");
    return log.ok() ? *log : "";
  }

  TempDir tmp_;
  std::string tokens_;
  TestNetns* ns_ = nullptr;
};

}  // namespace orch::apiserver
