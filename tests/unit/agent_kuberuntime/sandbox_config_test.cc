// Pod -> PodSandboxConfig: a golden sample pod, then hostname, DNS, ports and namespace cases.

#include "agent/kuberuntime/sandbox_config.h"

#include <gtest/gtest.h>

#include "tests/unit/agent_kuberuntime/golden.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

namespace v1 = runtime::v1;
using testing::container;
using testing::pod;
using testing::resources;
using testing::sidecar;

api::ContainerPort port(const std::string& name, int32_t container_port, int32_t host_port = 0,
                        const std::string& protocol = "TCP", const std::string& host_ip = "") {
  api::ContainerPort p;
  p.name = name;
  p.containerPort = container_port;
  p.hostPort = host_port;
  p.protocol = protocol;
  p.hostIP = host_ip;
  return p;
}

SandboxConfigOptions options() {
  SandboxConfigOptions o;
  o.pod_logs_dir = "/var/log/pods";
  o.dns.cluster_dns = {"10.96.0.10"};
  o.dns.cluster_domain = "cluster.local";
  o.dns.host = ResolvConf{{"192.168.1.1"}, {"corp.example"}, {}};
  o.cgroup_parent = "/kubepods/burstable/poduid-1";
  return o;
}

api::Pod samplePod() {
  api::Pod p = pod("web", "shop", "uid-1");
  p.metadata.labels = {{"app", "web"}, {"tier", "front"}};
  p.metadata.annotations = {{"owner", "team-a"}};
  api::Container& app = p.spec.containers[0];
  app.ports = {port("http", 80), port("metrics", 9090, 19090, "TCP", "127.0.0.1"),
               port("dns", 53, 5353, "UDP"), port("http", 8080)};  // a repeated name is dropped
  resources(app, "250m", "128Mi", "500m", "256Mi");
  p.spec.containers.push_back(container("second"));
  p.spec.containers[1].ports = {port("http", 81)};  // names are per container
  resources(p.spec.containers[1], "100m", "64Mi");
  p.spec.initContainers.push_back(sidecar("proxy"));
  p.spec.initContainers[0].ports = {port("", 15001)};
  p.spec.shareProcessNamespace = true;
  p.spec.securityContext.emplace();
  p.spec.securityContext->runAsUser = 1000;
  p.spec.securityContext->runAsGroup = 3000;
  p.spec.securityContext->fsGroup = 2000;
  p.spec.securityContext->supplementalGroups = {4000};
  api::Sysctl s;
  s.name = "net.core.somaxconn";
  s.value = "1024";
  p.spec.securityContext->sysctls.push_back(s);
  return p;
}

TEST(SandboxConfig, SamplePodGolden) {
  auto c = makeSandboxConfig(samplePod(), 2, options());
  ASSERT_TRUE(c.ok()) << c.status().message();
  testing::expectGolden("sample_sandbox", *c);
  // The essentials, spelled out.
  EXPECT_EQ(c->metadata().attempt(), 2u);
  EXPECT_EQ(c->hostname(), "web");
  EXPECT_EQ(c->log_directory(), "/var/log/pods/shop_web_uid-1");
  EXPECT_EQ(c->dns_config().searches(0), "shop.svc.cluster.local");
  EXPECT_EQ(c->port_mappings_size(), 5);
  EXPECT_EQ(c->linux().cgroup_parent(), "/kubepods/burstable/poduid-1");
  EXPECT_EQ(c->linux().sysctls().at("net.core.somaxconn"), "1024");
  const auto& sc = c->linux().security_context();
  EXPECT_EQ(sc.namespace_options().pid(), v1::POD);
  EXPECT_EQ(sc.run_as_user().value(), 1000);
  EXPECT_EQ(sc.supplemental_groups(0), 2000);  // fsGroup first
  EXPECT_EQ(sc.seccomp().profile_type(), v1::SecurityProfile::RuntimeDefault);
  EXPECT_EQ(c->labels().at("io.kubernetes.pod.uid"), "uid-1");
  EXPECT_EQ(c->annotations().at("owner"), "team-a");
}

TEST(SandboxConfig, PortMappings) {
  auto ports = podPortMappings(samplePod());
  ASSERT_EQ(ports.size(), 5u);
  // Sidecars first (init containers), then app containers in order.
  EXPECT_EQ(ports[0].container_port(), 15001);
  EXPECT_EQ(ports[1].container_port(), 80);
  EXPECT_EQ(ports[1].host_port(), 0);
  EXPECT_EQ(ports[2].host_port(), 19090);
  EXPECT_EQ(ports[2].host_ip(), "127.0.0.1");
  EXPECT_EQ(ports[3].protocol(), v1::UDP);
  EXPECT_EQ(ports[3].host_port(), 5353);
  EXPECT_EQ(ports[4].container_port(), 81);
  // Unnamed ports are told apart by protocol/ports.
  api::Pod p = pod();
  p.spec.containers[0].ports = {port("", 80), port("", 80), port("", 80, 0, "UDP")};
  EXPECT_EQ(podPortMappings(p).size(), 2u);
}

TEST(SandboxConfig, NamespaceOptions) {
  struct Case {
    bool host_network, host_pid, host_ipc;
    std::optional<bool> share;
    v1::NamespaceMode network, pid, ipc;
  };
  for (const Case& k : {Case{false, false, false, std::nullopt, v1::POD, v1::CONTAINER, v1::POD},
                        Case{true, false, false, std::nullopt, v1::NODE, v1::CONTAINER, v1::POD},
                        Case{false, true, false, true, v1::POD, v1::NODE, v1::POD},
                        Case{false, false, true, false, v1::POD, v1::CONTAINER, v1::NODE},
                        Case{false, false, false, true, v1::POD, v1::POD, v1::POD}}) {
    api::Pod p = pod();
    p.spec.hostNetwork = k.host_network;
    p.spec.hostPID = k.host_pid;
    p.spec.hostIPC = k.host_ipc;
    p.spec.shareProcessNamespace = k.share;
    auto c = makeSandboxConfig(p, 0, options());
    ASSERT_TRUE(c.ok());
    const auto& ns = c->linux().security_context().namespace_options();
    EXPECT_EQ(ns.network(), k.network);
    EXPECT_EQ(ns.pid(), k.pid);
    EXPECT_EQ(ns.ipc(), k.ipc);
    // A host-network pod keeps the node's hostname and gets the host's DNS.
    if (k.host_network) {
      EXPECT_EQ(c->hostname(), "");
      EXPECT_EQ(c->dns_config().servers(0), "192.168.1.1");
    } else {
      EXPECT_EQ(c->hostname(), "web");
      EXPECT_EQ(c->dns_config().servers(0), "10.96.0.10");
    }
  }
}

TEST(SandboxConfig, Hostnames) {
  api::Pod p = pod();
  p.spec.hostname = "db-0";
  p.spec.subdomain = "db";
  auto c = makeSandboxConfig(p, 0, options());
  EXPECT_EQ(c->hostname(), "db-0");
  auto hd = podHostnameAndDomain(p, "cluster.local");
  EXPECT_EQ(hd->second, "db.default.svc.cluster.local");
  p.spec.setHostnameAsFQDN = true;
  c = makeSandboxConfig(p, 0, options());
  EXPECT_EQ(c->hostname(), "db-0.db.default.svc.cluster.local");

  // Long pod names are cut to 63 characters without a trailing '-' or '.'.
  p = pod(std::string(62, 'a') + "-bcdef");
  c = makeSandboxConfig(p, 0, options());
  EXPECT_EQ(c->hostname(), std::string(62, 'a'));

  p = pod();
  p.spec.hostname = "Not_A_Label";
  EXPECT_EQ(makeSandboxConfig(p, 0, options()).status().code(), EINVAL);
  p = pod();
  p.spec.subdomain = "-bad";
  EXPECT_EQ(makeSandboxConfig(p, 0, options()).status().code(), EINVAL);
  p = pod();
  p.spec.hostname = std::string(40, 'h');
  p.spec.subdomain = "sub";
  p.spec.setHostnameAsFQDN = true;
  EXPECT_EQ(makeSandboxConfig(p, 0, options()).status().code(), EINVAL);  // FQDN > 64
}

TEST(SandboxConfig, PrivilegedSeccompAndUserNamespaces) {
  api::Pod p = pod();
  auto c = makeSandboxConfig(p, 0, options());
  EXPECT_FALSE(c->linux().security_context().privileged());
  EXPECT_FALSE(c->linux().security_context().has_run_as_user());
  p.spec.initContainers.push_back(container("init"));
  p.spec.initContainers[0].securityContext.emplace();
  p.spec.initContainers[0].securityContext->privileged = true;
  c = makeSandboxConfig(p, 0, options());
  EXPECT_TRUE(c->linux().security_context().privileged());
  p = pod();
  p.spec.hostUsers = false;
  EXPECT_EQ(makeSandboxConfig(p, 0, options()).status().code(), ENOTSUP);
}

TEST(SandboxConfig, ResourcesAndOverhead) {
  api::Pod p = pod();
  resources(p.spec.containers[0], "500m", "1Gi", "1", "2Gi");
  p.spec.overhead["cpu"] = api::Quantity::mustParse("100m");
  p.spec.overhead["memory"] = api::Quantity::mustParse("64Mi");
  auto c = makeSandboxConfig(p, 0, options());
  const auto& r = c->linux().resources();
  EXPECT_EQ(r.cpu_shares(), 614);  // 600m
  EXPECT_EQ(r.cpu_quota(), 110000);
  EXPECT_EQ(r.memory_limit_in_bytes(), (2048 + 64) * 1024 * 1024LL);
  const auto& o = c->linux().overhead();
  EXPECT_EQ(o.cpu_shares(), 102);
  EXPECT_EQ(o.memory_limit_in_bytes(), 64 * 1024 * 1024);
  EXPECT_EQ(o.cpu_quota(), 0);
}

}  // namespace
}  // namespace orch::agent
