// The real loopback binary in a namespace made by the test, against the reference's.
#include <gtest/gtest.h>

#include "tests/integration/cni/plugin_runner.h"
#include "tests/support/netns/netns_fixture.h"

namespace orch::testing {
namespace {

using nlohmann::json;

const std::string kOurs = ORCH_CNI_BIN_DIR "/loopback";
const std::string kRef = "/usr/lib/cni/loopback";

class LoopbackTest : public NetnsTest {
 protected:
  bool loUp(TestNetns* ns) {
    auto j = ns->ipJson({"link", "show", "lo"});
    EXPECT_TRUE(j.ok()) << j.status().message();
    if (!j.ok()) return false;
    for (const auto& f : (*j)[0]["flags"]) {
      if (f == "UP") return true;
    }
    return false;
  }
  static PluginCall call(TestNetns* ns, const std::string& cmd) {
    PluginCall c;
    c.command = cmd;
    c.container_id = "lo-test";
    c.netns = "/run/netns/" + ns->name();
    c.ifname = "lo";
    return c;
  }
  static std::string conf(const std::string& v) {
    return json{{"cniVersion", v}, {"name", "lo"}, {"type", "loopback"}}.dump();
  }
  // The reference (1.1.1) builds a 1.0.0-shaped result and labels it with the config's
  // version without converting it, so its 0.3.x/0.4.0 ips lack the spec's "version" field.
  // Compare without it; ours is checked for the field separately.
  static json withoutIpVersion(json j) {
    if (j.contains("ips")) {
      for (auto& ip : j["ips"]) ip.erase("version");
    }
    return j;
  }
};

TEST_F(LoopbackTest, AddMatchesTheReferencePerVersion) {
  TestNetns* ns = newNetns();
  ASSERT_NE(ns, nullptr);
  ASSERT_TRUE(ns->ip({"link", "set", "lo", "down"}).isOk());
  for (const char* v : {"0.3.0", "0.3.1", "0.4.0", "1.0.0"}) {
    ASSERT_TRUE(ns->ip({"link", "set", "lo", "down"}).isOk());
    PluginRun ours = runPlugin(kOurs, call(ns, "ADD"), conf(v));
    ASSERT_EQ(ours.exit_code, 0) << ours.out;
    EXPECT_TRUE(loUp(ns)) << v;
    PluginRun ref = runPlugin(kRef, call(ns, "ADD"), conf(v));
    ASSERT_EQ(ref.exit_code, 0) << ref.out;
    EXPECT_EQ(withoutIpVersion(ours.json), withoutIpVersion(ref.json)) << v;
    EXPECT_EQ(ours.json["interfaces"][0], json({{"name", "lo"},
                                                {"mac", "00:00:00:00:00:00"},
                                                {"sandbox", "/run/netns/" + ns->name()}}));
    EXPECT_EQ(ours.json["ips"][0]["address"], "127.0.0.1/8");
    EXPECT_EQ(ours.json["ips"][1]["address"], "::1/128");
    EXPECT_EQ(ours.json["ips"][0].contains("version"), std::string(v) < "1.0.0") << v;
  }
  PluginRun v11 = runPlugin(kOurs, call(ns, "ADD"), conf("1.1.0"));
  ASSERT_EQ(v11.exit_code, 0) << v11.out;
  EXPECT_EQ(v11.json["cniVersion"], "1.1.0");
}

TEST_F(LoopbackTest, PrevResultPassesThrough) {
  TestNetns* ns = newNetns();
  ASSERT_NE(ns, nullptr);
  json c = json::parse(conf("1.0.0"));
  c["prevResult"] =
      json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.9.9.9/24"}],"dns":{}})");
  PluginRun r = runPlugin(kOurs, call(ns, "ADD"), c.dump());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.json, c["prevResult"]);
}

TEST_F(LoopbackTest, CheckDelAndDelAfterTheNamespaceIsGone) {
  TestNetns* ns = newNetns();
  ASSERT_NE(ns, nullptr);
  ASSERT_EQ(runPlugin(kOurs, call(ns, "ADD"), conf("1.0.0")).exit_code, 0);
  EXPECT_EQ(runPlugin(kOurs, call(ns, "CHECK"), conf("1.0.0")).exit_code, 0);
  PluginRun del = runPlugin(kOurs, call(ns, "DEL"), conf("1.0.0"));
  ASSERT_EQ(del.exit_code, 0) << del.out;
  EXPECT_FALSE(loUp(ns));
  PluginRun check = runPlugin(kOurs, call(ns, "CHECK"), conf("1.0.0"));
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.out.find("down"), std::string::npos);
  EXPECT_EQ(runPlugin(kOurs, call(ns, "DEL"), conf("1.0.0")).exit_code, 0);
  PluginCall gone = call(ns, "DEL");
  ASSERT_TRUE(ns->destroy().isOk());
  PluginRun r = runPlugin(kOurs, gone, conf("1.0.0"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // ADD into a namespace that does not exist fails with a CNI error.
  gone.command = "ADD";
  r = runPlugin(kOurs, gone, conf("1.0.0"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(r.json.contains("code")) << r.out;
}

}  // namespace
}  // namespace orch::testing
