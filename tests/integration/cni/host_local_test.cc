// The real host-local binary (ours, and the reference from /usr/lib/cni side by side):
// concurrency, kill safety, on-disk compatibility and bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/base/process.h"
#include "support/temp_dir.h"
#include "tests/integration/cni/plugin_runner.h"

namespace orch::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::string kOurs = ORCH_CNI_BIN_DIR "/host-local";
const std::string kRef = "/usr/lib/cni/host-local";

class HostLocalBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (integration suite)";
  }
  TempDir tmp_;
  std::string dir() const { return tmp_.path() + "/net"; }

  json conf(const std::string& subnet, const std::string& version = "1.0.0") const {
    return json{{"cniVersion", version},
                {"name", "net"},
                {"type", "host-local"},
                {"ipam",
                 {{"type", "host-local"},
                  {"dataDir", tmp_.path()},
                  {"ranges", json::array({json::array({{{"subnet", subnet}}})})}}}};
  }
  PluginRun run(const std::string& bin, const std::string& cmd, const std::string& id,
                const json& config) const {
    PluginCall c;
    c.command = cmd;
    c.container_id = id;
    return runPlugin(bin, c, config.dump());
  }
  std::string add(const std::string& bin, const std::string& id, const json& config) const {
    PluginRun r = run(bin, "ADD", id, config);
    EXPECT_EQ(r.exit_code, 0) << bin << ": " << r.out;
    if (r.exit_code != 0 || !r.json.is_object()) return "";
    return r.json["ips"][0]["address"].get<std::string>();
  }
  std::map<std::string, std::string> snapshot() const {
    std::map<std::string, std::string> out;
    if (!fs::exists(dir())) return out;
    for (const auto& e : fs::directory_iterator(dir())) {
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      out[e.path().filename()] = ss.str();
    }
    return out;
  }
  std::set<std::string> names() const {
    std::set<std::string> out;
    for (const auto& [k, v] : snapshot()) out.insert(k);
    return out;
  }
};

// Spawns one plugin process per id at once, then collects them all.
std::vector<PluginRun> runParallel(const std::string& bin, const std::string& cmd, int n,
                                   const json& config) {
  std::vector<Process> procs;
  std::string input = config.dump();
  for (int i = 0; i < n; ++i) {
    PluginCall c;
    c.command = cmd;
    c.container_id = "pod" + std::to_string(i);
    ProcessOptions o;
    o.argv = {bin};
    o.env = pluginEnv(c);
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    auto p = Process::spawn(o);
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (!p.ok()) break;
    (void)!::write(p->stdinFd().get(), input.data(), input.size());
    p->stdinFd().reset();
    procs.push_back(std::move(p).value());
  }
  std::vector<PluginRun> out;
  for (auto& p : procs) {
    PluginRun r;
    char buf[4096];
    for (ssize_t k; (k = ::read(p.stdoutFd().get(), buf, sizeof(buf))) > 0;) r.out.append(buf, k);
    auto st = p.wait();
    r.exit_code = st.ok() && WIFEXITED(*st) ? WEXITSTATUS(*st) : -1;
    try {
      if (!r.out.empty()) r.json = json::parse(r.out);
    } catch (const json::exception&) {
    }
    out.push_back(std::move(r));
  }
  return out;
}

TEST_F(HostLocalBinaryTest, TwoHundredParallelAddsThenDels) {
  json c = conf("10.20.0.0/24");  // .2 - .254: 253 addresses for 200 pods
  auto adds = runParallel(kOurs, "ADD", 200, c);
  ASSERT_EQ(adds.size(), 200u);
  std::set<std::string> addrs;
  for (const auto& r : adds) {
    ASSERT_EQ(r.exit_code, 0) << r.out;
    addrs.insert(r.json["ips"][0]["address"].get<std::string>());
  }
  EXPECT_EQ(addrs.size(), 200u);
  auto files = snapshot();
  std::set<std::string> owners;
  int ip_files = 0;
  for (const auto& [name, content] : files) {
    if (name == "lock" || name.starts_with("last_reserved_ip.")) continue;
    ++ip_files;
    EXPECT_TRUE(addrs.count(name + "/24")) << name;
    owners.insert(content);
  }
  EXPECT_EQ(ip_files, 200);
  EXPECT_EQ(owners.size(), 200u);  // each file names a different pod

  auto dels = runParallel(kOurs, "DEL", 200, c);
  for (const auto& r : dels) EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(names(), (std::set<std::string>{"last_reserved_ip.0", "lock"}));
}

TEST_F(HostLocalBinaryTest, KilledAddThenDelLeavesNoLeak) {
  json c = conf("10.21.0.0/24");
  std::string input = c.dump();
  for (int i = 0; i < 40; ++i) {
    PluginCall call;
    call.container_id = "victim" + std::to_string(i);
    ProcessOptions o;
    o.argv = {kOurs};
    o.env = pluginEnv(call);
    o.pipe_stdin = true;
    o.pipe_stdout = true;
    auto p = Process::spawn(o);
    ASSERT_TRUE(p.ok());
    (void)!::write(p->stdinFd().get(), input.data(), input.size());
    p->stdinFd().reset();
    // Kill at varying points of the ADD (0 - 4 ms in), including after it finished.
    std::this_thread::sleep_for(std::chrono::microseconds(100 * i));
    ASSERT_TRUE(p->signal(SIGKILL).isOk());
    (void)p->wait();
    // The runtime's answer to a failed ADD: DEL.
    PluginRun d = run(kOurs, "DEL", call.container_id, c);
    ASSERT_EQ(d.exit_code, 0) << d.out;
    for (const auto& [name, content] : snapshot()) {
      EXPECT_EQ(content.find(call.container_id + "\r\n"), std::string::npos)
          << "leaked " << name << " after killed ADD " << i;
    }
  }
  // The directory still works and holds nothing but bookkeeping.
  for (const auto& n : names()) {
    EXPECT_TRUE(n == "lock" || n == "last_reserved_ip.0") << "left behind: " << n;
  }
  EXPECT_NE(add(kOurs, "after", c), "");
}

}  // namespace
}  // namespace orch::testing

namespace orch::testing {
namespace {

TEST_F(HostLocalBinaryTest, ContinuesTheReferencePluginsStateAndBack) {
  json c = conf("10.22.0.0/28");  // .2 - .14
  ASSERT_TRUE(fs::exists(kRef)) << "containernetworking-plugins is not installed";
  EXPECT_EQ(add(kRef, "ref1", c), "10.22.0.2/28");
  EXPECT_EQ(add(kRef, "ref2", c), "10.22.0.3/28");
  ASSERT_EQ(run(kRef, "DEL", "ref1", c).exit_code, 0);
  // Ours continues after the reference's last_reserved_ip and skips its allocations.
  EXPECT_EQ(add(kOurs, "ours1", c), "10.22.0.4/28");
  // Our file format is the reference's: it can release ours...
  auto files = snapshot();
  EXPECT_EQ(files["10.22.0.4"], "ours1\r\neth0");
  EXPECT_EQ(files["10.22.0.3"], "ref2\r\neth0");
  EXPECT_EQ(files["last_reserved_ip.0"], "10.22.0.4");
  // ...and continues after ours.
  EXPECT_EQ(add(kRef, "ref3", c), "10.22.0.5/28");
  ASSERT_EQ(run(kRef, "DEL", "ours1", c).exit_code, 0);
  EXPECT_FALSE(snapshot().count("10.22.0.4"));
  // Ours releases what the reference allocated and finds it with CHECK.
  ASSERT_EQ(run(kOurs, "CHECK", "ref3", conf("10.22.0.0/28", "1.0.0")).exit_code, 0);
  ASSERT_EQ(run(kOurs, "DEL", "ref2", c).exit_code, 0);
  ASSERT_EQ(run(kOurs, "DEL", "ref3", c).exit_code, 0);
  EXPECT_EQ(names(), (std::set<std::string>{"last_reserved_ip.0", "lock"}));

  // Fill the range with a mix, then both report exhaustion.
  for (int i = 0; i < 13; ++i) {
    ASSERT_NE(add(i % 2 ? kRef : kOurs, "fill" + std::to_string(i), c), "");
  }
  EXPECT_NE(run(kRef, "ADD", "more", c).exit_code, 0);
  auto before = snapshot();
  PluginRun r = run(kOurs, "ADD", "more", c);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.json["code"], 11);
  EXPECT_NE(r.json["msg"].get<std::string>().find("no IP addresses available"), std::string::npos);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(HostLocalBinaryTest, DualStackMatchesTheReference) {
  json c = conf("10.23.0.0/24");
  c["ipam"]["ranges"].push_back(json::array({{{"subnet", "fd00:23::/64"}}}));
  c["ipam"]["routes"] = json::array({{{"dst", "0.0.0.0/0"}}});
  TempDir other;
  json c_ref = c;
  c_ref["ipam"]["dataDir"] = other.path();
  for (const char* v : {"0.3.1", "0.4.0", "1.0.0"}) {
    c["cniVersion"] = v;
    c_ref["cniVersion"] = v;
    std::string id = std::string("dual-") + v;
    PluginRun ours = run(kOurs, "ADD", id, c);
    PluginRun ref = run(kRef, "ADD", id, c_ref);
    ASSERT_EQ(ours.exit_code, 0) << ours.out;
    ASSERT_EQ(ref.exit_code, 0) << ref.out;
    EXPECT_EQ(ours.json, ref.json) << v;
  }
}

TEST_F(HostLocalBinaryTest, BadInputGetsTheSpecCodeAndChangesNothing) {
  json good = conf("10.24.0.0/24");
  ASSERT_NE(add(kOurs, "existing", good), "");
  auto before = snapshot();
  auto expectError = [&](const PluginCall& call, const std::string& input, int code,
                         const std::string& named) {
    PluginRun r = runPlugin(kOurs, call, input);
    EXPECT_NE(r.exit_code, 0) << input;
    ASSERT_TRUE(r.json.is_object()) << r.out;
    EXPECT_EQ(r.json["code"], code) << r.out;
    EXPECT_NE(r.json["msg"].get<std::string>().find(named), std::string::npos) << r.out;
    EXPECT_EQ(snapshot(), before);
  };
  PluginCall add_call;
  add_call.container_id = "bad";
  expectError(add_call, "{\"cniVersion\": \"1.0.0\", ", 6, "network config");
  json v = good;
  v["cniVersion"] = "7.7.7";
  expectError(add_call, v.dump(), 1, "cniVersion");
  json no_ipam = good;
  no_ipam.erase("ipam");
  expectError(add_call, no_ipam.dump(), 7, "ipam");
  json bad_subnet = good;
  bad_subnet["ipam"]["ranges"][0][0]["subnet"] = "10.24.0.0/40";
  expectError(add_call, bad_subnet.dump(), 7, "ipam.ranges[0][0].subnet");
  PluginCall no_netns = add_call;
  no_netns.netns = "";
  expectError(no_netns, good.dump(), 4, "CNI_NETNS");
  PluginCall unknown = add_call;
  unknown.command = "EXPLODE";
  expectError(unknown, good.dump(), 4, "CNI_COMMAND");
}

}  // namespace
}  // namespace orch::testing
