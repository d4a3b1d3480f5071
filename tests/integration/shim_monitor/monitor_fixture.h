#pragma once
// Root fixture for orch-monitor: bundles in a temp dir, pause-style specs (host root, new
// pid/uts/ipc namespaces) in cgroups under a path unique to this test run, and cleanup of
// every process and cgroup even when a test fails.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/monitor/bundle_state.h"
#include "runtime-shim/monitor/liveness.h"
#include "runtime-shim/monitor/monitor_client.h"
#include "support/temp_dir.h"

namespace orch::shim {

class MonitorTest : public ::testing::Test {
 protected:
  static std::string cgroupRoot() { return "/orch-monitor-test-" + std::to_string(::getpid()); }

  void TearDown() override {
    for (const auto& b : bundles_) {
      Status s = MonitorClient::destroy(b);
      EXPECT_TRUE(s.isOk()) << "destroy " << b << ": " << s.message();
      // Whatever destroy could not stop: the monitor itself.
      Result<MonitorRecord> rec = readMonitorRecord(b);
      if (rec.ok() && isSameProcess(ProcProbe(), rec->state.monitor_pid, rec->monitor_start_time)) {
        ::kill(rec->state.monitor_pid, SIGKILL);
      }
    }
    Result<CgroupLayout> layout = detectCgroupLayout();
    if (layout.ok()) (void)Cgroup::open(*layout, cgroupRoot()).remove();
  }

  // A bundle named `name` with a pause-style spec running `args`.
  std::string bundle(const std::string& name, std::vector<std::string> args) {
    LaunchSpec spec = baseSpec(name);
    spec.args = std::move(args);
    return bundle(name, spec);
  }
  std::string bundle(const std::string& name, const LaunchSpec& spec) {
    std::string dir = dir_.path() + "/bundles/" + name;
    std::filesystem::create_directories(dir);
    EXPECT_TRUE(writeLaunchSpec(dir, spec).isOk());
    bundles_.push_back(dir);
    return dir;
  }
  LaunchSpec baseSpec(const std::string& name) const {
    LaunchSpec spec;
    spec.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    spec.namespaces = {{"pid", ""}, {"uts", ""}, {"ipc", ""}};
    spec.hostname = "monitor-test";
    spec.cgroup_path = cgroupRoot() + "/" + name;
    spec.log_path = logPath(name);
    spec.capabilities = defaultCapabilities();
    return spec;
  }
  std::string logPath(const std::string& name) const {
    return dir_.path() + "/logs/" + name + "/0.log";
  }
  // A file the test's processes wait for: `waitFor(f)` is a shell loop, `release(f)` ends it.
  std::string flag(const std::string& name) const { return dir_.path() + "/" + name + ".go"; }
  static std::string waitFor(const std::string& f) {
    return "while [ ! -e " + f + " ]; do sleep 0.01; done";
  }
  static void release(const std::string& f) { std::ofstream(f) << "go"; }

  // Polls `pred` until it holds; false after a generous limit (never a timing assertion:
  // the limit only keeps a broken run from hanging).
  template <class Pred>
  static bool eventually(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pred();
  }
  static std::string readOr(const std::string& path) { return readFile(path).valueOr(""); }
  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

  testing::TempDir dir_;
  MonitorClient client_{ORCH_MONITOR_BIN};
  std::vector<std::string> bundles_;
};

}  // namespace orch::shim
