// The agent's core logic without root: pod phase and status from runtime state, static pod
// manifests, and the PLEG's relist over a fake runtime.
#include <gtest/gtest.h>

#include <set>

#include "agent/pleg/pleg.h"
#include "agent/pods/static_pods.h"
#include "agent/status/pod_status_builder.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_cri_runtime.h"
#include "tests/support/temp_dir.h"

namespace orch::agent {
namespace {

api::ContainerStatus running(const std::string& name) {
  api::ContainerStatus s;
  s.name = name;
  s.state.running = api::ContainerStateRunning{};
  return s;
}
api::ContainerStatus exited(const std::string& name, int code, bool waiting_restart = false) {
  api::ContainerStatus s;
  s.name = name;
  api::ContainerStateTerminated t;
  t.exitCode = code;
  if (waiting_restart) {
    s.state.waiting = api::ContainerStateWaiting{.reason = "CrashLoopBackOff"};
    s.lastState.terminated = t;
  } else {
    s.state.terminated = t;
  }
  return s;
}
api::ContainerStatus waiting(const std::string& name) {
  api::ContainerStatus s;
  s.name = name;
  s.state.waiting = api::ContainerStateWaiting{.reason = "ContainerCreating"};
  return s;
}

api::PodSpec specWith(std::string policy, int containers, int init = 0) {
  api::PodSpec spec;
  spec.restartPolicy = std::move(policy);
  for (int i = 0; i < containers; ++i)
    spec.containers.push_back(api::Container{.name = "c" + std::to_string(i)});
  for (int i = 0; i < init; ++i)
    spec.initContainers.push_back(api::Container{.name = "i" + std::to_string(i)});
  return spec;
}

TEST(PodPhase, AsUpstreamGetPhase) {
  EXPECT_EQ(podPhase(specWith("Always", 1), {}, {waiting("c0")}), "Pending");
  EXPECT_EQ(podPhase(specWith("Always", 2), {}, {running("c0"), waiting("c1")}), "Running");
  EXPECT_EQ(podPhase(specWith("Always", 1), {}, {exited("c0", 1, true)}), "Running");
  EXPECT_EQ(podPhase(specWith("Never", 2), {}, {exited("c0", 0), exited("c1", 0)}), "Succeeded");
  EXPECT_EQ(podPhase(specWith("Never", 2), {}, {exited("c0", 0), exited("c1", 2)}), "Failed");
  EXPECT_EQ(podPhase(specWith("OnFailure", 1), {}, {exited("c0", 2, true)}), "Running");
  EXPECT_EQ(podPhase(specWith("OnFailure", 1), {}, {exited("c0", 0)}), "Succeeded");
  // Init containers: pending until done; a failed one under Never fails the pod.
  EXPECT_EQ(podPhase(specWith("Always", 1, 1), {running("i0")}, {waiting("c0")}), "Pending");
  EXPECT_EQ(podPhase(specWith("Never", 1, 1), {exited("i0", 1)}, {waiting("c0")}), "Failed");
  EXPECT_EQ(podPhase(specWith("Always", 1, 1), {exited("i0", 0)}, {running("c0")}), "Running");
}

ContainerRuntimeStatus instance(const std::string& id, const std::string& name,
                                runtime::v1::ContainerState state, int64_t created_s,
                                int exit_code = 0, int restart = 0) {
  ContainerRuntimeStatus c;
  c.id = id;
  c.name = name;
  c.state = state;
  c.created_at = Clock::WallTime(std::chrono::seconds(created_s));
  c.started_at = c.created_at + std::chrono::seconds(1);
  if (state == runtime::v1::CONTAINER_EXITED)
    c.finished_at = c.started_at + std::chrono::seconds(1);
  c.exit_code = exit_code;
  c.restart_count = restart;
  c.image_ref = "sha256:img";
  return c;
}

TEST(PodStatusBuilder, StatusesConditionsAndIps) {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.uid = "u1";
  pod.spec = specWith("Always", 2);
  pod.spec.containers[0].image = "busybox";
  pod.spec.containers[1].image = "busybox";
  pod.status.qosClass = "BestEffort";
  pod.status.conditions.push_back(api::PodCondition{.type = "PodScheduled", .status = "True"});
  SandboxRuntimeStatus sb;
  sb.id = "sb1";
  sb.state = runtime::v1::SANDBOX_READY;
  sb.ip = "10.0.0.5";
  sb.has_network_status = true;
  auto rt =
      assemblePodRuntimeStatus("u1", "web", "default", {sb},
                               {instance("a2", "c0", runtime::v1::CONTAINER_RUNNING, 20, 0, 1),
                                instance("a1", "c0", runtime::v1::CONTAINER_EXITED, 10, 137, 0),
                                instance("b1", "c1", runtime::v1::CONTAINER_RUNNING, 12)});
  PodStatusInputs in;
  in.pod = &pod;
  in.runtime = &rt;
  in.ready = [](const std::string& name) { return name == "c0"; };
  in.runtime_name = "orch-shim";
  in.host_ips = {"192.0.2.1"};
  in.now = Clock::WallTime(std::chrono::seconds(100));
  api::PodStatus s = buildPodStatus(in);
  EXPECT_EQ(s.phase, "Running");
  EXPECT_EQ(s.podIP, "10.0.0.5");
  EXPECT_EQ(s.hostIP, "192.0.2.1");
  EXPECT_EQ(s.qosClass, "BestEffort");
  ASSERT_EQ(s.containerStatuses.size(), 2u);
  const auto& c0 = s.containerStatuses[0];
  EXPECT_TRUE(c0.state.running.has_value());
  EXPECT_EQ(c0.restartCount, 1);
  EXPECT_EQ(c0.containerID, "orch-shim://a2");
  ASSERT_TRUE(c0.lastState.terminated.has_value());
  EXPECT_EQ(c0.lastState.terminated->exitCode, 137);
  EXPECT_TRUE(c0.ready);
  EXPECT_FALSE(s.containerStatuses[1].ready);
  std::map<std::string, api::PodCondition> conds;
  for (const auto& c : s.conditions) conds[c.type] = c;
  EXPECT_EQ(conds["PodScheduled"].status, "True");
  EXPECT_EQ(conds["PodReadyToStartContainers"].status, "True");
  EXPECT_EQ(conds["Initialized"].status, "True");
  EXPECT_EQ(conds["ContainersReady"].status, "False");
  EXPECT_EQ(conds["Ready"].message, "containers with unready status: [c1]");

  // A condition whose status did not change keeps its transition time.
  pod.status = s;
  in.now = Clock::WallTime(std::chrono::seconds(500));
  api::PodStatus again = buildPodStatus(in);
  for (const auto& c : again.conditions) {
    if (c.type == "Ready") {
      EXPECT_EQ(c.lastTransitionTime->timePoint(), Clock::WallTime(std::chrono::seconds(100)));
    }
  }
}

TEST(StaticPods, NamedAfterTheNodeDefaultedAndStable) {
  const std::string manifest = R"(apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers: [{name: etcd, image: "busybox:1.36"}]
)";
  auto a = staticPodFromManifest(manifest, "/etc/orch/manifests/etcd.yaml", "node1");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->metadata.name, "etcd-node1");
  EXPECT_EQ(a->metadata.namespace_, "kube-system");
  EXPECT_EQ(a->spec.nodeName, "node1");
  EXPECT_EQ(a->spec.restartPolicy, "Always");  // upstream defaulting
  EXPECT_EQ(a->spec.containers[0].imagePullPolicy, "IfNotPresent");
  EXPECT_TRUE(isStaticPod(*a));
  EXPECT_FALSE(a->metadata.uid.empty());
  auto same = staticPodFromManifest(manifest, "/etc/orch/manifests/etcd.yaml", "node1");
  EXPECT_EQ(same->metadata.uid, a->metadata.uid);
  auto edited = staticPodFromManifest(manifest + "  hostNetwork: true\n",
                                      "/etc/orch/manifests/etcd.yaml", "node1");
  ASSERT_TRUE(edited.ok()) << edited.status().message();
  EXPECT_NE(edited->metadata.uid, a->metadata.uid);

  api::Pod mirror = mirrorPodOf(*a, "node-uid");
  EXPECT_TRUE(isMirrorPod(mirror));
  EXPECT_TRUE(mirror.metadata.uid.empty());
  ASSERT_EQ(mirror.metadata.ownerReferences.size(), 1u);
  EXPECT_EQ(mirror.metadata.ownerReferences[0].kind, "Node");
  EXPECT_EQ(mirror.metadata.ownerReferences[0].uid, "node-uid");

  auto bad = staticPodFromManifest(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}]}\n", "x.yaml",
      "node1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().context().find("spec.containers[0].image"), std::string::npos)
      << bad.status().context();
  EXPECT_FALSE(staticPodFromManifest("kind: Service\n", "s.yaml", "node1").ok());
  // Wrong JSON types are errors, not exceptions.
  EXPECT_FALSE(staticPodFromManifest("kind: Pod\nmetadata: 3\n", "m.yaml", "node1").ok());
  EXPECT_FALSE(
      staticPodFromManifest("kind: Pod\nmetadata: {name: a}\nspec: x\n", "m.yaml", "node1").ok());
}

TEST(StaticPods, ReadsTheManifestDir) {
  orch::testing::TempDir dir;
  dir.write("web.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, "
            "image: busybox}]}\n");
  dir.write("bad.json", "{\"kind\": \"Pod\"}");
  dir.write(".hidden.yaml", "garbage");
  dir.write("notes.txt", "not a manifest");
  StaticPodScan scan = readStaticPods(dir.path(), "n1");
  ASSERT_EQ(scan.pods.size(), 1u);
  EXPECT_EQ(scan.pods[0].metadata.name, "web-n1");
  ASSERT_EQ(scan.errors.size(), 1u);
  EXPECT_NE(scan.errors[0].first.find("bad.json"), std::string::npos);
  EXPECT_TRUE(readStaticPods(dir.path() + "/absent", "n1").pods.empty());
}

TEST(Pleg, ReportsPodsWhoseSandboxesOrContainersChanged) {
  testing::FakeClock clock;
  testing::FakeCriRuntime runtime(clock);
  std::vector<std::string> changed;
  Pleg pleg(runtime, clock, [&](const std::string& uid) { changed.push_back(uid); });
  runtime::v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name("p");
  config.mutable_metadata()->set_namespace_("default");
  config.mutable_metadata()->set_uid("uid-1");
  (*config.mutable_labels())["io.kubernetes.pod.uid"] = "uid-1";
  auto sandbox = runtime.runPodSandbox(config, "");
  ASSERT_TRUE(sandbox.ok());
  ASSERT_TRUE(pleg.relist().isOk());
  EXPECT_EQ(changed, std::vector<std::string>{"uid-1"});
  changed.clear();
  ASSERT_TRUE(pleg.relist().isOk());
  EXPECT_TRUE(changed.empty());  // nothing changed
  ASSERT_TRUE(runtime.stopPodSandbox(*sandbox).isOk());
  ASSERT_TRUE(pleg.relist().isOk());
  EXPECT_EQ(changed, std::vector<std::string>{"uid-1"});
  changed.clear();
  ASSERT_TRUE(runtime.removePodSandbox(*sandbox).isOk());
  ASSERT_TRUE(pleg.relist().isOk());
  EXPECT_EQ(changed, std::vector<std::string>{"uid-1"});
  EXPECT_TRUE(pleg.healthy());
}

}  // namespace
}  // namespace orch::agent
