// PodCgroups on this machine's real cgroup hierarchy, as root, below a root of the test's own
// (/orch-test-cm-<pid>): the QoS cgroups and a pod cgroup per QoS class with upstream's
// values, the burstable share following the Burstable pods, removal wherever the pod was.
#include "agent/cm/pod_cgroups.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/base/file_util.h"

namespace orch::agent {
namespace {

using shim::Cgroup;

api::Pod podWith(const std::string& uid, const std::string& cpu_req, const std::string& mem_req,
                 const std::string& cpu_lim, const std::string& mem_lim) {
  api::Pod p;
  p.metadata.name = uid;
  p.metadata.uid = uid;
  api::Container c;
  c.name = "main";
  auto set = [](api::ResourceList& list, const char* name, const std::string& q) {
    if (!q.empty()) list[name] = api::Quantity::mustParse(q);
  };
  set(c.resources.requests, "cpu", cpu_req);
  set(c.resources.requests, "memory", mem_req);
  set(c.resources.limits, "cpu", cpu_lim);
  set(c.resources.limits, "memory", mem_lim);
  p.spec.containers.push_back(c);
  return p;
}

class PodCgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(geteuid(), 0u) << "cgroups need root";
    auto layout = shim::detectCgroupLayout();
    ASSERT_TRUE(layout.ok()) << layout.status().message();
    layout_ = *layout;
    if (layout_.v1("cpu") == nullptr || layout_.v1("memory") == nullptr) {
      GTEST_SKIP() << "the checks read v1 cpu and memory files; this host has none";
    }
    allocatable_["cpu"] = api::Quantity::mustParse("2");
    allocatable_["memory"] = api::Quantity::mustParse("4Gi");
  }
  void TearDown() override {
    // Deepest first: pods, the QoS cgroups, the root.
    for (const char* rel : {"/burstable/pod-b", "/besteffort/pod-e", "/pod-g", "/burstable/pod-b2",
                            "/burstable", "/besteffort", ""}) {
      (void)Cgroup::open(layout_, root_ + rel).remove();
    }
  }
  std::string read(const char* controller, const std::string& rel, const char* file) {
    std::string text =
        readFile(Cgroup::open(layout_, root_ + rel).directory(controller) + "/" + file)
            .valueOr("absent");
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  bool exists(const std::string& rel) {
    return access(Cgroup::open(layout_, root_ + rel).directory("memory").c_str(), F_OK) == 0;
  }

  shim::CgroupLayout layout_;
  std::string root_ = "/orch-test-cm-" + std::to_string(getpid());
  api::ResourceList allocatable_;
};

TEST_F(PodCgroupsTest, QosAndPodCgroupsCarryUpstreamValues) {
  PodCgroups cgroups(layout_, root_, allocatable_);
  ASSERT_TRUE(cgroups.ensureQosCgroups().isOk());
  EXPECT_EQ(read("cpu", "", "cpu.shares"), "2048");
  EXPECT_EQ(read("memory", "", "memory.limit_in_bytes"), std::to_string(4LL << 30));
  EXPECT_EQ(read("cpu", "/besteffort", "cpu.shares"), "2");
  EXPECT_EQ(read("cpu", "/burstable", "cpu.shares"), "2");  // no Burstable pod yet

  auto g = cgroups.ensurePod(podWith("-g", "500m", "64Mi", "500m", "64Mi"));
  ASSERT_TRUE(g.ok()) << g.status().message();
  EXPECT_EQ(*g, root_ + "/pod-g");
  EXPECT_EQ(read("cpu", "/pod-g", "cpu.shares"), "512");
  EXPECT_EQ(read("cpu", "/pod-g", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(read("cpu", "/pod-g", "cpu.cfs_period_us"), "100000");
  EXPECT_EQ(read("memory", "/pod-g", "memory.limit_in_bytes"), std::to_string(64 << 20));

  auto b = cgroups.ensurePod(podWith("-b", "250m", "", "", "32Mi"));
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(*b, root_ + "/burstable/pod-b");
  EXPECT_EQ(read("cpu", "/burstable/pod-b", "cpu.shares"), "256");
  EXPECT_EQ(read("cpu", "/burstable/pod-b", "cpu.cfs_quota_us"), "-1");  // no cpu limit
  EXPECT_EQ(read("memory", "/burstable/pod-b", "memory.limit_in_bytes"), std::to_string(32 << 20));
  EXPECT_EQ(read("cpu", "/burstable", "cpu.shares"), "256");
  ASSERT_TRUE(cgroups.ensurePod(podWith("-b2", "750m", "", "", "")).ok());
  EXPECT_EQ(read("cpu", "/burstable", "cpu.shares"), "1024");

  auto e = cgroups.ensurePod(podWith("-e", "", "", "", ""));
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(*e, root_ + "/besteffort/pod-e");
  EXPECT_EQ(read("cpu", "/besteffort/pod-e", "cpu.shares"), "2");

  // Removal finds each pod in its QoS cgroup and gives its share back.
  for (const char* uid : {"-g", "-b", "-e"}) ASSERT_TRUE(cgroups.removePod(uid).isOk()) << uid;
  EXPECT_FALSE(exists("/pod-g"));
  EXPECT_FALSE(exists("/burstable/pod-b"));
  EXPECT_FALSE(exists("/besteffort/pod-e"));
  EXPECT_EQ(read("cpu", "/burstable", "cpu.shares"), "768");
  // A pod this instance never made (an earlier agent did): found and removed too.
  PodCgroups restarted(layout_, root_, allocatable_);
  ASSERT_TRUE(restarted.removePod("-b2").isOk());
  EXPECT_FALSE(exists("/burstable/pod-b2"));
}

}  // namespace
}  // namespace orch::agent
