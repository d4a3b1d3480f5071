#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cni-plugins/host-local/allocator.h"
#include "cni-plugins/host-local/host_local.h"
#include "cni-plugins/host-local/ipam_config.h"
#include "support/temp_dir.h"

namespace orch::cni::hostlocal {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

class HostLocalTest : public ::testing::Test {
 protected:
  orch::testing::TempDir tmp_;
  std::string dir() const { return tmp_.path() + "/net"; }

  json conf(const json& ipam_extra, const std::string& version = "1.0.0") const {
    json c = {{"cniVersion", version}, {"name", "net"}, {"type", "host-local"}};
    json ipam = {{"type", "host-local"}, {"dataDir", tmp_.path()}};
    for (const auto& [k, v] : ipam_extra.items()) ipam[k] = v;
    c["ipam"] = ipam;
    return c;
  }
  json ranges(const std::string& subnet) const {
    return {{"ranges", json::array({json::array({{{"subnet", subnet}}})})}};
  }

  skel::Reply run(const std::string& cmd, const std::string& id, const json& config,
                  const std::string& cni_args = "", const std::string& ifname = "eth0") {
    std::map<std::string, std::string> env = {
        {"CNI_COMMAND", cmd},   {"CNI_CONTAINERID", id}, {"CNI_NETNS", "/run/netns/x"},
        {"CNI_IFNAME", ifname}, {"CNI_ARGS", cni_args},  {"CNI_PATH", "/opt/cni/bin"}};
    return skel::dispatch(
        plugin(),
        [&](const char* n) -> std::optional<std::string> {
          auto it = env.find(n);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        config.dump());
  }
  std::string addIp(const std::string& id, const json& config, const std::string& cni_args = "",
                    const std::string& ifname = "eth0") {
    skel::Reply r = run("ADD", id, config, cni_args, ifname);
    EXPECT_EQ(r.exit_code, 0) << r.out;
    if (r.exit_code != 0) return "";
    return json::parse(r.out)["ips"][0]["address"].get<std::string>();
  }
  std::string read(const std::string& name) const {
    std::ifstream in(dir() + "/" + name);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Every file and its content: the state directory as a value.
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> out;
    if (!fs::exists(dir())) return out;
    for (const auto& e : fs::directory_iterator(dir())) {
      out[e.path().filename()] = read(e.path().filename());
    }
    return out;
  }
};

TEST_F(HostLocalTest, AllocatesSequentiallySkippingTheGateway) {
  json c = conf(ranges("10.2.0.0/29"));
  EXPECT_EQ(addIp("c1", c), "10.2.0.2/29");
  EXPECT_EQ(addIp("c2", c), "10.2.0.3/29");
  EXPECT_EQ(read("10.2.0.2"), "c1\r\neth0");
  EXPECT_EQ(read("last_reserved_ip.0"), "10.2.0.3");
  EXPECT_TRUE(fs::exists(dir() + "/lock"));
  skel::Reply r = run("ADD", "c3", c);
  json j = json::parse(r.out);
  EXPECT_EQ(j["cniVersion"], "1.0.0");
  EXPECT_EQ(j["ips"][0]["gateway"], "10.2.0.1");
  EXPECT_FALSE(j["ips"][0].contains("version"));
}

TEST_F(HostLocalTest, RoundRobinContinuesAfterLastReserved) {
  json c = conf(ranges("10.2.0.0/29"));  // allocatable .2 - .6
  tmp_.write("net/last_reserved_ip.0", "10.2.0.4");
  EXPECT_EQ(addIp("a", c), "10.2.0.5/29");
  ASSERT_EQ(run("DEL", "a", c).exit_code, 0);
  // .5 is free again, but round robin moves on.
  EXPECT_EQ(addIp("b", c), "10.2.0.6/29");
  // Wraps around to rangeStart, skipping the gateway .1.
  EXPECT_EQ(addIp("c", c), "10.2.0.2/29");
}

TEST_F(HostLocalTest, LastReservedOutsideTheSetStartsAtRangeStart) {
  json c = conf(ranges("10.2.0.0/29"));
  tmp_.write("net/last_reserved_ip.0", "192.168.0.9");
  EXPECT_EQ(addIp("a", c), "10.2.0.2/29");
}

TEST_F(HostLocalTest, ExhaustionIsCode11AndChangesNothing) {
  json c = conf(ranges("10.3.0.0/30"));  // network .0, gateway .1, broadcast .3
  EXPECT_EQ(addIp("a", c), "10.3.0.2/30");
  auto before = snapshot();
  skel::Reply r = run("ADD", "b", c);
  EXPECT_NE(r.exit_code, 0);
  json e = json::parse(r.out);
  EXPECT_EQ(e["code"], 11);
  EXPECT_NE(e["msg"].get<std::string>().find("no IP addresses available in range set"),
            std::string::npos);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(HostLocalTest, ExplicitRangeAndGateway) {
  json c = conf({{"ranges", json::array({json::array({{{"subnet", "10.4.0.0/24"},
                                                       {"rangeStart", "10.4.0.10"},
                                                       {"rangeEnd", "10.4.0.11"},
                                                       {"gateway", "10.4.0.10"}}})})}});
  EXPECT_EQ(addIp("a", c), "10.4.0.11/24");
  EXPECT_NE(run("ADD", "b", c).exit_code, 0);
}

TEST_F(HostLocalTest, RequestedIpsFromEverySource) {
  json c = conf(ranges("10.5.0.0/24"));
  EXPECT_EQ(addIp("a", c, "IgnoreUnknown=1;IP=10.5.0.77"), "10.5.0.77/24");
  json c2 = c;
  c2["args"] = {{"cni", {{"ips", {"10.5.0.78"}}}}};
  EXPECT_EQ(addIp("b", c2), "10.5.0.78/24");
  json c3 = c;
  c3["runtimeConfig"] = {{"ips", {"10.5.0.79/24"}}};
  EXPECT_EQ(addIp("c", c3), "10.5.0.79/24");
  // Taken: try again later; the gateway or an address outside: a config error.
  EXPECT_EQ(json::parse(run("ADD", "d", c, "IP=10.5.0.77").out)["code"], 11);
  EXPECT_EQ(json::parse(run("ADD", "d", c, "IP=10.5.0.1").out)["code"], 7);
  skel::Reply r = run("ADD", "d", c, "IP=10.9.0.1");
  EXPECT_EQ(json::parse(r.out)["code"], 7);
  EXPECT_NE(r.out.find("10.9.0.1"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir() + "/10.9.0.1"));
}

TEST_F(HostLocalTest, DualStackTakesOneAddressPerRangeSet) {
  json c = conf({{"ranges", json::array({json::array({{{"subnet", "10.6.0.0/24"}}}),
                                         json::array({{{"subnet", "fd00:6::/64"}}})})},
                 {"routes", json::array({{{"dst", "0.0.0.0/0"}}, {{"dst", "::/0"}}})}},
                "0.3.1");
  skel::Reply r = run("ADD", "a", c);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json j = json::parse(r.out);
  ASSERT_EQ(j["ips"].size(), 2u);
  EXPECT_EQ(j["ips"][0]["address"], "10.6.0.2/24");
  EXPECT_EQ(j["ips"][0]["version"], "4");
  EXPECT_EQ(j["ips"][1]["address"], "fd00:6::2/64");
  EXPECT_EQ(j["ips"][1]["gateway"], "fd00:6::1");
  EXPECT_EQ(j["ips"][1]["version"], "6");
  EXPECT_EQ(j["routes"].size(), 2u);
  EXPECT_EQ(read("fd00:6::2"), "a\r\neth0");
  EXPECT_EQ(read("last_reserved_ip.1"), "fd00:6::2");
}

TEST_F(HostLocalTest, MultipleRangesInOneSetRollOver) {
  json c = conf(
      {{"ranges",
        json::array({json::array({{{"subnet", "10.7.0.0/30"}}, {{"subnet", "10.7.1.0/30"}}})})}});
  EXPECT_EQ(addIp("a", c), "10.7.0.2/30");
  skel::Reply r = run("ADD", "b", c);
  json j = json::parse(r.out);
  EXPECT_EQ(j["ips"][0]["address"], "10.7.1.2/30");
  EXPECT_EQ(j["ips"][0]["gateway"], "10.7.1.1");
}

TEST_F(HostLocalTest, LegacyConfigRoutesAndResolvConf) {
  std::string rc = tmp_.write("resolv.conf",
                              "# comment\nnameserver 10.0.0.10\nnameserver 10.0.0.11\n"
                              "search a.local b.local\ndomain a.local\noptions ndots:5\n");
  json c = conf({{"subnet", "10.8.0.0/24"},
                 {"rangeStart", "10.8.0.100"},
                 {"routes", json::array({{{"dst", "10.0.0.0/8"}, {"gw", "10.8.0.1"}}})},
                 {"resolvConf", rc}});
  skel::Reply r = run("ADD", "a", c);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["ips"][0]["address"], "10.8.0.100/24");
  EXPECT_EQ(j["routes"][0], json::parse(R"({"dst":"10.0.0.0/8","gw":"10.8.0.1"})"));
  EXPECT_EQ(j["dns"], json::parse(R"({"nameservers":["10.0.0.10","10.0.0.11"],
    "domain":"a.local","search":["a.local","b.local"],"options":["ndots:5"]})"));
}

TEST_F(HostLocalTest, RuntimeIpRangesComeFirst) {
  json c = conf(ranges("10.9.0.0/24"));
  c["runtimeConfig"] = {{"ipRanges", json::array({json::array({{{"subnet", "10.10.0.0/24"}}})})}};
  skel::Reply r = run("ADD", "a", c);
  json j = json::parse(r.out);
  ASSERT_EQ(j["ips"].size(), 2u) << r.out;
  EXPECT_EQ(j["ips"][0]["address"], "10.10.0.2/24");
  EXPECT_EQ(j["ips"][1]["address"], "10.9.0.2/24");
}

TEST_F(HostLocalTest, DelReleasesOnlyItsOwnAndIsIdempotent) {
  json c = conf(ranges("10.11.0.0/24"));
  addIp("a", c);
  addIp("a", c, "", "eth1");
  addIp("b", c);
  ASSERT_EQ(run("DEL", "a", c).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir() + "/10.11.0.2"));
  EXPECT_TRUE(fs::exists(dir() + "/10.11.0.3"));  // a/eth1
  EXPECT_TRUE(fs::exists(dir() + "/10.11.0.4"));
  EXPECT_EQ(run("DEL", "a", c).exit_code, 0);
  EXPECT_EQ(run("DEL", "never-added", c).exit_code, 0);
}

TEST_F(HostLocalTest, DuplicateAddIsRefused) {
  json c = conf(ranges("10.12.0.0/24"));
  addIp("a", c);
  skel::Reply r = run("ADD", "a", c);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.out.find("duplicate allocation"), std::string::npos);
}

TEST_F(HostLocalTest, CheckFindsTheAllocation) {
  json c = conf(ranges("10.13.0.0/24"), "1.1.0");
  addIp("a", c);
  EXPECT_EQ(run("CHECK", "a", c).exit_code, 0);
  EXPECT_NE(run("CHECK", "b", c).exit_code, 0);
  EXPECT_EQ(run("STATUS", "", c).exit_code, 0);
}

TEST_F(HostLocalTest, GcReleasesEverythingNotValid) {
  json c = conf(ranges("10.14.0.0/24"), "1.1.0");
  addIp("a", c);
  addIp("b", c);
  addIp("c", c, "", "net1");
  json gc = c;
  gc["cni.dev/valid-attachments"] = json::array(
      {{{"containerID", "b"}, {"ifname", "eth0"}}, {{"containerID", "z"}, {"ifname", "eth0"}}});
  skel::Reply r = run("GC", "", gc);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(fs::exists(dir() + "/10.14.0.2"));
  EXPECT_TRUE(fs::exists(dir() + "/10.14.0.3"));
  EXPECT_FALSE(fs::exists(dir() + "/10.14.0.4"));
  gc["cni.dev/valid-attachments"] = "nope";
  EXPECT_EQ(json::parse(run("GC", "", gc).out)["code"], 7);
}

TEST_F(HostLocalTest, LeftoverTempFileOfAKilledAddIsCleaned) {
  json c = conf(ranges("10.15.0.0/24"));
  // What a plugin killed between writing its temp file and linking it leaves behind.
  tmp_.write("net/.orch-tmp-99999", "k\r\neth0");
  ASSERT_EQ(run("DEL", "k", c).exit_code, 0);
  EXPECT_FALSE(fs::exists(dir() + "/.orch-tmp-99999"));
  tmp_.write("net/.orch-tmp-99998", "other\r\neth0");
  addIp("a", c);
  EXPECT_FALSE(fs::exists(dir() + "/.orch-tmp-99998"));
}

TEST_F(HostLocalTest, BadConfigIsCode7NamingTheField) {
  auto expectErr = [&](const json& c, const std::string& field) {
    auto before = snapshot();
    skel::Reply r = run("ADD", "a", c);
    ASSERT_NE(r.exit_code, 0);
    json e = json::parse(r.out);
    EXPECT_EQ(e["code"], 7) << r.out;
    EXPECT_NE(e["msg"].get<std::string>().find(field), std::string::npos) << r.out;
    EXPECT_EQ(snapshot(), before);
  };
  json no_ipam = {{"cniVersion", "1.0.0"}, {"name", "net"}, {"type", "host-local"}};
  expectErr(no_ipam, "ipam");
  expectErr(conf(ranges("10.0.0.0/33")), "ipam.ranges[0][0].subnet");
  expectErr(conf(ranges("10.0.0.1/24")), "host bits");
  expectErr(conf(ranges("10.0.0.0/31")), "too small");
  expectErr(conf({}), "no IP ranges");
  expectErr(conf({{"ranges", json::array({json::array(
                                 {{{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.1.0.1"}}})})}}),
            "rangeStart");
  expectErr(conf({{"ranges", json::array({json::array({{{"subnet", "10.0.0.0/24"}}}),
                                          json::array({{{"subnet", "10.0.0.0/25"}}})})}}),
            "overlaps");
  expectErr(conf({{"routes", json::array({{{"dst", "bad"}}})}, {"subnet", "10.0.0.0/24"}}),
            "ipam.routes[0].dst");
}

TEST(RangeIterTest, VisitsEveryAddressOnceFromAfterLast) {
  IpamConfig c;
  auto conf = loadIpamConfig(json::parse(R"({"name":"n","ipam":{"ranges":[[
      {"subnet":"10.0.0.0/29"},{"subnet":"10.0.1.0/30"}]]}})"),
                             {});
  ASSERT_TRUE(conf.ok()) << conf.status().message();
  const RangeSet& set = conf->range_sets[0];
  RangeIter it(set, *IpAddr::parse("10.0.0.5"));
  std::vector<std::string> seen;
  while (auto n = it.next()) seen.push_back(n->first.toString());
  EXPECT_EQ(seen, (std::vector<std::string>{"10.0.0.6", "10.0.1.2", "10.0.0.2", "10.0.0.3",
                                            "10.0.0.4", "10.0.0.5"}));
}

}  // namespace
}  // namespace orch::cni::hostlocal
