// Container -> ContainerConfig: a golden sample, then resources, passthrough of env/mounts,
// the termination-log mount, security context and runAsNonRoot.

#include "agent/kuberuntime/container_config.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_kuberuntime/golden.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

namespace v1 = runtime::v1;
using testing::container;
using testing::pod;
using testing::resources;

constexpr int64_t kGi = 1024 * 1024 * 1024;

ContainerConfigOptions options() {
  ContainerConfigOptions o;
  o.memory_capacity_bytes = 8 * kGi;
  o.seccomp_root = "/var/lib/orch/agent/seccomp";
  return o;
}

ContainerConfigInputs inputs(int32_t restart_count = 0) {
  ContainerConfigInputs in;
  in.restart_count = restart_count;
  in.image_ref = "sha256:abc";
  in.image_user = {1000, ""};
  return in;
}

api::Pod samplePod() {
  api::Pod p = pod("web", "shop", "uid-1");
  api::Container& c = p.spec.containers[0];
  c.image = "nginx:1.25";
  c.command = {"/bin/sh", "-c"};
  c.args = {"echo $(GREETING) $$(HOME)"};
  c.workingDir = "/srv";
  resources(c, "250m", "512Mi", "1", "1Gi");
  c.securityContext.emplace();
  c.securityContext->allowPrivilegeEscalation = false;
  c.securityContext->readOnlyRootFilesystem = true;
  c.securityContext->capabilities.emplace();
  c.securityContext->capabilities->add = {"NET_BIND_SERVICE"};
  c.securityContext->capabilities->drop = {"ALL"};
  c.securityContext->seccompProfile.emplace();
  c.securityContext->seccompProfile->type = "RuntimeDefault";
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsNonRoot = true;
  p.spec.securityContext->fsGroup = 2000;
  return p;
}

ContainerConfigInputs sampleInputs() {
  ContainerConfigInputs in = inputs(2);
  in.env = {{"GREETING", "hello"}, {"B_FIRST_IS_NOT_SORTED", "1"}};
  in.mounts = {{"/data", "/var/lib/orch/agent/pods/uid-1/volumes/kubernetes.io~empty-dir/data",
                false, v1::PROPAGATION_PRIVATE, false},
               {"/etc/config", "/var/lib/orch/agent/pods/uid-1/volumes/kubernetes.io~configmap/cfg",
                true, v1::PROPAGATION_HOST_TO_CONTAINER, true}};
  in.termination_log_host_path = "/var/lib/orch/agent/pods/uid-1/containers/app/0123abcd";
  in.expand = [](const std::string& s) {
    std::string out = s;
    auto pos = out.find("$(GREETING)");
    if (pos != std::string::npos) out.replace(pos, 11, "hello");
    return out;
  };
  return in;
}

TEST(ContainerConfig, SampleGolden) {
  api::Pod p = samplePod();
  auto c = makeContainerConfig(p, p.spec.containers[0], sampleInputs(), options());
  ASSERT_TRUE(c.ok()) << c.status().message();
  testing::expectGolden("sample_container", *c);

  EXPECT_EQ(c->metadata().name(), "app");
  EXPECT_EQ(c->metadata().attempt(), 2u);
  EXPECT_EQ(c->image().image(), "sha256:abc");
  EXPECT_EQ(c->image().user_specified_image(), "nginx:1.25");
  EXPECT_EQ(c->args(0), "echo hello $$(HOME)");  // expansion is the callback's business
  EXPECT_EQ(c->log_path(), "app/2.log");
  EXPECT_EQ(c->annotations().at("io.kubernetes.container.restartCount"), "2");
  EXPECT_EQ(c->labels().at("io.kubernetes.container.name"), "app");
}

TEST(ContainerConfig, EnvAndMountsPassThroughInOrder) {
  api::Pod p = samplePod();
  auto c = makeContainerConfig(p, p.spec.containers[0], sampleInputs(), options());
  ASSERT_EQ(c->envs_size(), 2);
  EXPECT_EQ(c->envs(0).key(), "GREETING");
  EXPECT_EQ(c->envs(1).key(), "B_FIRST_IS_NOT_SORTED");
  ASSERT_EQ(c->mounts_size(), 3);
  EXPECT_EQ(c->mounts(0).container_path(), "/data");
  EXPECT_FALSE(c->mounts(0).readonly());
  EXPECT_EQ(c->mounts(1).propagation(), v1::PROPAGATION_HOST_TO_CONTAINER);
  EXPECT_TRUE(c->mounts(1).readonly());
  EXPECT_TRUE(c->mounts(1).recursive_read_only());
  // The termination-log file goes last, writable, at terminationMessagePath.
  EXPECT_EQ(c->mounts(2).container_path(), "/dev/termination-log");
  EXPECT_EQ(c->mounts(2).host_path(), "/var/lib/orch/agent/pods/uid-1/containers/app/0123abcd");
  EXPECT_FALSE(c->mounts(2).readonly());
}

TEST(ContainerConfig, TerminationLogMountNeedsPathAndFile) {
  api::Pod p = pod();
  ContainerConfigInputs in = inputs();
  auto c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_EQ(c->mounts_size(), 0);  // no file prepared
  in.termination_log_host_path = "/x/y";
  p.spec.containers[0].terminationMessagePath = "";
  c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_EQ(c->mounts_size(), 0);  // no path in the spec
  p.spec.containers[0].terminationMessagePath = "/tmp/msg";
  c = makeContainerConfig(p, p.spec.containers[0], in, options());
  ASSERT_EQ(c->mounts_size(), 1);
  EXPECT_EQ(c->mounts(0).container_path(), "/tmp/msg");
}

TEST(ContainerConfig, ResourcesAndOomScoreAdj) {
  api::Pod p = pod();
  resources(p.spec.containers[0], "250m", "2Gi", "500m", "4Gi");
  auto c = makeContainerConfig(p, p.spec.containers[0], inputs(), options());
  const auto& r = c->linux().resources();
  EXPECT_EQ(r.cpu_shares(), 256);
  EXPECT_EQ(r.cpu_period(), 100000);
  EXPECT_EQ(r.cpu_quota(), 50000);
  EXPECT_EQ(r.memory_limit_in_bytes(), 4 * kGi);
  EXPECT_EQ(r.oom_score_adj(), 750);  // 1000 - 1000 * 2Gi / 8Gi

  resources(p.spec.containers[0], "500m", "4Gi", "500m", "4Gi");
  c = makeContainerConfig(p, p.spec.containers[0], inputs(), options());
  EXPECT_EQ(c->linux().resources().oom_score_adj(), -997);  // Guaranteed

  p = pod();
  c = makeContainerConfig(p, p.spec.containers[0], inputs(), options());
  EXPECT_EQ(c->linux().resources().oom_score_adj(), 1000);  // BestEffort
  EXPECT_EQ(c->linux().resources().cpu_shares(), 2);
  EXPECT_EQ(c->linux().resources().memory_limit_in_bytes(), 0);
}

TEST(ContainerConfig, ImageRefFallsBackToSpecImage) {
  api::Pod p = pod();
  ContainerConfigInputs in = inputs();
  in.image_ref.clear();
  auto c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_EQ(c->image().image(), "busybox");
  EXPECT_EQ(c->command_size(), 0);
  p.spec.containers[0].stdin = true;
  p.spec.containers[0].tty = true;
  c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_TRUE(c->stdin());
  EXPECT_TRUE(c->tty());
  EXPECT_FALSE(c->stdin_once());
}

TEST(SecurityContext, UsersAndGroups) {
  api::Pod p = pod();
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsUser = 1000;
  p.spec.securityContext->runAsGroup = 1000;
  p.spec.securityContext->fsGroup = 2000;
  p.spec.securityContext->supplementalGroups = {3000, 3001};
  p.spec.securityContext->supplementalGroupsPolicy = "Strict";
  api::Container& ctr = p.spec.containers[0];
  ctr.securityContext.emplace();
  ctr.securityContext->runAsUser = 1500;  // the container's wins
  auto c = makeContainerConfig(p, ctr, inputs(), options());
  const auto& sc = c->linux().security_context();
  EXPECT_EQ(sc.run_as_user().value(), 1500);
  EXPECT_EQ(sc.run_as_group().value(), 1000);
  EXPECT_EQ(sc.run_as_username(), "");
  EXPECT_EQ(std::vector<int64_t>(sc.supplemental_groups().begin(), sc.supplemental_groups().end()),
            (std::vector<int64_t>{2000, 3000, 3001}));
  EXPECT_EQ(sc.supplemental_groups_policy(), v1::Strict);

  // Without runAsUser: the image's uid, or its user name.
  p = pod();
  ContainerConfigInputs in = inputs();
  in.image_user = {std::nullopt, "nginx"};
  c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_FALSE(c->linux().security_context().has_run_as_user());
  EXPECT_EQ(c->linux().security_context().run_as_username(), "nginx");
  in.image_user = imageUserOf(nullptr);  // nothing known: root
  c = makeContainerConfig(p, p.spec.containers[0], in, options());
  EXPECT_EQ(c->linux().security_context().run_as_user().value(), 0);
}

TEST(SecurityContext, PrivilegesAndFilesystem) {
  api::Pod p = pod();
  api::Container& ctr = p.spec.containers[0];
  auto c = makeContainerConfig(p, ctr, inputs(), options());
  EXPECT_FALSE(c->linux().security_context().privileged());
  EXPECT_FALSE(c->linux().security_context().no_new_privs());
  EXPECT_FALSE(c->linux().security_context().readonly_rootfs());
  EXPECT_EQ(c->linux().security_context().masked_paths_size(), 0);  // runtime defaults

  ctr.securityContext.emplace();
  ctr.securityContext->privileged = true;
  ctr.securityContext->allowPrivilegeEscalation = true;
  ctr.securityContext->readOnlyRootFilesystem = true;
  ctr.securityContext->capabilities.emplace();
  ctr.securityContext->capabilities->add = {"NET_ADMIN", "SYS_TIME"};
  c = makeContainerConfig(p, ctr, inputs(), options());
  const auto& sc = c->linux().security_context();
  EXPECT_TRUE(sc.privileged());
  EXPECT_FALSE(sc.no_new_privs());
  EXPECT_TRUE(sc.readonly_rootfs());
  EXPECT_EQ(sc.capabilities().add_capabilities_size(), 2);
  EXPECT_EQ(sc.capabilities().add_capabilities(1), "SYS_TIME");

  ctr.securityContext->allowPrivilegeEscalation = false;
  c = makeContainerConfig(p, ctr, inputs(), options());
  EXPECT_TRUE(c->linux().security_context().no_new_privs());
}

TEST(SecurityContext, Seccomp) {
  api::Pod p = pod();
  api::Container& ctr = p.spec.containers[0];
  auto profile = [&](ContainerConfigOptions o = options()) {
    auto c = makeContainerConfig(p, ctr, inputs(), o);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? c->linux().security_context().seccomp() : v1::SecurityProfile();
  };
  EXPECT_EQ(profile().profile_type(), v1::SecurityProfile::Unconfined);
  ContainerConfigOptions with_default = options();
  with_default.seccomp_default = true;
  EXPECT_EQ(profile(with_default).profile_type(), v1::SecurityProfile::RuntimeDefault);

  p.spec.securityContext.emplace();
  p.spec.securityContext->seccompProfile.emplace();
  p.spec.securityContext->seccompProfile->type = "Localhost";
  p.spec.securityContext->seccompProfile->localhostProfile = "profiles/audit.json";
  auto local = profile();
  EXPECT_EQ(local.profile_type(), v1::SecurityProfile::Localhost);
  EXPECT_EQ(local.localhost_ref(), "/var/lib/orch/agent/seccomp/profiles/audit.json");

  // The container's profile wins over the pod's.
  ctr.securityContext.emplace();
  ctr.securityContext->seccompProfile.emplace();
  ctr.securityContext->seccompProfile->type = "Unconfined";
  EXPECT_EQ(profile(with_default).profile_type(), v1::SecurityProfile::Unconfined);

  ctr.securityContext->seccompProfile->type = "Localhost";
  auto bad = makeContainerConfig(p, ctr, inputs(), options());
  EXPECT_EQ(bad.status().code(), EINVAL);
}

TEST(SecurityContext, PidNamespaceFollowsThePod) {
  api::Pod p = pod();
  auto pid = [&] {
    return makeContainerConfig(p, p.spec.containers[0], inputs(), options())
        ->linux()
        .security_context()
        .namespace_options()
        .pid();
  };
  EXPECT_EQ(pid(), v1::CONTAINER);
  p.spec.shareProcessNamespace = true;
  EXPECT_EQ(pid(), v1::POD);
  p.spec.hostPID = true;
  EXPECT_EQ(pid(), v1::NODE);
}

TEST(SecurityContext, RunAsNonRoot) {
  api::Pod p = pod();
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsNonRoot = true;
  api::Container& ctr = p.spec.containers[0];
  ContainerConfigInputs in = inputs();

  in.image_user = {0, ""};
  auto c = makeContainerConfig(p, ctr, in, options());
  EXPECT_EQ(c.status().code(), EPERM);
  EXPECT_NE(c.status().context().find("image will run as root"), std::string::npos);

  in.image_user = imageUserOf(nullptr);  // unknown user counts as root
  EXPECT_EQ(makeContainerConfig(p, ctr, in, options()).status().code(), EPERM);

  in.image_user = {std::nullopt, "nginx"};
  c = makeContainerConfig(p, ctr, in, options());
  EXPECT_EQ(c.status().code(), EPERM);
  EXPECT_NE(c.status().context().find("non-numeric user (nginx)"), std::string::npos);

  in.image_user = {1000, ""};
  EXPECT_TRUE(makeContainerConfig(p, ctr, in, options()).ok());

  // runAsUser decides before the image does.
  in.image_user = {0, ""};
  ctr.securityContext.emplace();
  ctr.securityContext->runAsUser = 1000;
  EXPECT_TRUE(makeContainerConfig(p, ctr, in, options()).ok());
  ctr.securityContext->runAsUser = 0;
  c = makeContainerConfig(p, ctr, in, options());
  EXPECT_EQ(c.status().code(), EPERM);
  EXPECT_NE(c.status().context().find("runAsUser breaks non-root policy"), std::string::npos);

  // The container can lift the pod's requirement.
  ctr.securityContext->runAsNonRoot = false;
  EXPECT_TRUE(makeContainerConfig(p, ctr, in, options()).ok());
}

}  // namespace
}  // namespace orch::agent
