// FakeCriRuntime: the in-memory CRI runtime the agent's unit tests drive. Its behaviour is a
// contract other tests rely on (states, timestamps, CRI errors, call log, scripting).

#include "tests/fakes/fake_cri_runtime.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace orch::testing {
namespace {

namespace v1 = runtime::v1;
using std::chrono::seconds;

int64_t nanos(Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

class FakeCriRuntimeTest : public ::testing::Test {
 protected:
  v1::PodSandboxConfig pod(const std::string& name, uint32_t attempt = 0) {
    v1::PodSandboxConfig c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_namespace_("default");
    c.mutable_metadata()->set_uid("uid-" + name);
    c.mutable_metadata()->set_attempt(attempt);
    c.set_log_directory("/var/log/pods/default_" + name + "_uid-" + name);
    (*c.mutable_labels())["io.kubernetes.pod.uid"] = "uid-" + name;
    return c;
  }
  v1::ContainerConfig container(const std::string& name, uint32_t attempt = 0) {
    v1::ContainerConfig c;
    c.mutable_metadata()->set_name(name);
    c.mutable_metadata()->set_attempt(attempt);
    c.mutable_image()->set_image("busybox");
    c.set_log_path(name + "/" + std::to_string(attempt) + ".log");
    (*c.mutable_labels())["io.kubernetes.container.name"] = name;
    return c;
  }
  std::string run(const v1::PodSandboxConfig& c) {
    auto id = rt_.runPodSandbox(c, "");
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.valueOr("");
  }
  std::string create(const std::string& sb, const v1::ContainerConfig& c) {
    auto id = rt_.createContainer(sb, c, pod("x"));
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.valueOr("");
  }

  FakeClock clock_;
  FakeCriRuntime rt_{clock_};
};

TEST_F(FakeCriRuntimeTest, ContainerLifecycleWithTimestamps) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  EXPECT_EQ(sb, "sb-1");
  clock_.advance(seconds(1));
  std::string id = create(sb, container("app"));
  EXPECT_EQ(id, "ctr-1");
  auto st = rt_.containerStatus(id);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->state(), v1::CONTAINER_CREATED);
  EXPECT_EQ(st->created_at(), nanos(clock_.wallNow()));
  EXPECT_EQ(st->started_at(), 0);
  EXPECT_EQ(st->log_path(), "/var/log/pods/default_web_uid-web/app/0.log");
  EXPECT_EQ(st->image_ref(), "sha256:img1");

  clock_.advance(seconds(2));
  ASSERT_TRUE(rt_.startContainer(id).isOk());
  st = rt_.containerStatus(id);
  EXPECT_EQ(st->state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(st->started_at(), nanos(clock_.wallNow()));
  // Starting twice is an error, as in orch-shim.
  EXPECT_EQ(rt_.startContainer(id).code(), EINVAL);

  clock_.advance(seconds(3));
  ASSERT_TRUE(rt_.exitContainer(id, 2, "", "boom").isOk());
  st = rt_.containerStatus(id);
  EXPECT_EQ(st->state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st->finished_at(), nanos(clock_.wallNow()));
  EXPECT_EQ(st->exit_code(), 2);
  EXPECT_EQ(st->reason(), "Error");
  EXPECT_EQ(st->message(), "boom");

  ASSERT_TRUE(rt_.removeContainer(id).isOk());
  EXPECT_EQ(rt_.containerStatus(id).status().code(), ENOENT);
  EXPECT_TRUE(rt_.removeContainer(id).isOk());  // idempotent
}

TEST_F(FakeCriRuntimeTest, StopSandboxStopsItsContainersAndRemoveDeletesThem) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  std::string a = create(sb, container("a"));
  std::string b = create(sb, container("b"));
  ASSERT_TRUE(rt_.startContainer(a).isOk());
  ASSERT_TRUE(rt_.stopPodSandbox(sb).isOk());
  auto sst = rt_.podSandboxStatus(sb);
  ASSERT_TRUE(sst.ok());
  EXPECT_EQ(sst->status.state(), v1::SANDBOX_NOTREADY);
  EXPECT_EQ(rt_.containerStatus(a)->state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(rt_.containerStatus(a)->exit_code(), 137);
  EXPECT_EQ(rt_.containerStatus(b)->state(), v1::CONTAINER_EXITED);
  // No new containers in a stopped sandbox.
  EXPECT_FALSE(rt_.createContainer(sb, container("c"), pod("web")).ok());
  ASSERT_TRUE(rt_.removePodSandbox(sb).isOk());
  EXPECT_TRUE(rt_.containerIds().empty());
  EXPECT_TRUE(rt_.sandboxIds().empty());
  EXPECT_TRUE(rt_.removePodSandbox(sb).isOk());
  EXPECT_EQ(rt_.stopPodSandbox(sb).code(), ENOENT);
}

TEST_F(FakeCriRuntimeTest, ReservedNamesAreEexist) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  auto again = rt_.runPodSandbox(pod("web"), "");
  EXPECT_EQ(again.status().code(), EEXIST);
  EXPECT_TRUE(rt_.runPodSandbox(pod("web", 1), "").ok());
  create(sb, container("app"));
  EXPECT_EQ(rt_.createContainer(sb, container("app"), pod("web")).status().code(), EEXIST);
  EXPECT_TRUE(rt_.createContainer(sb, container("app", 1), pod("web")).ok());
}

TEST_F(FakeCriRuntimeTest, CreateNeedsSandboxAndImage) {
  EXPECT_EQ(rt_.createContainer("sb-9", container("app"), pod("x")).status().code(), ENOENT);
  std::string sb = run(pod("web"));
  EXPECT_EQ(rt_.createContainer(sb, container("app"), pod("web")).status().code(), ENOENT);
  auto ref = rt_.pullImage(runtime::v1::ImageSpec(), {}, {});
  EXPECT_EQ(ref.status().code(), EINVAL);
  ref = rt_.pullImage(agent::imageSpec("busybox"), {}, {});
  ASSERT_TRUE(ref.ok());
  // Pulling again gives the same image.
  EXPECT_EQ(*rt_.pullImage(agent::imageSpec("busybox"), {}, {}), *ref);
  EXPECT_TRUE(rt_.createContainer(sb, container("app"), pod("web")).ok());
  rt_.setRequireImages(false);
  auto other = container("other");
  other.mutable_image()->set_image("nginx");
  EXPECT_TRUE(rt_.createContainer(sb, other, pod("web")).ok());
}

TEST_F(FakeCriRuntimeTest, ImagesStatusListRemove) {
  std::string id = rt_.addImage("busybox:1.36", 1000, "");
  std::string named = rt_.addImage("app:latest", std::nullopt, "nobody");
  auto st = rt_.imageStatus(agent::imageSpec("busybox:1.36"));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->has_value());
  EXPECT_EQ((*st)->id(), id);
  EXPECT_EQ((*st)->uid().value(), 1000);
  st = rt_.imageStatus(agent::imageSpec("app"));  // found as "app:latest"
  ASSERT_TRUE(st->has_value());
  EXPECT_EQ((*st)->username(), "nobody");
  EXPECT_FALSE((*st)->has_uid());
  EXPECT_FALSE(rt_.imageStatus(agent::imageSpec("nginx"))->has_value());
  EXPECT_EQ(rt_.listImages()->size(), 2u);
  v1::ImageFilter f;
  f.mutable_image()->set_image(named);
  EXPECT_EQ(rt_.listImages(f)->size(), 1u);
  ASSERT_TRUE(rt_.removeImage(agent::imageSpec(id)).isOk());
  EXPECT_EQ(rt_.listImages()->size(), 1u);
  EXPECT_EQ(rt_.imageFsInfo()->image_filesystems(0).used_bytes().value(), 1024u);
}

TEST_F(FakeCriRuntimeTest, ListFilters) {
  rt_.addImage("busybox");
  std::string a = run(pod("a"));
  std::string b = run(pod("b"));
  std::string ca = create(a, container("x"));
  std::string cb = create(b, container("y"));
  ASSERT_TRUE(rt_.startContainer(cb).isOk());
  ASSERT_TRUE(rt_.stopPodSandbox(a).isOk());

  v1::PodSandboxFilter sf;
  (*sf.mutable_label_selector())["io.kubernetes.pod.uid"] = "uid-b";
  auto sbs = rt_.listPodSandbox(sf);
  ASSERT_EQ(sbs->size(), 1u);
  EXPECT_EQ((*sbs)[0].id(), b);
  sf.Clear();
  sf.mutable_state()->set_state(v1::SANDBOX_NOTREADY);
  sbs = rt_.listPodSandbox(sf);
  ASSERT_EQ(sbs->size(), 1u);
  EXPECT_EQ((*sbs)[0].id(), a);

  v1::ContainerFilter cf;
  cf.set_pod_sandbox_id(b);
  auto cs = rt_.listContainers(cf);
  ASSERT_EQ(cs->size(), 1u);
  EXPECT_EQ((*cs)[0].id(), cb);
  EXPECT_EQ((*cs)[0].pod_sandbox_id(), b);
  cf.Clear();
  cf.mutable_state()->set_state(v1::CONTAINER_EXITED);
  cs = rt_.listContainers(cf);
  ASSERT_EQ(cs->size(), 1u);
  EXPECT_EQ((*cs)[0].id(), ca);
  cf.Clear();
  (*cf.mutable_label_selector())["io.kubernetes.container.name"] = "y";
  EXPECT_EQ(rt_.listContainers(cf)->size(), 1u);
  cf.Clear();
  cf.set_id("ctr-");  // a prefix
  EXPECT_EQ(rt_.listContainers(cf)->size(), 2u);
  EXPECT_EQ(rt_.listContainerStats()->size(), 2u);
}

TEST_F(FakeCriRuntimeTest, ListingsComeInCreationOrder) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  for (int i = 0; i < 12; ++i) create(sb, container("c" + std::to_string(i)));
  auto ids = rt_.containerIds();
  ASSERT_EQ(ids.size(), 12u);
  EXPECT_EQ(ids[9], "ctr-10");  // not sorted as strings
  auto listed = rt_.listContainers();
  EXPECT_EQ((*listed)[11].id(), "ctr-12");
}

TEST_F(FakeCriRuntimeTest, InjectedErrorsAndCallLog) {
  rt_.addImage("busybox");
  rt_.injectError("RunPodSandbox", Status::error(EIO, "cni failed"));
  auto first = rt_.runPodSandbox(pod("web"), "");
  EXPECT_EQ(first.status().code(), EIO);
  std::string sb = run(pod("web"));  // one-shot: the retry works
  rt_.injectError("StartContainer", Status::error(EIO, "always"), -1);
  std::string id = create(sb, container("app"));
  EXPECT_EQ(rt_.startContainer(id).code(), EIO);
  EXPECT_EQ(rt_.startContainer(id).code(), EIO);
  rt_.clearErrors();
  EXPECT_TRUE(rt_.startContainer(id).isOk());
  (void)rt_.containerStatus(id);
  EXPECT_EQ(rt_.callLog(),
            (std::vector<std::string>{"RunPodSandbox web", "RunPodSandbox web",
                                      "CreateContainer app", "StartContainer ctr-1",
                                      "StartContainer ctr-1", "StartContainer ctr-1"}));
  auto all = rt_.callLog(/*include_reads=*/true);
  EXPECT_EQ(all.back(), "ContainerStatus ctr-1");
  rt_.clearCalls();
  EXPECT_TRUE(rt_.calls().empty());
}

TEST_F(FakeCriRuntimeTest, ExecSyncScripts) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  std::string a = create(sb, container("a"));
  std::string b = create(sb, container("b"));
  // Not running yet.
  EXPECT_EQ(rt_.execSync(a, {"true"}, seconds(1)).status().code(), EINVAL);
  ASSERT_TRUE(rt_.startContainer(a).isOk());
  ASSERT_TRUE(rt_.startContainer(b).isOk());
  rt_.scriptExec({"cat", "/ready"}, agent::ExecSyncResult{"ok\n", "", 0});
  rt_.scriptExec({"cat", "/ready"}, agent::ExecSyncResult{"", "no such file\n", 1}, b);
  rt_.scriptExec({"sleep", "100"}, Status::timeout("command timed out"));
  auto r = rt_.execSync(a, {"cat", "/ready"}, seconds(1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->stdout_data, "ok\n");
  r = rt_.execSync(b, {"cat", "/ready"}, seconds(1));
  EXPECT_EQ(r->exit_code, 1);
  EXPECT_EQ(r->stderr_data, "no such file\n");
  EXPECT_EQ(rt_.execSync(a, {"sleep", "100"}, seconds(1)).status().code(), ETIMEDOUT);
  r = rt_.execSync(a, {"echo"}, seconds(1));  // unscripted
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(rt_.execSync("ctr-99", {"echo"}, seconds(1)).status().code(), ENOENT);
}

TEST_F(FakeCriRuntimeTest, ReadinessSandboxStateAndIp) {
  auto st = rt_.status();
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->runtime_ready);
  EXPECT_TRUE(st->network_ready);
  rt_.setNetworkReady(false, "NetworkPluginNotReady", "cni config uninitialized");
  st = rt_.status();
  EXPECT_FALSE(st->network_ready);
  EXPECT_EQ(st->network_reason, "NetworkPluginNotReady");
  EXPECT_EQ(st->raw.status().conditions_size(), 2);

  auto host = pod("host");
  host.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      v1::NODE);
  std::string h = run(host);
  std::string p = run(pod("web"));
  EXPECT_EQ(rt_.podSandboxStatus(h)->status.network().ip(), "");
  EXPECT_EQ(rt_.podSandboxStatus(h)->status.linux().namespaces().options().network(), v1::NODE);
  EXPECT_FALSE(rt_.podSandboxStatus(p)->status.network().ip().empty());
  ASSERT_TRUE(rt_.setSandboxState(p, v1::SANDBOX_NOTREADY).isOk());
  EXPECT_EQ(rt_.podSandboxStatus(p)->status.state(), v1::SANDBOX_NOTREADY);
  ASSERT_TRUE(rt_.setSandboxIp(p, "").isOk());
  EXPECT_EQ(rt_.podSandboxStatus(p)->status.network().ip(), "");
  EXPECT_EQ(rt_.podSandboxStatus("sb-77").status().code(), ENOENT);
  ASSERT_TRUE(rt_.updateRuntimeConfig("10.244.0.0/24").isOk());
  EXPECT_EQ(rt_.podCidr(), "10.244.0.0/24");
}

TEST_F(FakeCriRuntimeTest, ResourcesAndLogReopen) {
  rt_.addImage("busybox");
  std::string sb = run(pod("web"));
  std::string id = create(sb, container("app"));
  EXPECT_EQ(rt_.reopenContainerLog(id).code(), EINVAL);  // not running
  ASSERT_TRUE(rt_.startContainer(id).isOk());
  ASSERT_TRUE(rt_.reopenContainerLog(id).isOk());
  EXPECT_EQ(rt_.reopenLogCount(id), 1);
  v1::LinuxContainerResources r;
  r.set_cpu_shares(512);
  ASSERT_TRUE(rt_.updateContainerResources(id, r).isOk());
  EXPECT_EQ(rt_.containerResources(id)->cpu_shares(), 512);
  EXPECT_EQ(rt_.updateContainerResources("nope", r).code(), ENOENT);
  ASSERT_TRUE(rt_.setContainerState(id, v1::CONTAINER_UNKNOWN).isOk());
  EXPECT_EQ(rt_.containerStatus(id)->state(), v1::CONTAINER_UNKNOWN);
  EXPECT_TRUE(rt_.containerConfig(id).has_value());
  EXPECT_EQ(rt_.sandboxConfig(sb)->metadata().name(), "web");
}

}  // namespace
}  // namespace orch::testing
