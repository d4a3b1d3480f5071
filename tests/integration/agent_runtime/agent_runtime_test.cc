// GrpcCriRuntime against a real orch-shim (root, private node namespace): a pod sandbox and
// a busybox container made from an api::Pod by kuberuntime's configs, driven through the
// CriRuntime interface; ExecSync with a timeout is ETIMEDOUT, unknown ids are ENOENT, the
// termination message comes back through the termination-log mount.

#include <unistd.h>

#include <gtest/gtest.h>

#include "agent/kuberuntime/container_config.h"
#include "agent/kuberuntime/container_files.h"
#include "agent/kuberuntime/pod_actions.h"
#include "agent/kuberuntime/pod_runtime_status.h"
#include "agent/kuberuntime/sandbox_config.h"
#include "tests/integration/agent_runtime/shim_runtime_fixture.h"

namespace orch::testing {
namespace {

namespace v1 = runtime::v1;
using agent::CriRuntime;
using std::chrono::seconds;

class AgentRuntimeTest : public ShimRuntimeTest {
 protected:
  api::Pod pod(const std::string& name, std::vector<std::string> command) {
    api::Pod p;
    p.metadata.name = name;
    p.metadata.namespace_ = "default";
    p.metadata.uid = "uid-" + name + "-" + std::to_string(getpid());
    p.spec.restartPolicy = "Never";
    p.spec.dnsPolicy = "ClusterFirst";
    p.spec.terminationGracePeriodSeconds = 1;
    api::Container c;
    c.name = "app";
    c.image = "busybox";
    c.command = std::move(command);
    c.terminationMessagePath = "/dev/termination-log";
    c.terminationMessagePolicy = "File";
    p.spec.containers.push_back(c);
    return p;
  }

  agent::SandboxConfigOptions sandboxOptions() const {
    agent::SandboxConfigOptions o;
    o.pod_logs_dir = logDir();
    o.dns.cluster_dns = {"10.96.0.10"};
    o.dns.cluster_domain = "cluster.local";
    o.dns.host = agent::ResolvConf{{"192.0.2.53"}, {"node.example"}, {}};
    return o;  // cgroup_parent "": the shim's --cgroup-parent
  }

  // Runs the pod's sandbox and its first container the way the sync loop will.
  struct Running {
    std::string sandbox_id, container_id;
    v1::PodSandboxConfig sandbox_config;
  };
  Running runPod(const api::Pod& p) {
    Running r;
    auto sandbox_config = agent::makeSandboxConfig(p, 0, sandboxOptions());
    EXPECT_TRUE(sandbox_config.ok()) << sandbox_config.status().message();
    if (!sandbox_config.ok()) return r;
    r.sandbox_config = *sandbox_config;
    auto sandbox = rt().runPodSandbox(r.sandbox_config, "");
    EXPECT_TRUE(sandbox.ok()) << sandbox.status().message();
    if (!sandbox.ok()) return r;
    r.sandbox_id = *sandbox;

    const api::Container& c = p.spec.containers[0];
    auto image = rt().imageStatus(agent::imageSpec(c.image));
    EXPECT_TRUE(image.ok() && image->has_value()) << "busybox is imported";
    if (!image.ok() || !image->has_value()) return r;
    agent::ContainerConfigInputs in;
    in.image_ref = (*image)->id();
    in.image_user = agent::imageUserOf(&**image);
    in.env = {{"GREETING", "hello"}};
    auto tlog =
        agent::createTerminationLogFile(agent::podContainerDir(rootDir(), p.metadata.uid, c.name));
    EXPECT_TRUE(tlog.ok()) << tlog.status().message();
    in.termination_log_host_path = tlog.valueOr("");
    agent::ContainerConfigOptions options;
    options.memory_capacity_bytes = 8LL << 30;
    options.seccomp_root = rootDir() + "/seccomp";
    auto config = agent::makeContainerConfig(p, c, in, options);
    EXPECT_TRUE(config.ok()) << config.status().message();
    if (!config.ok()) return r;
    auto id = rt().createContainer(r.sandbox_id, *config, r.sandbox_config);
    EXPECT_TRUE(id.ok()) << id.status().message();
    if (!id.ok()) return r;
    r.container_id = *id;
    Status started = rt().startContainer(r.container_id);
    EXPECT_TRUE(started.isOk()) << started.message();
    return r;
  }

  v1::ContainerStatus waitExited(const std::string& id) {
    v1::ContainerStatus status;
    eventually(
        [&] {
          auto st = rt().containerStatus(id);
          if (!st.ok()) return false;
          status = *st;
          return status.state() == v1::CONTAINER_EXITED;
        },
        300);
    return status;
  }
};

TEST_F(AgentRuntimeTest, VersionAndReadiness) {
  auto v = rt().version();
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->runtime_api_version(), "v1");
  EXPECT_FALSE(v->runtime_name().empty());
  auto st = rt().status();
  ASSERT_TRUE(st.ok()) << st.status().message();
  EXPECT_TRUE(st->runtime_ready) << st->runtime_reason << ": " << st->runtime_message;
  EXPECT_TRUE(st->network_ready) << st->network_reason << ": " << st->network_message;
}

TEST_F(AgentRuntimeTest, PodLifecycleThroughCriRuntime) {
  api::Pod p = pod("web", {"sleep", "3600"});
  Running r = runPod(p);
  ASSERT_FALSE(r.container_id.empty());

  auto sandbox = rt().podSandboxStatus(r.sandbox_id);
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().message();
  EXPECT_EQ(sandbox->status.state(), v1::SANDBOX_READY);
  EXPECT_EQ(sandbox->status.network().ip().rfind("10.244.9.", 0), 0u)
      << sandbox->status.network().ip();
  EXPECT_EQ(sandbox->status.labels().at("io.kubernetes.pod.uid"), p.metadata.uid);

  auto status = rt().containerStatus(r.container_id);
  ASSERT_TRUE(status.ok()) << status.status().message();
  EXPECT_EQ(status->state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(status->log_path(), agent::podLogsDirectory(logDir(), p) + "/app/0.log");

  // The runtime's view, read back through the kubelet's labels.
  auto pod_status = agent::getPodRuntimeStatus(rt(), p.metadata.uid, "web", "default");
  ASSERT_TRUE(pod_status.ok()) << pod_status.status().message();
  ASSERT_EQ(pod_status->sandboxes.size(), 1u);
  ASSERT_EQ(pod_status->containers.size(), 1u);
  EXPECT_EQ(pod_status->containers[0].hash, agent::hashContainer(p.spec.containers[0]));
  EXPECT_EQ(pod_status->containers[0].sandbox_id, r.sandbox_id);
  EXPECT_EQ(pod_status->ips, std::vector<std::string>{sandbox->status.network().ip()});
  EXPECT_TRUE(agent::computePodActions(p, *pod_status).nothingToDo());

  // The sandbox config reached the container: DNS, hostname, environment.
  auto resolv = rt().execSync(r.container_id, {"cat", "/etc/resolv.conf"}, seconds(10));
  ASSERT_TRUE(resolv.ok()) << resolv.status().message();
  EXPECT_NE(resolv->stdout_data.find("nameserver 10.96.0.10"), std::string::npos)
      << resolv->stdout_data;
  EXPECT_NE(resolv->stdout_data.find("default.svc.cluster.local svc.cluster.local cluster.local "
                                     "node.example"),
            std::string::npos)
      << resolv->stdout_data;
  EXPECT_NE(resolv->stdout_data.find("ndots:5"), std::string::npos) << resolv->stdout_data;
  auto hostname = rt().execSync(r.container_id, {"hostname"}, seconds(10));
  ASSERT_TRUE(hostname.ok());
  EXPECT_EQ(hostname->stdout_data, "web\n");
  auto env = rt().execSync(r.container_id, {"sh", "-c", "echo $GREETING; echo err >&2; exit 3"},
                           seconds(10));
  ASSERT_TRUE(env.ok()) << env.status().message();
  EXPECT_EQ(env->stdout_data, "hello\n");
  EXPECT_EQ(env->stderr_data, "err\n");
  EXPECT_EQ(env->exit_code, 3);

  // A command outliving its timeout.
  auto slow = rt().execSync(r.container_id, {"sleep", "30"}, seconds(1));
  EXPECT_EQ(slow.status().code(), ETIMEDOUT) << slow.status().message();

  EXPECT_TRUE(rt().reopenContainerLog(r.container_id).isOk());
  v1::ContainerFilter filter;
  (*filter.mutable_label_selector())["io.kubernetes.pod.uid"] = p.metadata.uid;
  auto listed = rt().listContainers(filter);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id(), r.container_id);

  ASSERT_TRUE(rt().stopContainer(r.container_id, 1).isOk());
  EXPECT_EQ(rt().containerStatus(r.container_id)->state(), v1::CONTAINER_EXITED);
  ASSERT_TRUE(rt().removeContainer(r.container_id).isOk());
  EXPECT_EQ(rt().containerStatus(r.container_id).status().code(), ENOENT);
  ASSERT_TRUE(rt().stopPodSandbox(r.sandbox_id).isOk());
  EXPECT_EQ(rt().podSandboxStatus(r.sandbox_id)->status.state(), v1::SANDBOX_NOTREADY);
  ASSERT_TRUE(rt().removePodSandbox(r.sandbox_id).isOk());
  EXPECT_EQ(rt().podSandboxStatus(r.sandbox_id).status().code(), ENOENT);
}

TEST_F(AgentRuntimeTest, UnknownIdsAreEnoent) {
  const std::string id = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(rt().containerStatus(id).status().code(), ENOENT);
  EXPECT_EQ(rt().startContainer(id).code(), ENOENT);
  EXPECT_EQ(rt().execSync(id, {"true"}, seconds(1)).status().code(), ENOENT);
  EXPECT_EQ(rt().podSandboxStatus(id).status().code(), ENOENT);
  EXPECT_EQ(rt().stopPodSandbox(id).code(), ENOENT);
  // Removing what is not there is not an error (CRI).
  EXPECT_TRUE(rt().removeContainer(id).isOk());
  EXPECT_TRUE(rt().removePodSandbox(id).isOk());
  EXPECT_FALSE(rt().imageStatus(agent::imageSpec("no-such-image:1"))->has_value());
}

TEST_F(AgentRuntimeTest, ExitCodeAndTerminationMessage) {
  api::Pod p = pod("job", {"sh", "-c", "echo bye > /dev/termination-log; exit 3"});
  Running r = runPod(p);
  ASSERT_FALSE(r.container_id.empty());
  v1::ContainerStatus st = waitExited(r.container_id);
  ASSERT_EQ(st.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(st.exit_code(), 3);
  std::string host = agent::terminationLogHostPath(st, "/dev/termination-log");
  ASSERT_FALSE(host.empty());
  EXPECT_EQ(agent::readTerminationMessage(host).valueOr("?"), "bye\n");

  // restartPolicy Never, the only container exited: the pod is done.
  auto pod_status = agent::getPodRuntimeStatus(rt(), p.metadata.uid, "job", "default");
  ASSERT_TRUE(pod_status.ok());
  agent::PodActions actions = agent::computePodActions(p, *pod_status);
  EXPECT_TRUE(actions.kill_pod);
  EXPECT_FALSE(actions.create_sandbox);
  EXPECT_TRUE(actions.containers_to_start.empty());
}

}  // namespace
}  // namespace orch::testing
