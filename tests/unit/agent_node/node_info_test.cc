// Node facts: labels, taints, addresses, capacity, nodeInfo; the host probe's parsers.

#include "agent/node/node_info.h"

#include <gtest/gtest.h>

#include "agent/node/linux_host_probe.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/agent_node/fake_host_probe.h"

namespace orch::agent {
namespace {

using testing::FakeHostProbe;

NodeOptions options() {
  NodeOptions o;
  o.nodeName = "node-a";
  o.rootDir = "/var/lib/orch/agent";
  return o;
}

TEST(NodeInfoTest, InitialNodeHasDefaultLabelsNodeLabelsTaintsAndAnnotation) {
  NodeOptions o = options();
  o.nodeLabels = {{"example.com/rack", "r1"}, {"node.kubernetes.io/pool", "blue"}};
  api::Taint t;
  t.key = "dedicated";
  t.value = "gpu";
  t.effect = "NoSchedule";
  o.registerWithTaints = {t};
  api::Node n = initialNode(o);
  EXPECT_EQ(n.metadata.name, "node-a");
  const auto& l = n.metadata.labels;
  EXPECT_EQ(l.at("kubernetes.io/hostname"), "node-a");
  EXPECT_EQ(l.at("kubernetes.io/os"), "linux");
  EXPECT_EQ(l.at("beta.kubernetes.io/os"), "linux");
  EXPECT_EQ(l.at("kubernetes.io/arch"), buildArch());
  EXPECT_EQ(l.at("beta.kubernetes.io/arch"), buildArch());
  EXPECT_EQ(l.at("example.com/rack"), "r1");
  EXPECT_EQ(l.at("node.kubernetes.io/pool"), "blue");
  EXPECT_EQ(l.size(), 7u);
  EXPECT_EQ(n.metadata.annotations.at(kAnnotationControllerManagedAttachDetach), "true");
  ASSERT_EQ(n.spec.taints.size(), 1u);
  EXPECT_EQ(n.spec.taints[0].key, "dedicated");
  EXPECT_EQ(n.spec.taints[0].effect, "NoSchedule");
#if defined(__x86_64__)
  EXPECT_STREQ(buildArch(), "amd64");
#endif
}

TEST(NodeInfoTest, NodeLabelsOverrideDefaultsAndHostnameIsUsed) {
  NodeOptions o = options();
  o.hostname = "host-a.example";
  EXPECT_EQ(initialNodeLabels(o).at("kubernetes.io/hostname"), "host-a.example");
  o.nodeLabels = {{"kubernetes.io/hostname", "custom"}};
  EXPECT_EQ(initialNodeLabels(o).at("kubernetes.io/hostname"), "custom");
  EXPECT_EQ(defaultNodeLabels(o).at("kubernetes.io/hostname"), "host-a.example");
}

TEST(NodeInfoTest, AddressesFromNodeIpThenHostname) {
  FakeHostProbe probe;
  NodeOptions o = options();
  o.nodeIPs = {"192.0.2.7"};
  auto a = nodeAddresses(o, probe);
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[0].type, "InternalIP");
  EXPECT_EQ((*a)[0].address, "192.0.2.7");
  EXPECT_EQ((*a)[1].type, "Hostname");
  EXPECT_EQ((*a)[1].address, "node-a");

  o.nodeIPs = {"192.0.2.7", "2001:db8::7"};
  a = nodeAddresses(o, probe);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[1].type, "InternalIP");
  EXPECT_EQ((*a)[1].address, "2001:db8::7");

  o.nodeIPs = {"192.0.2.7", "192.0.2.8"};
  EXPECT_EQ(nodeAddresses(o, probe).status().code(), EINVAL);
  o.nodeIPs = {"not-an-ip"};
  EXPECT_EQ(nodeAddresses(o, probe).status().code(), EINVAL);
}

TEST(NodeInfoTest, AddressesDetectedFromTheDefaultRouteInterface) {
  FakeHostProbe probe;
  NodeOptions o = options();
  auto a = nodeAddresses(o, probe);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ((*a)[0].address, "10.0.0.5");
  EXPECT_EQ((*a)[1].type, "Hostname");

  // "::" asks for the IPv6 one.
  o.nodeIPs = {"::"};
  a = nodeAddresses(o, probe);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].address, "fd00::5");

  // A hostname override that is an IP is the address.
  o.nodeIPs.clear();
  o.hostname = "198.51.100.3";
  a = nodeAddresses(o, probe);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].address, "198.51.100.3");

  o.hostname.clear();
  probe.setDefaultRouteAddresses({});
  a = nodeAddresses(o, probe);
  EXPECT_EQ(a.status().code(), ENOENT);
  EXPECT_NE(a.status().message().find("node-a"), std::string::npos) << a.status().message();

  probe.setFail(true);
  EXPECT_FALSE(nodeAddresses(o, probe).ok());
}

TEST(NodeInfoTest, CapacityAndAllocatable) {
  FakeHostProbe probe;
  probe.setCpus(4);
  probe.setMemory({8LL << 30, 1LL << 30});
  probe.setFs({50LL << 30, 10LL << 30, 100, 50});
  NodeOptions o = options();
  o.maxPods = 42;
  o.rootDir = "/data/agent";
  auto cap = nodeCapacity(o, probe);
  ASSERT_TRUE(cap.ok()) << cap.status().message();
  EXPECT_EQ(cap->at("cpu").toString(), "4");
  EXPECT_EQ(cap->at("memory").toString(), "8Gi");
  EXPECT_EQ(cap->at("pods").toString(), "42");
  EXPECT_EQ(cap->at("ephemeral-storage").toString(), "50Gi");
  EXPECT_EQ(probe.lastFsPath(), "/data/agent");

  EXPECT_EQ(nodeAllocatable(*cap, {}), *cap);
  api::ResourceList reserved = {{"cpu", api::Quantity::mustParse("500m")},
                                {"memory", api::Quantity::mustParse("16Gi")}};
  auto alloc = nodeAllocatable(*cap, reserved);
  EXPECT_EQ(alloc.at("cpu").toString(), "3500m");
  EXPECT_TRUE(alloc.at("memory").isZero());  // never below zero
  EXPECT_EQ(alloc.at("pods").toString(), "42");

  probe.setFail(true);
  EXPECT_FALSE(nodeCapacity(o, probe).ok());
}

TEST(NodeInfoTest, SystemInfo) {
  NodeOptions o = options();
  SystemIds ids{"m", "u", "b", "6.18.0", "Debian GNU/Linux 12 (bookworm)"};
  auto info = nodeSystemInfo(o, ids, containerRuntimeVersionString({"orch-shim", "0.1.0"}));
  EXPECT_EQ(info.machineID, "m");
  EXPECT_EQ(info.systemUUID, "u");
  EXPECT_EQ(info.bootID, "b");
  EXPECT_EQ(info.kernelVersion, "6.18.0");
  EXPECT_EQ(info.osImage, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(info.containerRuntimeVersion, "orch-shim://0.1.0");
  EXPECT_EQ(info.kubeletVersion, kAgentVersion);
  EXPECT_EQ(info.kubeProxyVersion, kAgentVersion);
  EXPECT_EQ(info.operatingSystem, "linux");
  EXPECT_EQ(info.architecture, buildArch());
}

TEST(HostProbeTest, ParsesMeminfo) {
  auto m = parseMeminfo(
      "MemTotal:        8048576 kB\nMemFree:          100000 kB\nMemAvailable:    4000000 "
      "kB\nBuffers: 1 kB\n");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->totalBytes, 8048576LL * 1024);
  EXPECT_EQ(m->availableBytes, 4000000LL * 1024);
  m = parseMeminfo("MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->availableBytes, 35 * 1024);
  EXPECT_EQ(parseMeminfo("MemFree: 1 kB\n").status().code(), EINVAL);
}

TEST(HostProbeTest, ParsesOsRelease) {
  EXPECT_EQ(parseOsReleasePrettyName("NAME=\"Debian\"\nPRETTY_NAME=\"Debian GNU/Linux 12 "
                                     "(bookworm)\"\nID=debian\n"),
            "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(parseOsReleasePrettyName("PRETTY_NAME='A \"b\"'\n"), "A \"b\"");
  EXPECT_EQ(parseOsReleasePrettyName("PRETTY_NAME=Plain\n"), "Plain");
  EXPECT_EQ(parseOsReleasePrettyName("PRETTY_NAME=\"x \\\"y\\\"\"\n"), "x \"y\"");
  EXPECT_EQ(parseOsReleasePrettyName("NAME=x\n"), "");
}

TEST(HostProbeTest, LinuxProbeReadsFilesUnderItsRoot) {
  orch::testing::TempDir root;
  root.write("proc/meminfo", "MemTotal: 2048 kB\nMemAvailable: 1024 kB\n");
  root.write("etc/machine-id", "abc123\n");
  root.write("proc/sys/kernel/random/boot_id", "boot-xyz\n");
  root.write("etc/os-release", "PRETTY_NAME=\"Test OS 1\"\n");
  root.write("proc/sys/kernel/pid_max", "32768\n");
  root.write("proc/sys/kernel/threads-max", "1000\n");
  LinuxHostProbe probe(root.path());

  auto mem = probe.memory();
  ASSERT_TRUE(mem.ok()) << mem.status().message();
  EXPECT_EQ(mem->totalBytes, 2048 * 1024);
  auto ids = probe.systemIds();
  ASSERT_TRUE(ids.ok()) << ids.status().message();
  EXPECT_EQ(ids->machineID, "abc123");
  EXPECT_EQ(ids->bootID, "boot-xyz");
  EXPECT_EQ(ids->systemUUID, "");  // not there: left empty
  EXPECT_EQ(ids->osImage, "Test OS 1");
  EXPECT_FALSE(ids->kernelVersion.empty());
  auto pids = probe.pids();
  ASSERT_TRUE(pids.ok()) << pids.status().message();
  EXPECT_EQ(pids->max, 1000);  // the smaller limit
  EXPECT_GT(pids->running, 0);

  auto cpus = probe.onlineCpus();
  ASSERT_TRUE(cpus.ok());
  EXPECT_GE(*cpus, 1);
  // A root dir that does not exist yet is measured at its nearest existing ancestor.
  auto fs = probe.filesystem(root.path() + "/not/yet/there");
  ASSERT_TRUE(fs.ok()) << fs.status().message();
  EXPECT_GT(fs->capacityBytes, 0);
  EXPECT_LE(fs->availableBytes, fs->capacityBytes);
  auto host = probe.hostname();
  ASSERT_TRUE(host.ok());
  EXPECT_FALSE(host->empty());

  LinuxHostProbe empty(root.path() + "/nothing");
  EXPECT_EQ(empty.memory().status().code(), ENOENT);
  auto no_ids = empty.systemIds();
  ASSERT_TRUE(no_ids.ok());
  EXPECT_EQ(no_ids->osImage, "Linux");
}

}  // namespace
}  // namespace orch::agent
