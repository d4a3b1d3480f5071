// common/cni driving the real plugin binaries: a conflist loaded from a directory, ADD
// cached, CHECK and DEL from the cache, GC through host-local.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/cni/cni.h"
#include "common/cni/conf.h"
#include "support/temp_dir.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class LibcniTest : public NetnsTest {};

TEST_F(LibcniTest, LoopbackAndHostLocalThroughTheLibrary) {
  TestNetns* ns = newNetns();
  ASSERT_NE(ns, nullptr);
  TempDir tmp;
  tmp.write("net.d/00-junk.conf", "{");
  tmp.write("net.d/10-lo.conflist",
            R"({"cniVersion":"1.1.0","name":"lonet","plugins":[{"type":"loopback"}]})");
  tmp.write(
      "ipam.conf",
      json{
          {"cniVersion", "1.1.0"},
          {"name", "ipnet"},
          {"type", "host-local"},
          {"ipam",
           {{"type", "host-local"}, {"dataDir", tmp.path() + "/ipam"}, {"subnet", "10.30.0.0/24"}}}}
          .dump());
  auto lo = cni::loadFirstNetwork(tmp.path() + "/net.d");
  ASSERT_TRUE(lo.ok()) << lo.status().message();
  cni::CniConfig c(
      cni::CniConfig::Options{{ORCH_CNI_BIN_DIR}, tmp.path() + "/cache", std::chrono::seconds(20)});
  cni::RuntimeConf rt;
  rt.container_id = "pod-a";
  rt.netns = "/run/netns/" + ns->name();
  rt.ifname = "lo";
  auto r = c.addNetworkList(*lo, rt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->interfaces.at(0).name, "lo");
  EXPECT_TRUE(fs::exists(tmp.path() + "/cache/results/lonet-pod-a-lo"));
  EXPECT_TRUE(c.checkNetworkList(*lo, rt).isOk());
  EXPECT_TRUE(c.getStatusNetworkList(*lo).isOk());
  EXPECT_TRUE(c.delNetworkList(*lo, rt).isOk());
  EXPECT_FALSE(fs::exists(tmp.path() + "/cache/results/lonet-pod-a-lo"));

  auto ipnet = cni::loadConfFile(tmp.path() + "/ipam.conf");
  ASSERT_TRUE(ipnet.ok()) << ipnet.status().message();
  cni::RuntimeConf a = rt, b = rt;
  a.ifname = b.ifname = "eth0";
  b.container_id = "pod-b";
  auto ra = c.addNetworkList(*ipnet, a);
  auto rb = c.addNetworkList(*ipnet, b);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(ra->ips.at(0).address.toString(), "10.30.0.2/24");
  EXPECT_EQ(rb->ips.at(0).address.toString(), "10.30.0.3/24");
  // GC keeps pod-a; pod-b is released both from the cache (DEL) and by host-local's GC.
  ASSERT_TRUE(c.gcNetworkList(*ipnet, {cni::GcAttachment{"pod-a", "eth0"}}).isOk());
  EXPECT_TRUE(fs::exists(tmp.path() + "/ipam/ipnet/10.30.0.2"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/ipam/ipnet/10.30.0.3"));
  EXPECT_FALSE(fs::exists(tmp.path() + "/cache/results/ipnet-pod-b-eth0"));
  EXPECT_TRUE(c.delNetworkList(*ipnet, a).isOk());
  EXPECT_FALSE(fs::exists(tmp.path() + "/ipam/ipnet/10.30.0.2"));

  auto v = c.getVersionInfo("host-local");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->supported_versions.back(), "1.1.0");
}

}  // namespace
}  // namespace orch::testing
