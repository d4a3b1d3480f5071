#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/cni/cni.h"
#include "common/cni/conf.h"
#include "support/temp_dir.h"

namespace orch::cni {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

TEST(ConfTest, FirstValidFileInLexicalOrder) {
  orch::testing::TempDir d;
  d.write("05-notes.txt", "not a config");
  d.write("10-broken.conf", "{not json");
  d.write("20-noplugins.conflist", R"({"cniVersion":"1.0.0","name":"x","plugins":[]})");
  d.write("30-net.conflist",
          R"({"cniVersion":"1.0.0","name":"podnet","plugins":[{"type":"bridge"},
             {"type":"portmap","capabilities":{"portMappings":true}}]})");
  d.write("40-later.conf", R"({"cniVersion":"1.0.0","name":"later","type":"bridge"})");
  auto files = confFiles(d.path());
  ASSERT_TRUE(files.ok());
  EXPECT_EQ(files->size(), 4u);
  auto l = loadFirstNetwork(d.path());
  ASSERT_TRUE(l.ok()) << l.status().message();
  EXPECT_EQ(l->name, "podnet");
  ASSERT_EQ(l->plugins.size(), 2u);
  EXPECT_TRUE(l->plugins[1].capabilities.at("portMappings"));
  EXPECT_EQ(l->source, d.path() + "/30-net.conflist");
}

TEST(ConfTest, SingleConfIsWrapped) {
  orch::testing::TempDir d;
  d.write("10-x.json", R"({"cniVersion":"0.4.0","name":"one","type":"host-local","ipam":{}})");
  auto l = loadFirstNetwork(d.path());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->name, "one");
  EXPECT_EQ(l->cni_version, "0.4.0");
  ASSERT_EQ(l->plugins.size(), 1u);
  EXPECT_EQ(l->plugins[0].type, "host-local");
  EXPECT_TRUE(l->plugins[0].raw.contains("ipam"));
}

TEST(ConfTest, CniVersionsNegotiationAndErrors) {
  auto l = parseConfList(
      R"({"cniVersion":"0.4.0","cniVersions":["0.3.1","1.1.0","2.0.0"],"name":"n","plugins":[{"type":"a"}]})");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->cni_version, "1.1.0");
  auto bad = parseConfList(R"({"cniVersion":"1.0.0","plugins":[{"type":"a"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("name"), std::string::npos);
  bad = parseConfList(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"x":1}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("plugins[0].type"), std::string::npos);
  bad = parseConfList(R"({"cniVersion":"5.0.0","name":"n","plugins":[{"type":"a"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cniVersion"), std::string::npos);
  EXPECT_FALSE(loadFirstNetwork("/nonexistent-dir-orch").ok());
}

TEST(BuildConfigTest, InjectsOnlyDeclaredCapabilities) {
  auto l = parseConfList(R"({"cniVersion":"1.0.0","name":"n","plugins":[
      {"type":"a","runtimeConfig":{"keep":1}},
      {"type":"b","capabilities":{"portMappings":true,"mac":false}}]})");
  ASSERT_TRUE(l.ok());
  RuntimeConf rt;
  rt.capability_args = {{"portMappings", json::array({{{"hostPort", 80}}})}, {"mac", "x"}};
  json a = buildPluginConfig(*l, l->plugins[0], json(), rt);
  EXPECT_EQ(a["name"], "n");
  EXPECT_EQ(a["cniVersion"], "1.0.0");
  EXPECT_EQ(a["runtimeConfig"], json::parse(R"({"keep":1})"));
  EXPECT_FALSE(a.contains("prevResult"));
  json b = buildPluginConfig(*l, l->plugins[1], json::parse(R"({"cniVersion":"1.0.0"})"), rt);
  EXPECT_EQ(b["runtimeConfig"], json::parse(R"({"portMappings":[{"hostPort":80}]})"));
  EXPECT_EQ(b["prevResult"]["cniVersion"], "1.0.0");
}

// Fake plugins: shell scripts that log "<type> <command> <env> <stdin>" lines and answer.
class ChainTest : public ::testing::Test {
 protected:
  orch::testing::TempDir tmp_;
  std::string bin() const { return tmp_.path() + "/bin"; }
  std::string log() const { return tmp_.path() + "/log"; }

  void plugin(const std::string& type, const std::string& add_output,
              const std::string& extra = "") {
    std::string path = tmp_.write("bin/" + type,
                                  "#!/bin/sh\n"
                                  "in=$(cat)\n"
                                  "printf '%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' " +
                                      type +
                                      " \"$CNI_COMMAND\" \"$CNI_CONTAINERID\" \"$CNI_IFNAME\" "
                                      "\"$CNI_ARGS\" \"$in\" >> " +
                                      log() + "\n" + extra +
                                      "case \"$CNI_COMMAND\" in\n"
                                      "ADD) echo '" +
                                      add_output +
                                      "' ;;\n"
                                      "VERSION) echo '{\"cniVersion\":\"1.1.0\","
                                      "\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}' ;;\n"
                                      "esac\n");
    ::chmod(path.c_str(), 0755);
  }

  struct Call {
    std::string type, command, id, ifname, args;
    json config;
  };
  std::vector<Call> calls() const {
    std::vector<Call> out;
    std::ifstream in(log());
    for (std::string line; std::getline(in, line);) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
      f.resize(6);
      out.push_back({f[0], f[1], f[2], f[3], f[4], json::parse(f[5])});
    }
    return out;
  }

  CniConfig cni(std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    return CniConfig(CniConfig::Options{
        {tmp_.path() + "/nothing-here", bin()}, tmp_.path() + "/cache", timeout});
  }
  NetworkConfigList list(const std::string& version = "1.1.0") const {
    auto l = parseConfList(R"({"cniVersion":")" + version + R"(","name":"podnet","plugins":[
        {"type":"first","ipam":{"type":"x"}},
        {"type":"second","capabilities":{"portMappings":true}}]})");
    EXPECT_TRUE(l.ok());
    return *l;
  }
  RuntimeConf rt(const std::string& id = "ctr1") const {
    RuntimeConf r;
    r.container_id = id;
    r.netns = "/run/netns/p";
    r.ifname = "eth0";
    r.args = {{"K8S_POD_NAME", "web"}};
    r.capability_args = {{"portMappings", json::array({{{"hostPort", 8080}}})}};
    return r;
  }
};

constexpr const char* kFirstResult =
    R"({"cniVersion":"1.0.0","interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.2/24","interface":0}]})";
constexpr const char* kSecondResult =
    R"({"cniVersion":"1.1.0","interfaces":[{"name":"eth0","mac":"aa:aa:aa:aa:aa:aa"}],"ips":[{"address":"10.0.0.2/24","interface":0}]})";

TEST_F(ChainTest, AddChainsPrevResultAndCaches) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult);
  CniConfig c = cni();
  auto r = c.addNetworkList(list(), rt());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->interfaces.at(0).mac, "aa:aa:aa:aa:aa:aa");
  auto cs = calls();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(cs[0].type, "first");
  EXPECT_EQ(cs[0].command, "ADD");
  EXPECT_EQ(cs[0].id, "ctr1");
  EXPECT_EQ(cs[0].args, "K8S_POD_NAME=web");
  EXPECT_EQ(cs[0].config["name"], "podnet");
  EXPECT_EQ(cs[0].config["cniVersion"], "1.1.0");
  EXPECT_FALSE(cs[0].config.contains("prevResult"));
  EXPECT_FALSE(cs[0].config.contains("runtimeConfig"));
  EXPECT_EQ(cs[1].config["prevResult"]["ips"][0]["address"], "10.0.0.2/24");
  EXPECT_EQ(cs[1].config["prevResult"]["cniVersion"], "1.1.0");
  EXPECT_EQ(cs[1].config["runtimeConfig"]["portMappings"][0]["hostPort"], 8080);

  std::ifstream in(tmp_.path() + "/cache/results/podnet-ctr1-eth0");
  ASSERT_TRUE(in.good());
  json cached = json::parse(in);
  EXPECT_EQ(cached["kind"], "cniCacheV1");
  EXPECT_EQ(cached["containerId"], "ctr1");
  EXPECT_EQ(cached["ifName"], "eth0");
  EXPECT_EQ(cached["networkName"], "podnet");
  EXPECT_EQ(cached["cniArgs"], json::parse(R"([["K8S_POD_NAME","web"]])"));
  EXPECT_EQ(cached["capabilityArgs"]["portMappings"][0]["hostPort"], 8080);
  EXPECT_EQ(cached["result"]["interfaces"][0]["mac"], "aa:aa:aa:aa:aa:aa");
  auto entry = ResultCache::fromJson(cached);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(json::parse(entry->config)["name"], "podnet");
}

TEST_F(ChainTest, DelRunsInReverseWithCachedResultAndDropsCache) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult);
  CniConfig c = cni();
  ASSERT_TRUE(c.addNetworkList(list(), rt()).ok());
  ASSERT_TRUE(c.checkNetworkList(list(), rt()).isOk());
  Status s = c.delNetworkList(list(), rt());
  ASSERT_TRUE(s.isOk()) << s.message();
  auto cs = calls();
  ASSERT_EQ(cs.size(), 6u);
  EXPECT_EQ(cs[2].command, "CHECK");
  EXPECT_EQ(cs[2].config["prevResult"]["interfaces"][0]["mac"], "aa:aa:aa:aa:aa:aa");
  EXPECT_EQ(cs[4].type, "second");
  EXPECT_EQ(cs[4].command, "DEL");
  EXPECT_EQ(cs[5].type, "first");
  EXPECT_EQ(cs[5].config["prevResult"]["interfaces"][0]["mac"], "aa:aa:aa:aa:aa:aa");
  EXPECT_FALSE(fs::exists(tmp_.path() + "/cache/results/podnet-ctr1-eth0"));
  auto cached = c.getCachedResult(list(), rt());
  ASSERT_TRUE(cached.ok());
  EXPECT_FALSE(cached->has_value());
  // CHECK without a cached result is an error; DEL without one still runs.
  EXPECT_FALSE(c.checkNetworkList(list(), rt()).isOk());
  EXPECT_TRUE(c.delNetworkList(list(), rt()).isOk());
}

TEST_F(ChainTest, PluginErrorBecomesStatusWithCode) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult,
         "if [ \"$CNI_COMMAND\" = ADD ]; then echo '{\"code\":7,\"msg\":\"bad bridge\"}'; exit 1; "
         "fi\n");
  CniConfig c = cni();
  auto r = c.addNetworkList(list(), rt());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EINVAL);
  EXPECT_NE(r.status().message().find("second"), std::string::npos);
  EXPECT_NE(r.status().message().find("code 7: bad bridge"), std::string::npos);
  EXPECT_FALSE(fs::exists(tmp_.path() + "/cache/results/podnet-ctr1-eth0"));
}

TEST_F(ChainTest, MissingPluginIsNamed) {
  plugin("first", kFirstResult);
  auto r = cni().addNetworkList(list(), rt());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ENOENT);
  EXPECT_NE(r.status().message().find("\"second\""), std::string::npos);
}

TEST_F(ChainTest, TimeoutKillsThePlugin) {
  plugin("first", kFirstResult, "sleep 30\n");
  plugin("second", kSecondResult);
  auto r = cni(std::chrono::milliseconds(300)).addNetworkList(list(), rt());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), EAGAIN);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos);
}

TEST_F(ChainTest, GcDeletesStaleAttachmentsAndSendsValidOnes) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult);
  CniConfig c = cni();
  ASSERT_TRUE(c.addNetworkList(list(), rt("keep")).ok());
  ASSERT_TRUE(c.addNetworkList(list(), rt("stale")).ok());
  Status s = c.gcNetworkList(list(), {GcAttachment{"keep", "eth0"}});
  ASSERT_TRUE(s.isOk()) << s.message();
  auto cs = calls();
  ASSERT_EQ(cs.size(), 8u);
  EXPECT_EQ(cs[4].command, "DEL");
  EXPECT_EQ(cs[4].id, "stale");
  EXPECT_EQ(cs[6].command, "GC");
  EXPECT_EQ(cs[6].config["cni.dev/valid-attachments"],
            json::parse(R"([{"containerID":"keep","ifname":"eth0"}])"));
  EXPECT_TRUE(fs::exists(tmp_.path() + "/cache/results/podnet-keep-eth0"));
  EXPECT_FALSE(fs::exists(tmp_.path() + "/cache/results/podnet-stale-eth0"));
}

TEST_F(ChainTest, StatusAndVersion) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult);
  CniConfig c = cni();
  ASSERT_TRUE(c.getStatusNetworkList(list()).isOk());
  ASSERT_EQ(calls().size(), 2u);
  EXPECT_EQ(calls()[1].command, "STATUS");
  // Before 1.1.0 there is no STATUS to send.
  ASSERT_TRUE(c.getStatusNetworkList(list("1.0.0")).isOk());
  EXPECT_EQ(calls().size(), 2u);
  auto v = c.getVersionInfo("first");
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->supported_versions, (std::vector<std::string>{"1.0.0", "1.1.0"}));
}

TEST_F(ChainTest, CheckIsRefusedBefore0_4) {
  plugin("first", kFirstResult);
  plugin("second", kSecondResult);
  EXPECT_EQ(cni().checkNetworkList(list("0.3.1"), rt()).code(), ENOTSUP);
}

}  // namespace
}  // namespace orch::cni
