#include "cni-plugins/skel/skel.h"

#include <gtest/gtest.h>

#include <map>

#include "common/cni/version.h"

namespace orch::cni::skel {
namespace {

using nlohmann::json;

struct Harness {
  std::map<std::string, std::string> env = {{"CNI_COMMAND", "ADD"},
                                            {"CNI_CONTAINERID", "c1"},
                                            {"CNI_NETNS", "/run/netns/x"},
                                            {"CNI_IFNAME", "eth0"},
                                            {"CNI_PATH", "/opt/cni/bin:/usr/lib/cni"}};
  CmdArgs seen;
  std::string called;
  Plugin plugin;

  Harness() {
    auto rec = [this](const char* name) {
      return [this, name](const CmdArgs& a, json& out) -> std::optional<Error> {
        seen = a;
        called = name;
        out = json{{"ok", name}};
        return std::nullopt;
      };
    };
    plugin = Plugin{"test",       supportedVersions(), rec("add"),   rec("del"),
                    rec("check"), rec("gc"),           rec("status")};
  }
  Reply run(const std::string& in) {
    return dispatch(
        plugin,
        [this](const char* n) -> std::optional<std::string> {
          auto it = env.find(n);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        in);
  }
};

const char* kConf = R"({"cniVersion":"1.0.0","name":"n","type":"t"})";

json parseOut(const Reply& r) {
  return json::parse(r.out);
}

TEST(SkelTest, ParsesEnvironmentAndStdin) {
  Harness h;
  h.env["CNI_ARGS"] = "IgnoreUnknown=1;IP=10.0.0.5;K8S_POD_NAME=p";
  Reply r = h.run(kConf);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(h.called, "add");
  EXPECT_EQ(h.seen.container_id, "c1");
  EXPECT_EQ(h.seen.netns, "/run/netns/x");
  EXPECT_EQ(h.seen.ifname, "eth0");
  EXPECT_EQ(h.seen.path, (std::vector<std::string>{"/opt/cni/bin", "/usr/lib/cni"}));
  ASSERT_EQ(h.seen.args.size(), 3u);
  EXPECT_EQ(h.seen.args[1], (std::pair<std::string, std::string>{"IP", "10.0.0.5"}));
  EXPECT_EQ(h.seen.cni_version, "1.0.0");
  EXPECT_EQ(h.seen.config["name"], "n");
  EXPECT_EQ(parseOut(r)["ok"], "add");
}

TEST(SkelTest, MissingVariablesAreCode4NamingThem) {
  Harness h;
  h.env.erase("CNI_NETNS");
  h.env.erase("CNI_IFNAME");
  Reply r = h.run(kConf);
  EXPECT_NE(r.exit_code, 0);
  json e = parseOut(r);
  EXPECT_EQ(e["code"], 4);
  EXPECT_EQ(e["msg"], "required env variables [CNI_NETNS,CNI_IFNAME] missing");
  EXPECT_TRUE(h.called.empty());
}

TEST(SkelTest, DelDoesNotNeedNetns) {
  Harness h;
  h.env["CNI_COMMAND"] = "DEL";
  h.env.erase("CNI_NETNS");
  Reply r = h.run(kConf);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(h.called, "del");
}

TEST(SkelTest, UnknownOrMissingCommandIsCode4) {
  Harness h;
  h.env["CNI_COMMAND"] = "FROB";
  json e = parseOut(h.run(kConf));
  EXPECT_EQ(e["code"], 4);
  EXPECT_EQ(e["msg"], "unknown CNI_COMMAND: FROB");
  h.env.erase("CNI_COMMAND");
  e = parseOut(h.run(kConf));
  EXPECT_EQ(e["code"], 4);
  EXPECT_NE(e["msg"].get<std::string>().find("CNI_COMMAND"), std::string::npos);
}

TEST(SkelTest, BadCniArgsIsCode4) {
  Harness h;
  h.env["CNI_ARGS"] = "A=1;garbage";
  json e = parseOut(h.run(kConf));
  EXPECT_EQ(e["code"], 4);
  EXPECT_NE(e["msg"].get<std::string>().find("CNI_ARGS"), std::string::npos);
}

TEST(SkelTest, UndecodableConfigIsCode6) {
  Harness h;
  Reply r = h.run("{\"cniVersion\":");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(parseOut(r)["code"], 6);
  EXPECT_EQ(parseOut(h.run("[1]"))["code"], 6);
  EXPECT_EQ(parseOut(h.run(R"({"cniVersion":5})"))["code"], 6);
}

TEST(SkelTest, UnsupportedVersionIsCode1) {
  Harness h;
  json e = parseOut(h.run(R"({"cniVersion":"9.0.0","name":"n"})"));
  EXPECT_EQ(e["code"], 1);
  EXPECT_NE(e["msg"].get<std::string>().find("cniVersion"), std::string::npos);
  EXPECT_NE(e["details"].get<std::string>().find("9.0.0"), std::string::npos);
  // No cniVersion means 0.1.0, which orch does not speak.
  EXPECT_EQ(parseOut(h.run(R"({"name":"n"})"))["code"], 1);
}

TEST(SkelTest, VersionCommandListsSupportedVersions) {
  Harness h;
  h.env = {{"CNI_COMMAND", "VERSION"}};
  Reply r = h.run("");
  ASSERT_EQ(r.exit_code, 0);
  json v = parseOut(r);
  EXPECT_EQ(v["cniVersion"], "1.1.0");
  EXPECT_EQ(v["supportedVersions"], json::parse(R"(["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"])"));
}

TEST(SkelTest, CheckNeeds0_4AndGcStatusNeed1_1) {
  Harness h;
  h.env["CNI_COMMAND"] = "CHECK";
  json e = parseOut(h.run(R"({"cniVersion":"0.3.1","name":"n"})"));
  EXPECT_EQ(e["code"], 1);
  EXPECT_EQ(e["cniVersion"], "0.3.1");
  EXPECT_EQ(h.run(R"({"cniVersion":"0.4.0","name":"n"})").exit_code, 0);
  EXPECT_EQ(h.called, "check");
  for (const char* cmd : {"GC", "STATUS"}) {
    h.env = {{"CNI_COMMAND", cmd}};
    EXPECT_EQ(parseOut(h.run(kConf))["code"], 1) << cmd;
    Reply ok = h.run(R"({"cniVersion":"1.1.0","name":"n"})");
    EXPECT_EQ(ok.exit_code, 0) << cmd << ok.out;
  }
  EXPECT_EQ(h.called, "status");
}

TEST(SkelTest, HandlerErrorsArePrintedWithTheConfigVersion) {
  Harness h;
  h.plugin.add = [](const CmdArgs&, json&) -> std::optional<Error> {
    return Error{kErrTryAgainLater, "busy", "d"};
  };
  Reply r = h.run(kConf);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(parseOut(r),
            json::parse(R"({"cniVersion":"1.0.0","code":11,"msg":"busy","details":"d"})"));
}

TEST(SkelTest, PrevResultParsesInConfigVersion) {
  CmdArgs a;
  a.cni_version = "0.4.0";
  a.config = json::parse(R"({"prevResult":{"ips":[{"version":"4","address":"10.0.0.2/24"}]}})");
  std::optional<CniResult> prev;
  EXPECT_FALSE(parsePrevResult(a, &prev).has_value());
  ASSERT_TRUE(prev.has_value());
  EXPECT_EQ(prev->ips.at(0).address.toString(), "10.0.0.2/24");
  a.config = json::parse(R"({"prevResult":{"ips":[{"address":"bogus"}]}})");
  auto err = parsePrevResult(a, &prev);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, kErrDecodingFailure);
  EXPECT_NE(err->msg.find("prevResult"), std::string::npos);
}

TEST(SkelTest, ParseCniArgs) {
  auto a = parseCniArgs("A=1;;B=x=y");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ((*a)[1].second, "x=y");
  EXPECT_FALSE(parseCniArgs("=1").ok());
}

}  // namespace
}  // namespace orch::cni::skel
