// orch-agent's flags and KubeletConfiguration file: defaults, precedence (flags > file >
// defaults), validation with errors that name the flag or YAML field.

#include "agent/config/agent_config.h"

#include <gtest/gtest.h>

#include <vector>

#include "agent/config/kubelet_config_file.h"
#include "agent/config/node_options.h"
#include "agent/config/value_parsers.h"
#include "tests/support/temp_dir.h"

namespace orch::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Parses argv with the agent's flags and resolves the configuration.
Result<AgentConfig> resolve(std::vector<std::string> args) {
  CLI::App app("orch-agent");
  AgentFlags flags;
  addAgentFlags(app, flags);
  std::vector<char*> argv;
  std::string prog = "orch-agent";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return Status::invalid(std::string("parse: ") + e.what());
  }
  return resolveAgentConfig(flags, explicitFlags(app), "Host-1.Example");
}

std::string errorOf(std::vector<std::string> args) {
  auto c = resolve(std::move(args));
  EXPECT_FALSE(c.ok());
  return c.ok() ? "" : c.status().message();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const char* kHeader = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

TEST(AgentConfigTest, Defaults) {
  auto c = resolve({});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->containerRuntimeEndpoint, "unix:///run/orch/shim.sock");
  EXPECT_EQ(c->rootDir, "/var/lib/orch/agent");
  EXPECT_EQ(c->podLogsDir, "/var/log/pods");
  EXPECT_EQ(c->maxPods, 110);
  EXPECT_EQ(c->port, 10250);
  EXPECT_EQ(c->address, "0.0.0.0");
  EXPECT_EQ(c->healthzPort, 10248);
  EXPECT_EQ(c->healthzBindAddress, "127.0.0.1");
  EXPECT_EQ(c->nodeStatusUpdateFrequency, seconds(10));
  EXPECT_EQ(c->nodeStatusReportFrequency, seconds(60));
  EXPECT_EQ(c->nodeLeaseDurationSeconds, 40);
  EXPECT_EQ(c->runtimeRequestTimeout, seconds(120));
  EXPECT_TRUE(c->serializeImagePulls);
  EXPECT_EQ(c->cgroupDriver, "cgroupfs");
  EXPECT_EQ(c->resolvConf, "/etc/resolv.conf");
  EXPECT_TRUE(c->nodeIPs.empty());
  EXPECT_TRUE(c->nodeLabels.empty());
  EXPECT_TRUE(c->registerWithTaints.empty());
  EXPECT_TRUE(c->configFile.empty());
  // The host name, lower-cased, is the node name.
  EXPECT_EQ(c->nodeName, "host-1.example");
  EXPECT_EQ(c->hostname, "host-1.example");
}

TEST(AgentConfigTest, FlagsAreApplied) {
  auto c = resolve({"--kubeconfig=/etc/orch/agent.kubeconfig",
                    "--container-runtime-endpoint",
                    "/run/containerd/containerd.sock",
                    "--hostname-override=Worker-7",
                    "--node-ip=192.0.2.7,2001:DB8::7",
                    "--node-labels=example.com/rack=r1,node.kubernetes.io/pool=blue",
                    "--node-labels",
                    "kubelet.kubernetes.io/x=y",
                    "--register-with-taints=dedicated=gpu:NoSchedule,spot:PreferNoSchedule",
                    "--pod-manifest-path=/etc/orch/manifests",
                    "--root-dir=/data/agent",
                    "--pod-logs-dir=/data/logs",
                    "--max-pods=42",
                    "--cluster-dns=10.96.0.10,fd00::a",
                    "--cluster-dns=10.96.0.11",
                    "--cluster-domain=cluster.local",
                    "--pod-infra-container-image=registry.k8s.io/pause:3.9",
                    "--port=11250",
                    "--address=127.0.0.1",
                    "--healthz-port=0",
                    "--healthz-bind-address=::1",
                    "--tls-cert-file=/pki/a.crt",
                    "--tls-private-key-file=/pki/a.key",
                    "--cgroup-root=/orch",
                    "--cgroup-driver=systemd",
                    "--resolv-conf=/run/resolv.conf",
                    "--runtime-request-timeout=30s",
                    "--serialize-image-pulls=false"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->kubeconfig, "/etc/orch/agent.kubeconfig");
  EXPECT_EQ(c->containerRuntimeEndpoint, "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(c->nodeName, "worker-7");
  EXPECT_EQ(c->hostnameOverride, "Worker-7");
  EXPECT_EQ(c->nodeIPs, (std::vector<std::string>{"192.0.2.7", "2001:db8::7"}));
  EXPECT_EQ(c->nodeLabels.size(), 3u);
  EXPECT_EQ(c->nodeLabels.at("example.com/rack"), "r1");
  EXPECT_EQ(c->nodeLabels.at("kubelet.kubernetes.io/x"), "y");
  ASSERT_EQ(c->registerWithTaints.size(), 2u);
  EXPECT_EQ(c->registerWithTaints[0].key, "dedicated");
  EXPECT_EQ(c->registerWithTaints[0].value, "gpu");
  EXPECT_EQ(c->registerWithTaints[0].effect, "NoSchedule");
  EXPECT_EQ(c->registerWithTaints[1].key, "spot");
  EXPECT_EQ(c->registerWithTaints[1].value, "");
  EXPECT_EQ(c->registerWithTaints[1].effect, "PreferNoSchedule");
  EXPECT_EQ(c->podManifestPath, "/etc/orch/manifests");
  EXPECT_EQ(c->rootDir, "/data/agent");
  EXPECT_EQ(c->podLogsDir, "/data/logs");
  EXPECT_EQ(c->maxPods, 42);
  EXPECT_EQ(c->clusterDNS, (std::vector<std::string>{"10.96.0.10", "fd00::a", "10.96.0.11"}));
  EXPECT_EQ(c->clusterDomain, "cluster.local");
  EXPECT_EQ(c->podInfraContainerImage, "registry.k8s.io/pause:3.9");
  EXPECT_EQ(c->port, 11250);
  EXPECT_EQ(c->address, "127.0.0.1");
  EXPECT_EQ(c->healthzPort, 0);
  EXPECT_EQ(c->healthzBindAddress, "::1");
  EXPECT_EQ(c->tlsCertFile, "/pki/a.crt");
  EXPECT_EQ(c->tlsPrivateKeyFile, "/pki/a.key");
  EXPECT_EQ(c->cgroupRoot, "/orch");
  EXPECT_EQ(c->cgroupDriver, "systemd");
  EXPECT_EQ(c->resolvConf, "/run/resolv.conf");
  EXPECT_EQ(c->runtimeRequestTimeout, seconds(30));
  EXPECT_FALSE(c->serializeImagePulls);
}

TEST(AgentConfigTest, LastValueOfASingleFlagWins) {
  auto c = resolve({"--max-pods=10", "--max-pods=20"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->maxPods, 20);
}

TEST(AgentConfigTest, ConfigFileFieldsAndPrecedence) {
  orch::testing::TempDir dir;
  std::string path = dir.write("conf/kubelet.yaml", std::string(kHeader) + R"(
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
staticPodPath: manifests
podLogsDir: /srv/logs
maxPods: 50
clusterDNS: [10.96.0.10]
clusterDomain: cluster.local
registerWithTaints:
- key: dedicated
  value: infra
  effect: NoExecute
resolvConf: /run/systemd/resolve/resolv.conf
port: 10251
address: 127.0.0.1
healthzPort: 10249
healthzBindAddress: 0.0.0.0
tlsCertFile: pki/agent.crt
tlsPrivateKeyFile: /abs/agent.key
cgroupRoot: /kubepods
cgroupDriver: systemd
serializeImagePulls: false
nodeStatusUpdateFrequency: 20s
nodeStatusReportFrequency: 2m30s
nodeLeaseDurationSeconds: 60
syncFrequency: 1m
runtimeRequestTimeout: 5m
evictionHard:
  memory.available: 200Mi
  nodefs.available: "15%"
kubeReserved: {cpu: 100m, memory: 256Mi}
systemReserved: {memory: 128Mi}
authentication:
  anonymous: {enabled: false}
featureGates: {SomeGate: true}
)");
  auto c = resolve({"--config=" + path});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->configFile, path);
  EXPECT_EQ(c->containerRuntimeEndpoint, "unix:///run/containerd/containerd.sock");
  EXPECT_EQ(c->podManifestPath, dir.path() + "/conf/manifests");  // relative to the file
  EXPECT_EQ(c->podLogsDir, "/srv/logs");
  EXPECT_EQ(c->maxPods, 50);
  EXPECT_EQ(c->clusterDNS, std::vector<std::string>{"10.96.0.10"});
  EXPECT_EQ(c->clusterDomain, "cluster.local");
  ASSERT_EQ(c->registerWithTaints.size(), 1u);
  EXPECT_EQ(c->registerWithTaints[0].effect, "NoExecute");
  EXPECT_EQ(c->resolvConf, "/run/systemd/resolve/resolv.conf");
  EXPECT_EQ(c->port, 10251);
  EXPECT_EQ(c->address, "127.0.0.1");
  EXPECT_EQ(c->healthzPort, 10249);
  EXPECT_EQ(c->healthzBindAddress, "0.0.0.0");
  EXPECT_EQ(c->tlsCertFile, dir.path() + "/conf/pki/agent.crt");
  EXPECT_EQ(c->tlsPrivateKeyFile, "/abs/agent.key");
  EXPECT_EQ(c->cgroupRoot, "/kubepods");
  EXPECT_EQ(c->cgroupDriver, "systemd");
  EXPECT_FALSE(c->serializeImagePulls);
  EXPECT_EQ(c->nodeStatusUpdateFrequency, seconds(20));
  EXPECT_EQ(c->nodeStatusReportFrequency, seconds(150));
  EXPECT_EQ(c->nodeLeaseDurationSeconds, 60);
  EXPECT_EQ(c->syncFrequency, seconds(60));
  EXPECT_EQ(c->runtimeRequestTimeout, seconds(300));
  EXPECT_EQ(c->evictionHard.at("nodefs.available"), "15%");
  EXPECT_EQ(c->kubeReserved.at("cpu").toString(), "100m");
  EXPECT_EQ(c->systemReserved.at("memory").toString(), "128Mi");
  EXPECT_EQ(c->ignoredConfigFields, (std::vector<std::string>{"authentication", "featureGates"}));

  // Flags given on the command line beat the file; the rest of the file still applies.
  c = resolve({"--config", path, "--max-pods=30", "--container-runtime-endpoint",
               "unix:///run/orch/shim.sock", "--register-with-taints=a=b:NoSchedule",
               "--serialize-image-pulls", "--cluster-dns=10.0.0.2", "--port=10250"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->maxPods, 30);
  EXPECT_EQ(c->containerRuntimeEndpoint, "unix:///run/orch/shim.sock");
  ASSERT_EQ(c->registerWithTaints.size(), 1u);
  EXPECT_EQ(c->registerWithTaints[0].key, "a");
  EXPECT_TRUE(c->serializeImagePulls);
  EXPECT_EQ(c->clusterDNS, std::vector<std::string>{"10.0.0.2"});
  EXPECT_EQ(c->port, 10250);  // given explicitly, even though it equals the default
  EXPECT_EQ(c->podLogsDir, "/srv/logs");
  EXPECT_EQ(c->nodeLeaseDurationSeconds, 60);
}

TEST(AgentConfigTest, ReportFrequencyFollowsAnExplicitUpdateFrequency) {
  auto c = resolve({"--node-status-update-frequency=4s"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->nodeStatusUpdateFrequency, seconds(4));
  EXPECT_EQ(c->nodeStatusReportFrequency, seconds(4));

  orch::testing::TempDir dir;
  std::string path = dir.write("k.yaml", std::string(kHeader) + "nodeStatusUpdateFrequency: 7s\n");
  c = resolve({"--config", path});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->nodeStatusReportFrequency, seconds(7));
  path = dir.write("k2.yaml", std::string(kHeader) +
                                  "nodeStatusUpdateFrequency: 7s\nnodeStatusReportFrequency: 1h\n");
  c = resolve({"--config", path});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->nodeStatusReportFrequency, std::chrono::hours(1));
}

TEST(AgentConfigTest, ConfigFileErrorsNameTheField) {
  orch::testing::TempDir dir;
  auto err = [&](const std::string& body) {
    std::string path = dir.write("bad.yaml", body);
    std::string e = errorOf({"--config=" + path});
    EXPECT_TRUE(contains(e, "--config")) << e;
    EXPECT_TRUE(contains(e, path)) << e;
    return e;
  };
  EXPECT_TRUE(contains(err(std::string(kHeader) + "maxPods: many\n"), "maxPods: expected integer"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "maxPods: -1\n"), "maxPods: must not be"));
  EXPECT_TRUE(contains(err("apiVersion: v1\nkind: Pod\n"), "kind: expected KubeletConfiguration"));
  EXPECT_TRUE(contains(err("apiVersion: kubelet.config.k8s.io/v1alpha9\nkind: "
                           "KubeletConfiguration\n"),
                       "apiVersion: expected kubelet.config.k8s.io/v1beta1"));
  EXPECT_TRUE(contains(
      err(std::string(kHeader) + "registerWithTaints:\n- {key: a, effect: NoSchedule}\n- {key: b, "
                                 "effect: Sometimes}\n"),
      "registerWithTaints[1]"));
  EXPECT_TRUE(
      contains(err(std::string(kHeader) + "clusterDNS: [10.0.0.1, nope]\n"), "clusterDNS[1]"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "nodeStatusUpdateFrequency: 10 parsecs\n"),
                       "nodeStatusUpdateFrequency: invalid duration"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "syncFrequency: 0s\n"),
                       "syncFrequency: must be greater than zero"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "port: 70000\n"), "port: must be between"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "address: localhost\n"), "address:"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "cgroupDriver: magic\n"), "cgroupDriver"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "evictionHard: {memory.available: lots}\n"),
                       "evictionHard.memory.available"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "evictionHard: {disk.full: 1Gi}\n"),
                       "unknown eviction signal"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "evictionHard: {nodefs.available: 120%}\n"),
                       "invalid percentage"));
  EXPECT_TRUE(
      contains(err(std::string(kHeader) + "kubeReserved: {cpu: lots}\n"), "kubeReserved.cpu"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "containerRuntimeEndpoint: tcp://x:1\n"),
                       "containerRuntimeEndpoint"));
  EXPECT_TRUE(contains(err(std::string(kHeader) + "maxPods: [1\n"), "--config"));  // YAML syntax
  EXPECT_TRUE(contains(err("- a\n- b\n"), "expected a KubeletConfiguration object"));

  std::string missing = errorOf({"--config=" + dir.path() + "/none.yaml"});
  EXPECT_TRUE(contains(missing, "ENOENT")) << missing;
}

TEST(AgentConfigTest, BadNodeLabels) {
  EXPECT_TRUE(contains(errorOf({"--node-labels=foo"}), "--node-labels: malformed pair"));
  EXPECT_TRUE(contains(errorOf({"--node-labels=bad key=x"}), "--node-labels: invalid label key"));
  EXPECT_TRUE(
      contains(errorOf({"--node-labels=a=" + std::string(64, 'v')}), "invalid label value"));
  EXPECT_TRUE(contains(errorOf({"--node-labels=a=-x"}), "invalid label value"));
  // The kubelet refuses labels in the kubernetes.io / k8s.io namespaces it does not own.
  std::string e = errorOf({"--node-labels=node-role.kubernetes.io/worker="});
  EXPECT_TRUE(contains(e, "node-role.kubernetes.io/worker")) << e;
  EXPECT_TRUE(contains(e, "unknown 'kubernetes.io' or 'k8s.io' labels")) << e;
  EXPECT_TRUE(contains(errorOf({"--node-labels=foo.k8s.io/x=y"}), "foo.k8s.io/x"));
  auto ok = resolve({"--node-labels= topology.kubernetes.io/zone = z1 ,,sub.node.kubernetes.io/a=",
                     "--node-labels=kubernetes.io/hostname=h"});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->nodeLabels.at("topology.kubernetes.io/zone"), "z1");
  EXPECT_EQ(ok->nodeLabels.at("sub.node.kubernetes.io/a"), "");
}

TEST(AgentConfigTest, BadTaints) {
  EXPECT_TRUE(contains(errorOf({"--register-with-taints=a=b"}),
                       "--register-with-taints: invalid taint spec"));
  EXPECT_TRUE(contains(errorOf({"--register-with-taints=a=b:Sometimes"}),
                       "unsupported effect \"Sometimes\""));
  EXPECT_TRUE(contains(errorOf({"--register-with-taints=a=b:"}), "missing effect"));
  EXPECT_TRUE(contains(errorOf({"--register-with-taints=a=b=c:NoSchedule"}), "more than one"));
  EXPECT_TRUE(
      contains(errorOf({"--register-with-taints=bad key:NoSchedule"}), "invalid label key"));
  EXPECT_TRUE(
      contains(errorOf({"--register-with-taints=a=" + std::string(70, 'x') + ":NoSchedule"}),
               "invalid label value"));
  EXPECT_TRUE(contains(errorOf({"--register-with-taints=a=1:NoSchedule,a=2:NoSchedule"}),
                       "duplicate taint"));
  // The same key with another effect is a different taint.
  EXPECT_TRUE(resolve({"--register-with-taints=a=1:NoSchedule,a=2:NoExecute"}).ok());
}

TEST(AgentConfigTest, BadScalarsNameTheFlag) {
  EXPECT_TRUE(contains(errorOf({"--node-ip=10.0.0.1,10.0.0.2"}), "--node-ip: dual-stack"));
  EXPECT_TRUE(contains(errorOf({"--node-ip=banana"}), "--node-ip:"));
  EXPECT_TRUE(contains(errorOf({"--node-ip=127.0.0.1"}), "loopback"));
  EXPECT_TRUE(contains(errorOf({"--node-ip=0.0.0.0,fd00::1"}), "--node-ip"));
  EXPECT_TRUE(resolve({"--node-ip=::"}).ok());
  EXPECT_TRUE(contains(errorOf({"--hostname-override=bad_name"}), "--hostname-override"));
  EXPECT_TRUE(contains(errorOf({"--cluster-dns=10.0.0.1,x"}), "--cluster-dns"));
  EXPECT_TRUE(contains(errorOf({"--port=0"}), "--port: must be between 1 and 65535"));
  EXPECT_TRUE(contains(errorOf({"--healthz-port=-1"}), "--healthz-port"));
  EXPECT_TRUE(contains(errorOf({"--max-pods=-3"}), "--max-pods"));
  EXPECT_TRUE(contains(errorOf({"--address=anywhere"}), "--address"));
  EXPECT_TRUE(contains(errorOf({"--cgroup-driver=x"}), "--cgroup-driver"));
  EXPECT_TRUE(contains(errorOf({"--container-runtime-endpoint=tcp://1.2.3.4:5"}),
                       "--container-runtime-endpoint"));
  EXPECT_TRUE(contains(errorOf({"--runtime-request-timeout=soon"}), "--runtime-request-timeout"));
  EXPECT_TRUE(contains(errorOf({"--tls-cert-file=/a.crt"}), "--tls-private-key-file"));
  EXPECT_TRUE(contains(errorOf({"--root-dir="}), "--root-dir"));
  EXPECT_TRUE(contains(errorOf({"--max-pods=lots"}), "parse:"));
}

TEST(AgentConfigTest, NodeOptionsFromTheConfig) {
  orch::testing::TempDir dir;
  std::string path = dir.write("k.yaml", std::string(kHeader) + R"(
nodeLeaseDurationSeconds: 60
kubeReserved: {cpu: 100m, memory: 256Mi}
systemReserved: {memory: 256Mi, ephemeral-storage: 1Gi}
)");
  auto c = resolve({"--config", path, "--hostname-override=n1", "--node-ip=192.0.2.1",
                    "--node-labels=a=b", "--register-with-taints=t:NoSchedule", "--max-pods=7",
                    "--root-dir=/r", "--port=11000"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  NodeOptions o = toNodeOptions(*c);
  EXPECT_EQ(o.nodeName, "n1");
  EXPECT_EQ(o.hostname, "n1");
  EXPECT_EQ(o.nodeIPs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(o.nodeLabels.at("a"), "b");
  ASSERT_EQ(o.registerWithTaints.size(), 1u);
  EXPECT_EQ(o.maxPods, 7);
  EXPECT_EQ(o.rootDir, "/r");
  EXPECT_EQ(o.port, 11000);
  EXPECT_EQ(o.nodeLeaseDurationSeconds, 60);
  EXPECT_EQ(o.leaseRenewInterval, seconds(15));
  EXPECT_EQ(o.nodeStatusUpdateFrequency, seconds(10));
  EXPECT_EQ(o.nodeStatusReportFrequency, seconds(60));
  EXPECT_EQ(o.reserved.at("cpu").toString(), "100m");
  EXPECT_EQ(o.reserved.at("memory").toString(), "512Mi");
  EXPECT_EQ(o.reserved.at("ephemeral-storage").toString(), "1Gi");
}

TEST(ValueParsersTest, GoDurations) {
  EXPECT_EQ(*parseGoDuration("10s"), seconds(10));
  EXPECT_EQ(*parseGoDuration("1m30s"), seconds(90));
  EXPECT_EQ(*parseGoDuration("1.5h"), std::chrono::minutes(90));
  EXPECT_EQ(*parseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*parseGoDuration("2h45m0.5s"), milliseconds((2 * 3600 + 45 * 60) * 1000 + 500));
  EXPECT_EQ(*parseGoDuration("1500us"), std::chrono::microseconds(1500));
  EXPECT_EQ(*parseGoDuration("0"), milliseconds(0));
  EXPECT_EQ(*parseGoDuration("+5s"), seconds(5));
  for (const char* bad : {"", "10", "s", "-1s", "1x", "1.2.3s", "1 s"}) {
    EXPECT_FALSE(parseGoDuration(bad).ok()) << bad;
  }
}

TEST(ValueParsersTest, NodeNames) {
  EXPECT_EQ(*canonicalNodeName("  Node-1.Example.COM "), "node-1.example.com");
  EXPECT_FALSE(canonicalNodeName("").ok());
  EXPECT_FALSE(canonicalNodeName("-a").ok());
  EXPECT_FALSE(canonicalNodeName("a..b").ok());
  EXPECT_FALSE(canonicalNodeName(std::string(254, 'a')).ok());
}

}  // namespace
}  // namespace orch::agent
