// PodRuntimeStatus built from a (fake) CRI runtime through the kubelet's labels: ordering,
// IPs, parsed annotations, adoption of what is already there, vanishing items and errors.

#include "agent/kuberuntime/pod_runtime_status.h"

#include <gtest/gtest.h>

#include "agent/kuberuntime/container_config.h"
#include "agent/kuberuntime/sandbox_config.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_cri_runtime.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

namespace v1 = runtime::v1;
using std::chrono::seconds;

class PodRuntimeStatusTest : public ::testing::Test {
 protected:
  void SetUp() override { rt_.addImage("busybox"); }

  std::string runSandbox(const api::Pod& p, uint32_t attempt) {
    clock_.advance(seconds(1));
    auto config = makeSandboxConfig(p, attempt, SandboxConfigOptions{});
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto id = rt_.runPodSandbox(*config, "");
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.valueOr("");
  }
  std::string startContainer(const api::Pod& p, const std::string& sandbox, const api::Container& c,
                             int restart_count) {
    clock_.advance(seconds(1));
    ContainerConfigInputs in;
    in.restart_count = restart_count;
    in.image_user = {1000, ""};
    auto config = makeContainerConfig(p, c, in, ContainerConfigOptions{});
    EXPECT_TRUE(config.ok()) << config.status().message();
    auto sb = makeSandboxConfig(p, 0, SandboxConfigOptions{});
    auto id = rt_.createContainer(sandbox, *config, *sb);
    EXPECT_TRUE(id.ok()) << id.status().message();
    EXPECT_TRUE(rt_.startContainer(*id).isOk());
    return id.valueOr("");
  }

  orch::testing::FakeClock clock_;
  orch::testing::FakeCriRuntime rt_{clock_};
};

TEST_F(PodRuntimeStatusTest, NewestFirstWithParsedLabels) {
  api::Pod p = testing::pod("web", "shop", "uid-1");
  p.spec.containers[0].image = "busybox";
  std::string old_sb = runSandbox(p, 0);
  std::string first = startContainer(p, old_sb, p.spec.containers[0], 0);
  clock_.advance(seconds(5));
  ASSERT_TRUE(rt_.exitContainer(first, 1).isOk());
  ASSERT_TRUE(rt_.stopPodSandbox(old_sb).isOk());
  std::string sb = runSandbox(p, 1);
  std::string second = startContainer(p, sb, p.spec.containers[0], 1);
  // Another pod's things are not included.
  api::Pod other = testing::pod("db", "shop", "uid-2");
  runSandbox(other, 0);

  auto st = getPodRuntimeStatus(rt_, "uid-1", "web", "shop");
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_EQ(st->uid, "uid-1");
  ASSERT_EQ(st->sandboxes.size(), 2u);
  EXPECT_EQ(st->sandboxes[0].id, sb);
  EXPECT_EQ(st->sandboxes[0].attempt, 1u);
  EXPECT_TRUE(st->sandboxes[0].ready());
  EXPECT_FALSE(st->sandboxes[1].ready());
  EXPECT_EQ(st->sandboxes[0].network_mode, v1::POD);
  ASSERT_EQ(st->ips.size(), 1u);
  EXPECT_EQ(st->ips[0], st->sandboxes[0].ip);

  ASSERT_EQ(st->containers.size(), 2u);
  const auto& newest = st->containers[0];
  EXPECT_EQ(newest.id, second);
  EXPECT_EQ(newest.sandbox_id, sb);
  EXPECT_EQ(newest.name, "app");
  EXPECT_TRUE(newest.running());
  EXPECT_EQ(newest.restart_count, 1);
  EXPECT_EQ(newest.hash, hashContainer(p.spec.containers[0]));
  EXPECT_EQ(newest.labels.pod_uid, "uid-1");
  EXPECT_EQ(newest.log_path, "/var/log/pods/shop_web_uid-1/app/1.log");
  EXPECT_TRUE(isSet(newest.started_at));
  EXPECT_FALSE(isSet(newest.finished_at));

  const auto& older = st->containers[1];
  EXPECT_EQ(older.sandbox_id, old_sb);
  EXPECT_TRUE(older.exited());
  EXPECT_EQ(older.exit_code, 1);
  EXPECT_EQ(older.reason, "Error");
  EXPECT_EQ(older.finished_at - older.started_at, seconds(5));

  EXPECT_EQ(st->findContainer("app"), &st->containers[0]);
  EXPECT_EQ(st->lastExited("app"), &st->containers[1]);
  EXPECT_EQ(st->instancesOf("app").size(), 2u);
  EXPECT_EQ(st->findContainer("nope"), nullptr);
}

TEST_F(PodRuntimeStatusTest, NoIpsWhenTheNewestSandboxIsNotReady) {
  api::Pod p = testing::pod();
  std::string sb = runSandbox(p, 0);
  ASSERT_TRUE(rt_.setSandboxState(sb, v1::SANDBOX_NOTREADY).isOk());
  auto st = getPodRuntimeStatus(rt_, "uid-1", "web", "default");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->ips.empty());
  auto empty = getPodRuntimeStatus(rt_, "uid-unknown", "x", "default");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->sandboxes.empty());
  EXPECT_TRUE(empty->containers.empty());
  EXPECT_EQ(empty->latestSandbox(), nullptr);
}

TEST_F(PodRuntimeStatusTest, VanishedItemsAreSkippedOtherErrorsReturned) {
  api::Pod p = testing::pod();
  p.spec.containers[0].image = "busybox";
  std::string sb = runSandbox(p, 0);
  startContainer(p, sb, p.spec.containers[0], 0);
  rt_.injectError("ContainerStatus", Status::notFound("container gone"));
  auto st = getPodRuntimeStatus(rt_, "uid-1", "web", "default");
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->containers.empty());
  EXPECT_EQ(st->sandboxes.size(), 1u);

  rt_.injectError("ListContainers", Status::error(ECONNREFUSED, "runtime down"));
  st = getPodRuntimeStatus(rt_, "uid-1", "web", "default");
  EXPECT_EQ(st.status().code(), ECONNREFUSED);
  EXPECT_NE(st.status().context().find("status of pod default/web (uid-1)"), std::string::npos);
}

TEST_F(PodRuntimeStatusTest, ListRuntimePodsForAdoption) {
  api::Pod a = testing::pod("a", "ns1", "uid-a");
  api::Pod b = testing::pod("b", "ns2", "uid-b");
  a.spec.containers[0].image = b.spec.containers[0].image = "busybox";
  std::string sa = runSandbox(a, 0);
  std::string sb = runSandbox(b, 0);
  startContainer(a, sa, a.spec.containers[0], 0);
  startContainer(b, sb, b.spec.containers[0], 0);
  // Something not made by a kubelet.
  v1::PodSandboxConfig foreign;
  foreign.mutable_metadata()->set_name("foreign");
  foreign.mutable_metadata()->set_namespace_("x");
  foreign.mutable_metadata()->set_uid("f");
  ASSERT_TRUE(rt_.runPodSandbox(foreign, "").ok());

  auto pods = listRuntimePods(rt_);
  ASSERT_TRUE(pods.ok());
  ASSERT_EQ(pods->size(), 2u);
  EXPECT_EQ((*pods)[0].uid, "uid-a");
  EXPECT_EQ((*pods)[0].name, "a");
  EXPECT_EQ((*pods)[0].namespace_, "ns1");
  EXPECT_EQ((*pods)[0].sandboxes.size(), 1u);
  EXPECT_EQ((*pods)[0].containers.size(), 1u);
  EXPECT_EQ((*pods)[1].uid, "uid-b");
}

TEST(PodRuntimeStatusAssembly, TiesBreakOnAttempt) {
  SandboxRuntimeStatus s0, s1;
  s0.id = "old";
  s0.attempt = 0;
  s1.id = "new";
  s1.attempt = 1;
  ContainerRuntimeStatus c0, c1;
  c0.id = "c0";
  c0.name = c1.name = "app";
  c1.id = "c1";
  c1.restart_count = 1;
  auto st = assemblePodRuntimeStatus("u", "n", "ns", {s0, s1}, {c0, c1});
  EXPECT_EQ(st.sandboxes[0].id, "new");
  EXPECT_EQ(st.containers[0].id, "c1");
  EXPECT_TRUE(st.ips.empty());
}

}  // namespace
}  // namespace orch::agent
