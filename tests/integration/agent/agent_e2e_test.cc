// orch-agent end to end, as root: the real orch-apiserver, orch-shim and orch-agent in a
// private node namespace (dead-end uplink), driven by the real kubectl: the Node registers
// Ready, pods run with their environment and probes, logs reach `kubectl logs` through the
// apiserver's proxy, crash loops back off, deletion completes, and a kill -9 of the agent
// leaves running pods untouched. Each scenario runs with orch-shim and with containerd.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/base/file_util.h"
#include "tests/support/containerd_config.h"
#include "tests/support/daemon.h"
#include "tests/support/eventually.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/netns/node_namespace.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace {

using nlohmann::json;

bool podIsReady(const json& pod) {
  for (const auto& c : pod["status"].value("conditions", json::array()))
    if (c["type"] == "Ready") return c["status"] == "True";
  return false;
}

// Agent rounds are slower than one runtime call: every wait here polls for 30 s or more.
bool waitFor(const std::function<bool()>& pred, int attempts = 300) {
  return eventually(pred, attempts);
}

enum class Runtime { kOrchShim, kContainerd };

// Every scenario runs twice: with orch-shim, and with containerd 1.6 + runc (started by the
// test with its CRI plugin on the same CNI config and our plugins, images imported locally).
class AgentE2eTest : public NetnsTest, public ::testing::WithParamInterface<Runtime> {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    node_ = newNetns();
    ASSERT_NE(node_, nullptr);
    ASSERT_TRUE(addDeadEndUplink(*node_).isOk());
    cgroup_root_ = "/orch-test-agent-" + std::to_string(getpid());
    nlohmann::json conflist =
        bridgeConflist("agent-e2e", "orchtagent0", "10.247.0.0/24", tmp_.path() + "/ipam");
    tmp_.write("net.d/10-e2e.conflist", conflist.dump());
    tmp_.write("manifests/.keep", "");
    auto init = runCommand({ORCH_APISERVER_BIN, "init", "--pki-dir", tmp_.path() + "/pki"});
    ASSERT_TRUE(init.ok() && init->exit_code == 0);
    apiserver_ = startInNode({ORCH_APISERVER_BIN, "--pki-dir", tmp_.path() + "/pki",
                              "--bind-address", "127.0.0.1", "--data-dir", tmp_.path() + "/data"},
                             "apiserver.log");
    if (GetParam() == Runtime::kOrchShim) {
      startOrchShim();
    } else {
      startContainerd();
    }
    if (HasFatalFailure()) return;
    ASSERT_TRUE(node_->run([] { return waitForTcpPort(6443, std::chrono::seconds(20)); }).isOk());
    startAgent();
    std::string last;
    ASSERT_TRUE(waitFor([&] {
      auto r = kubectl({"get", "node", "e2e-node", "-o", "json"});
      last = r.ok() ? r->err + r->out.substr(0, 200) : r.status().message();
      if (!r.ok() || r->exit_code != 0) return false;
      json node = json::parse(r->out);
      for (const auto& c : node["status"]["conditions"])
        if (c["type"] == "Ready") return c["status"] == "True";
      return false;
    })) << last
        << logs();
  }

  void TearDown() override {
    if (!IsSkipped()) {
      // Pods first (static ones by their manifests, the others through the API), so the agent
      // stops them; then the daemons by pid.
      (void)runCommand({"find", tmp_.path() + "/manifests", "-name", "*.yaml", "-delete"});
      (void)kubectl({"delete", "pods", "--all", "--grace-period=0", "--force", "--wait=false"});
      waitFor([&] { return runtimeContainers().empty(); });
      if (HasFailure()) std::fprintf(stderr, "%s\n", logs().c_str());
      agent_.reset();
      shim_.reset();
      if (GetParam() == Runtime::kContainerd) stopContainerdLeftovers();
      apiserver_.reset();
      for (const std::string h : {"cpu", "cpuacct", "cpuset", "memory", "pids", "devices",
                                  "freezer", "blkio", "systemd", "unified"}) {
        std::string dir = "/sys/fs/cgroup/" + h + cgroup_root_;
        (void)runCommand({"find", dir, "-depth", "-type", "d", "-exec", "rmdir", "{}", ";"});
      }
    }
    NetnsTest::TearDown();
  }

  void startOrchShim() {
    auto imported = runCommand(
        {ORCH_SHIM_BIN, "--state-dir", tmp_.path() + "/shim", "import", ORCH_BUSYBOX_TAR});
    ASSERT_TRUE(imported.ok() && imported->exit_code == 0);
    runtime_endpoint_ = "unix://" + tmp_.path() + "/shim.sock";
    shim_ = startInNode(
        {ORCH_SHIM_BIN, "--state-dir", tmp_.path() + "/shim", "--listen", runtime_endpoint_,
         "--cni-conf-dir", tmp_.path() + "/net.d", "--cni-bin-dir", ORCH_CNI_BIN_DIR,
         "--cni-cache-dir", tmp_.path() + "/cni", "--cgroup-parent", cgroup_root_},
        "shim.log");
    ASSERT_TRUE(waitForUnixSocket(tmp_.path() + "/shim.sock", std::chrono::seconds(20)).isOk());
  }

  void startContainerd() {
    containerd_ = {.dir = tmp_.path() + "/containerd",
                   .cni_conf_dir = tmp_.path() + "/net.d",
                   .cni_bin_dir = ORCH_CNI_BIN_DIR,
                   .runc = findRunc()};
    made_containerd_run_dir_ = access(kContainerdRunDir, F_OK) != 0;
    tmp_.write("containerd/config.toml", containerdConfigToml(containerd_));
    runtime_endpoint_ = "unix://" + containerdSocket(containerd_);
    shim_ = startInNode({"containerd", "--config", containerd_.dir + "/config.toml"}, "shim.log");
    ASSERT_TRUE(waitForUnixSocket(containerdSocket(containerd_), std::chrono::seconds(30)).isOk())
        << logs();
    for (const char* tar : {ORCH_PAUSE_TAR, ORCH_BUSYBOX_TAR}) {
      auto r = runCommand({"ctr", "--address", containerdSocket(containerd_), "-n", "k8s.io",
                           "images", "import", tar});
      ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
    }
  }

  // containerd's shims outlive it by design; once every pod is gone they have nothing left to
  // serve: end those of this test (found by our socket path on their command line) by pid.
  void stopContainerdLeftovers() {
    auto ps = runCommand({"pgrep", "-f", "containerd-shim.*" + containerdSocket(containerd_)});
    if (ps.ok()) {
      std::istringstream pids(ps->out);
      for (int pid; pids >> pid;) ::kill(pid, SIGKILL);
    }
    if (made_containerd_run_dir_) {
      (void)runCommand({"rmdir", std::string(kContainerdRunDir) + "/s", kContainerdRunDir});
    }
  }

  // The ids of the runtime's containers (of this test's runtime instance).
  std::string runtimeContainers() {
    auto r = GetParam() == Runtime::kOrchShim
                 ? runCommand({"find", tmp_.path() + "/shim/containers", "-mindepth", "1",
                               "-maxdepth", "1"})
                 : runCommand({"ctr", "--address", containerdSocket(containerd_), "-n", "k8s.io",
                               "containers", "ls", "-q"});
    return r.ok() ? r->out : "unknown: " + r.status().message();
  }
  std::string containerIdScheme() const {
    return GetParam() == Runtime::kOrchShim ? "orch-shim://" : "containerd://";
  }

  std::optional<Daemon> startInNode(std::vector<std::string> argv, const std::string& log) {
    argv.insert(argv.begin(), {"nsenter", "--net=/run/netns/" + node_->name()});
    auto d = Daemon::start(argv, tmp_.path() + "/" + log);
    EXPECT_TRUE(d.ok()) << d.status().message();
    if (!d.ok()) return std::nullopt;
    return std::move(*d);
  }

  void startAgent() {
    agent_ =
        startInNode({ORCH_AGENT_BIN, "--kubeconfig", tmp_.path() + "/pki/admin.kubeconfig",
                     "--container-runtime-endpoint", runtime_endpoint_, "--root-dir",
                     tmp_.path() + "/agent", "--pod-logs-dir", tmp_.path() + "/logs",
                     "--hostname-override", "e2e-node", "--node-ip", "192.0.2.1", "--cgroup-root",
                     cgroup_root_, "--pod-manifest-path", tmp_.path() + "/manifests"},
                    "agent.log");
  }
  void killAgent() {
    ASSERT_TRUE(agent_.has_value());
    ASSERT_TRUE(agent_->kill().isOk());
    agent_.reset();
  }

  Result<RunResult> kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), {"nsenter", "--net=/run/netns/" + node_->name(), "kubectl",
                               "--kubeconfig", tmp_.path() + "/pki/admin.kubeconfig"});
    return runCommand(args);
  }
  void apply(const std::string& manifest) {
    std::string path = tmp_.write("manifest-" + std::to_string(++manifests_) + ".yaml", manifest);
    auto r = kubectl({"apply", "-f", path});
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().message());
  }
  // A pod bound to this node with a 1 s grace period; `spec_rest` continues its spec.
  void applyPod(const std::string& name, const std::string& spec_rest) {
    apply("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
          "}\nspec:\n  nodeName: e2e-node\n  terminationGracePeriodSeconds: 1\n" + spec_rest);
  }
  json pod(const std::string& name) {
    auto r = kubectl({"get", "pod", name, "-o", "json"});
    if (!r.ok() || r->exit_code != 0) return json();
    return json::parse(r->out);
  }
  std::string logs() const {
    std::string out;
    for (const char* f : {"agent.log", "shim.log"})
      out += std::string("--- ") + f + "\n" + readFile(tmp_.path() + "/" + f).valueOr("");
    return out;
  }

  TempDir tmp_;
  TestNetns* node_ = nullptr;
  std::string cgroup_root_;
  std::optional<Daemon> apiserver_, shim_, agent_;  // shim_: orch-shim or containerd
  std::string runtime_endpoint_;
  ContainerdLayout containerd_;
  bool made_containerd_run_dir_ = false;
  int manifests_ = 0;
};

TEST_P(AgentE2eTest, PodRunsIsReadyLogsAndIsDeleted) {
  apply(R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo hello from $(MY_NAME) in $(MY_NS); while true; do sleep 1; done"]
    env:
    - {name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MY_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    readinessProbe:
      exec: {command: ["true"]}
      periodSeconds: 1
)");
  json p;
  ASSERT_TRUE(waitFor([&] {
    p = pod("web");
    return podIsReady(p);
  })) << p.dump(2);
  EXPECT_EQ(p["status"]["phase"], "Running");
  EXPECT_EQ(p["status"]["podIP"].get<std::string>().rfind("10.247.0.", 0), 0u)
      << p["status"].dump();
  EXPECT_EQ(p["status"]["hostIP"], "192.0.2.1");
  EXPECT_EQ(p["status"]["containerStatuses"][0]["restartCount"], 0);
  EXPECT_EQ(p["status"]["containerStatuses"][0]["containerID"].get<std::string>().rfind(
                containerIdScheme(), 0),
            0u);

  auto log = kubectl({"logs", "web"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->out, "hello from web in default\n") << log->err;

  auto del = kubectl({"delete", "pod", "web", "--wait=true", "--timeout=60s"});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->exit_code, 0) << del->err;
  EXPECT_TRUE(waitFor([&] { return pod("web").is_null(); }));
  EXPECT_TRUE(waitFor([&] { return runtimeContainers().empty(); }))
      << "the pod's containers are removed once it is gone";
}

TEST_P(AgentE2eTest, InitContainerThenCrashLoopBackOff) {
  applyPod("crash", R"(  initContainers:
  - {name: init, image: busybox, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "echo init ran"]}
  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "echo crashing; exit 3"]}
)");
  json p;
  ASSERT_TRUE(waitFor([&] {
    p = pod("crash");
    const auto& cs = p["status"].value("containerStatuses", json::array());
    return !cs.empty() && cs[0].value("restartCount", 0) >= 1 &&
           cs[0]["state"].contains("waiting") &&
           cs[0]["state"]["waiting"].value("reason", "") == "CrashLoopBackOff";
  })) << p.dump(2);
  const auto& main = p["status"]["containerStatuses"][0];
  EXPECT_EQ(main["lastState"]["terminated"]["exitCode"], 3);
  EXPECT_EQ(p["status"]["initContainerStatuses"][0]["state"]["terminated"]["exitCode"], 0);
  EXPECT_EQ(p["status"]["phase"], "Running");
  auto init_log = kubectl({"logs", "crash", "-c", "init"});
  ASSERT_TRUE(init_log.ok());
  EXPECT_EQ(init_log->out, "init ran\n");
  auto prev = kubectl({"logs", "crash", "-c", "main", "--previous"});
  ASSERT_TRUE(prev.ok());
  EXPECT_EQ(prev->out, "crashing\n") << prev->err;
}

TEST_P(AgentE2eTest, AgentCrashLeavesPodsRunning) {
  applyPod("steady", R"(  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while true; do sleep 1; done"]
    readinessProbe:
      exec: {command: ["true"]}
      periodSeconds: 1
)");
  auto ready = [&] {
    json p = pod("steady");
    return podIsReady(p);
  };
  ASSERT_TRUE(waitFor(ready));
  std::string id = pod("steady")["status"]["containerStatuses"][0]["containerID"];
  killAgent();
  startAgent();
  // Adopted: the same container, no restart, and Ready again once its probe ran.
  EXPECT_TRUE(waitFor([&] {
    json p = pod("steady");
    return ready() && p["status"]["containerStatuses"][0]["containerID"] == id &&
           p["status"]["containerStatuses"][0]["restartCount"] == 0;
  })) << pod("steady").dump(2);
}

// The pod's cgroup (Burstable: below <root>/burstable) carries the pod's summed limits and
// holds the runtime's sandbox and container cgroups; it goes with the pod.
TEST_P(AgentE2eTest, PodCgroupBoundsItsContainers) {
  const std::string sleeper =
      "image: busybox, imagePullPolicy: IfNotPresent, command: [sleep, '3600'], resources: ";
  applyPod("bounded",
           "  containers:\n  - {name: main, " + sleeper +
               "{requests: {cpu: 100m, memory: 16Mi}, limits: {cpu: 200m, memory: 64Mi}}}"
               "\n  - {name: side, " +
               sleeper +
               "{requests: {cpu: 100m, memory: 16Mi}, limits: {cpu: 300m, memory: 32Mi}}}"
               "\n");
  json p;
  ASSERT_TRUE(waitFor([&] {
    p = pod("bounded");
    return p["status"].value("phase", "") == "Running";
  })) << p.dump(2);
  const std::string uid = p["metadata"]["uid"];
  const std::string rel = cgroup_root_ + "/burstable/pod" + uid;
  auto value = [&](const std::string& hierarchy, const std::string& file) {
    std::string text = readFile("/sys/fs/cgroup/" + hierarchy + rel + "/" + file).valueOr("");
    return text.substr(0, text.find('\n'));
  };
  EXPECT_EQ(value("memory", "memory.limit_in_bytes"), std::to_string(96 << 20));
  EXPECT_EQ(value("cpu", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(value("cpu", "cpu.shares"), "204");
  // Every process of the pod (pause and both containers) is in a cgroup below it.
  auto procs = runCommand(
      {"sh", "-c",
       "cat $(find /sys/fs/cgroup/memory" + rel + " -mindepth 2 -name cgroup.procs) | wc -l"});
  ASSERT_TRUE(procs.ok());
  EXPECT_GE(std::atoi(procs->out.c_str()), 3) << procs->out;

  auto del = kubectl({"delete", "pod", "bounded", "--wait=true", "--timeout=60s"});
  ASSERT_TRUE(del.ok() && del->exit_code == 0) << (del.ok() ? del->err : "");
  EXPECT_TRUE(waitFor([&] { return access(("/sys/fs/cgroup/memory" + rel).c_str(), F_OK) != 0; }));
}

TEST_P(AgentE2eTest, StaticPodRunsAndIsMirrored) {
  tmp_.write("manifests/static-web.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: static-web}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "echo static; sleep 3600"]}
)");
  json p;
  ASSERT_TRUE(waitFor(
      [&] {
        p = pod("static-web-e2e-node");
        return !p.is_null() && p["status"].value("phase", "") == "Running";
      },
      600))
      << p.dump(2);
  EXPECT_TRUE(p["metadata"]["annotations"].contains("kubernetes.io/config.mirror"));
  EXPECT_EQ(p["metadata"]["ownerReferences"][0]["kind"], "Node");
  auto log = kubectl({"logs", "static-web-e2e-node"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->out, "static\n") << log->err;
}

TEST_P(AgentE2eTest, BadSpecsEndInUpstreamReasons) {
  applyPod("nopull", R"(  containers:
  - {name: main, image: "127.0.0.1:1/nothing/here:1", imagePullPolicy: IfNotPresent}
---
apiVersion: v1
kind: Pod
metadata: {name: nocm}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    env:
    - {name: X, valueFrom: {configMapKeyRef: {name: missing, key: k}}}
)");
  auto reasonOf = [&](const std::string& name) {
    json p = pod(name);
    const auto& cs = p["status"].value("containerStatuses", json::array());
    if (cs.empty() || !cs[0]["state"].contains("waiting")) return std::string();
    return cs[0]["state"]["waiting"].value("reason", "");
  };
  EXPECT_TRUE(waitFor([&] {
    std::string r = reasonOf("nopull");
    return r == "ErrImagePull" || r == "ImagePullBackOff";
  })) << pod("nopull").dump(2);
  EXPECT_TRUE(waitFor([&] { return reasonOf("nocm") == "CreateContainerConfigError"; }))
      << pod("nocm").dump(2);
  // The agent is still serving: its Node stays Ready and other pods still start.
  EXPECT_TRUE(agent_->running());
}

TEST_P(AgentE2eTest, FailedLivenessProbeRestartsTheContainer) {
  applyPod("sick", R"(  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 1
)");
  json p;
  EXPECT_TRUE(waitFor(
      [&] {
        p = pod("sick");
        const auto& cs = p["status"].value("containerStatuses", json::array());
        return !cs.empty() && cs[0].value("restartCount", 0) >= 1;
      },
      400))
      << p.dump(2);
}

TEST_P(AgentE2eTest, TwoContainersShareLocalhostAndReadinessFlips) {
  applyPod("duo", R"(  containers:
  - name: server
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "mkdir /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www"]
    readinessProbe:
      httpGet: {path: /index.html, port: 8080}
      periodSeconds: 1
  - name: client
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "until wget -q -O- http://127.0.0.1:8080/; do sleep 1; done; touch /tmp/ready; sleep 3600"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
)");
  json p;
  ASSERT_TRUE(waitFor([&] { return podIsReady(p = pod("duo")); })) << p.dump(2);
  auto log = kubectl({"logs", "duo", "-c", "client"});
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->out, "hi\n") << "the client reached the server over the pod's localhost";

  // A readiness probe that starts failing takes Ready away; the container keeps running.
  applyPod("flip", R"(  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "touch /tmp/ready; sleep 4; rm /tmp/ready; sleep 3600"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
)");
  ASSERT_TRUE(waitFor([&] { return podIsReady(p = pod("flip")); })) << p.dump(2);
  EXPECT_TRUE(waitFor([&] {
    p = pod("flip");
    return !podIsReady(p) && p["status"]["phase"] == "Running" &&
           p["status"]["containerStatuses"][0]["ready"] == false &&
           p["status"]["containerStatuses"][0]["restartCount"] == 0;
  })) << p.dump(2);
}

TEST_P(AgentE2eTest, ConfigMapUpdateReachesRunningPod) {
  apply(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: first}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 1
  volumes:
  - name: cfg
    configMap: {name: settings}
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "while true; do echo \"got $(cat /etc/cfg/greeting)\"; sleep 1; done"]
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
)");
  auto logsContain = [&](const std::string& text) {
    auto r = kubectl({"logs", "reader"});
    return r.ok() && r->out.find(text) != std::string::npos;
  };
  ASSERT_TRUE(waitFor([&] { return logsContain("got first\n"); })) << pod("reader").dump(2);
  apply(R"(apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: second}
)");
  // The agent re-projects volumes on its periodic resync (10 s): allow a few of them.
  EXPECT_TRUE(waitFor([&] { return logsContain("got second\n"); }, 600));
  EXPECT_EQ(pod("reader")["status"]["containerStatuses"][0]["restartCount"], 0);
}

TEST_P(AgentE2eTest, GracefulDeletionRunsPreStopThenTermWithinGracePeriod) {
  const std::string host_dir = tmp_.path() + "/hostdata";
  tmp_.write("hostdata/events", "");
  apply(R"(apiVersion: v1
kind: Pod
metadata: {name: graceful}
spec:
  nodeName: e2e-node
  terminationGracePeriodSeconds: 5
  volumes:
  - name: host
    hostPath: {path: )" +
        host_dir + R"(, type: Directory}
  containers:
  - name: main
    image: busybox
    imagePullPolicy: IfNotPresent
    # TERM is noted and ignored: only the grace period's SIGKILL ends the loop.
    command: ["sh", "-c", "trap 'echo term >> /host/events' TERM; echo started >> /host/events; while true; do echo tick >> /host/events; sleep 1; done"]
    volumeMounts:
    - {name: host, mountPath: /host}
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "echo prestop >> /host/events"]}
)");
  ASSERT_TRUE(waitFor([&] {
    return readFile(host_dir + "/events").valueOr("").find("tick") != std::string::npos;
  })) << pod("graceful").dump(2);
  auto del = kubectl({"delete", "pod", "graceful", "--wait=true", "--timeout=60s"});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->exit_code, 0) << del->err;
  ASSERT_TRUE(waitFor([&] { return pod("graceful").is_null(); }));

  std::vector<std::string> events;
  std::istringstream in(readFile(host_dir + "/events").valueOr(""));
  for (std::string line; std::getline(in, line);)
    if (line != "tick" || events.empty() || events.back() != "tick") events.push_back(line);
  // started, ticks, the preStop hook, then TERM, and ticking on after it (the container ran
  // into its grace period instead of being killed at once).
  ASSERT_GE(events.size(), 5u) << readFile(host_dir + "/events").valueOr("");
  EXPECT_EQ(events[0], "started");
  auto prestop = std::find(events.begin(), events.end(), "prestop");
  auto term = std::find(events.begin(), events.end(), "term");
  ASSERT_NE(prestop, events.end());
  ASSERT_NE(term, events.end());
  EXPECT_LT(prestop, term) << "preStop runs before the container is signalled";
  EXPECT_NE(std::find(term, events.end(), "tick"), events.end())
      << "the container kept running after TERM, within its grace period";
}

TEST_P(AgentE2eTest, KubectlLogsFollowStreams) {
  applyPod("counter", R"(  containers:
  - {name: main, image: busybox, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; sleep 1; done"]}
)");
  ASSERT_TRUE(waitFor([&] { return pod("counter")["status"].value("phase", "") == "Running"; }));
  auto follow =
      Daemon::start({"nsenter", "--net=/run/netns/" + node_->name(), "kubectl", "--kubeconfig",
                     tmp_.path() + "/pki/admin.kubeconfig", "logs", "-f", "counter"},
                    tmp_.path() + "/follow.out");
  ASSERT_TRUE(follow.ok()) << follow.status().message();
  auto followed = [&] { return readFile(tmp_.path() + "/follow.out").valueOr(""); };
  ASSERT_TRUE(waitFor([&] { return followed().find("line 2\n") != std::string::npos; }))
      << followed();
  // Still attached, and lines written since keep arriving.
  std::string seen = followed();
  int last = 0;
  for (size_t at = seen.find("line "); at != std::string::npos; at = seen.find("line ", at + 1))
    last = std::max(last, std::atoi(seen.c_str() + at + 5));
  const std::string later = "line " + std::to_string(last + 2) + "\n";
  EXPECT_TRUE(waitFor([&] { return followed().find(later) != std::string::npos; })) << followed();
  EXPECT_TRUE(follow->running()) << "kubectl logs -f keeps following";
}

INSTANTIATE_TEST_SUITE_P(Runtimes, AgentE2eTest,
                         ::testing::Values(Runtime::kOrchShim, Runtime::kContainerd),
                         [](const ::testing::TestParamInfo<Runtime>& info) {
                           return info.param == Runtime::kOrchShim ? "OrchShim" : "Containerd";
                         });

}  // namespace
}  // namespace orch::testing
