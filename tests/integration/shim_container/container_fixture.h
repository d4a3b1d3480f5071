#pragma once
// Root-only fixture for the launcher: a busybox rootfs in two layers (built from the host's
// static /bin/busybox), a host marker file the containers must not see, cgroups under a
// unique /orch-test-<pid> prefix, and a tiny "monitor" (spawnProcess + waitpid) whose
// stdout/stderr go to files. TearDown kills what the test started (by pid and by cgroup)
// and removes the cgroups, also after a failed assertion.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/container/launcher.h"
#include "tests/support/temp_dir.h"

namespace orch::shim::testing {

struct Finished {
  int status = 0;  // waitpid status
  std::string out;
  std::string err;
  int exitCode() const;  // -1 when killed by a signal
};

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A container: new pid, ipc, uts, net and mnt namespaces, the busybox layers, default
  // capabilities, RuntimeDefault seccomp, containerd's masked / read-only paths, a cgroup
  // named after `name` under the test prefix.
  LaunchSpec containerSpec(const std::string& name, std::vector<std::string> args);

  // Starts `spec`; stdout/stderr go to files named after the spec's cgroup leaf.
  Result<pid_t> start(const LaunchSpec& spec);
  // Starts `spec` with the given stdio (the process and its cgroup are still cleaned up).
  Result<pid_t> start(const LaunchSpec& spec, const StdioFds& stdio);
  // Waits for a started process and collects its output.
  Finished wait(pid_t pid, const LaunchSpec& spec);
  // start + wait; a start error fails the test.
  Finished run(const LaunchSpec& spec);

  std::string outPath(const LaunchSpec& spec) const;
  std::string errPath(const LaunchSpec& spec) const;
  const CgroupLayout& layout() const { return layout_; }

  orch::testing::TempDir tmp_;
  std::string bottom_, top_;  // the two image layers
  std::string host_marker_;   // a host file no container may see
  std::string prefix_;        // "/orch-test-<pid>"

 private:
  CgroupLayout layout_;
  std::vector<pid_t> started_;
  std::vector<std::string> cgroups_;
};

}  // namespace orch::shim::testing
