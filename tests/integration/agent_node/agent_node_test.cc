// NodeAgent against the real orch-apiserver in a private network namespace, checked with the
// real kubectl: registration (address detected on the namespace's default-route interface),
// Ready and NotReady, the node Lease and its renewal, re-registration keeping admin labels,
// and a deleted Node coming back.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "agent/node/linux_host_probe.h"
#include "agent/node/node_agent.h"
#include "common/client/kubeconfig.h"
#include "tests/integration/apiserver/apiserver_fixture.h"

namespace orch::agent {
namespace {

using nlohmann::json;

constexpr const char* kNode = "agent-node-1";

template <class F>
bool eventually(F pred, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return pred();
}

class AgentNodeTest : public apiserver::ApiserverTest {
 protected:
  void SetUp() override {
    ApiserverTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto d = startServer();
    ASSERT_TRUE(d.ok()) << d.status().message() << "\n" << serverLog();
    server_.emplace(std::move(d).value());
    // A dead-end uplink, as a node namespace has: the agent finds its address through the
    // default route.
    ASSERT_TRUE(
        ns_->ip({"link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0-void"}).isOk());
    ASSERT_TRUE(ns_->ip({"addr", "add", "192.0.2.10/24", "dev", "uplink0"}).isOk());
    ASSERT_TRUE(ns_->ip({"link", "set", "uplink0", "up"}).isOk());
    ASSERT_TRUE(ns_->ip({"route", "add", "default", "dev", "uplink0"}).isOk());

    auto cfg = client::loadKubeconfig(pki() + "/" + apiserver::kAdminKubeconfig);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    auto c = client::RestClient::create(*cfg);
    ASSERT_TRUE(c.ok()) << c.status().message();
    client_ = std::move(c).value();

    opts_.nodeName = kNode;
    opts_.rootDir = tmp_.path() + "/agent";
    opts_.nodeLabels = {{"example.com/rack", "r1"}};
    api::Taint t;
    t.key = "example.com/dedicated";
    t.value = "test";
    t.effect = "NoSchedule";
    opts_.registerWithTaints = {t};
    // Short intervals keep the test quick; the logic is the same as with the defaults.
    opts_.leaseRenewInterval = std::chrono::seconds(1);
    opts_.nodeStatusUpdateFrequency = std::chrono::seconds(1);
    opts_.nodeStatusReportFrequency = std::chrono::seconds(5);
    sources_.readiness = [this] {
      return ready_ ? Readiness{true, "", ""}
                    : Readiness{false, "RuntimeNotReady", "container runtime is down"};
    };
    sources_.runtimeVersion = [] {
      return Result<RuntimeVersion>(RuntimeVersion{"orch-shim", "0.1.0"});
    };
  }

  void TearDown() override {
    agent_.reset();  // stops its threads before the namespace goes
    ApiserverTest::TearDown();
  }

  // Starts a NodeAgent whose threads live in the test namespace (threads inherit the
  // network namespace of the thread that makes them).
  void startAgent() {
    agent_ = std::make_unique<NodeAgent>(
        *client_, opts_, sources_, probe_, realClock(),
        [](const Status& st) { std::fprintf(stderr, "agent: %s\n", st.message().c_str()); });
    Status st = ns_->run([&] {
      agent_->start();
      return Status::ok();
    });
    ASSERT_TRUE(st.isOk()) << st.message();
  }

  // kubectl ... -o json, parsed; null when kubectl fails.
  json getJson(std::vector<std::string> args) {
    args.push_back("-o");
    args.push_back("json");
    RunResult r = kubectl(args);
    if (r.exit_code != 0) return nullptr;
    return json::parse(r.out, nullptr, false);
  }
  json node() { return getJson({"get", "node", kNode}); }
  json lease() { return getJson({"get", "lease", "-n", "kube-node-lease", kNode}); }
  static std::string readyStatus(const json& n) {
    if (!n.is_object()) return "";
    for (const auto& c : n["status"].value("conditions", json::array())) {
      if (c.value("type", "") == "Ready") return c.value("status", "");
    }
    return "";
  }

  std::optional<apiserver::Daemon> server_;
  std::unique_ptr<client::RestClient> client_;
  LinuxHostProbe probe_;
  NodeOptions opts_;
  NodeSources sources_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<NodeAgent> agent_;
};

TEST_F(AgentNodeTest, RegistersAReadyNodeWithALeaseThatKubectlSees) {
  startAgent();
  ASSERT_TRUE(eventually([&] { return readyStatus(node()) == "True"; })) << serverLog();

  json n = node();
  const auto& labels = n["metadata"]["labels"];
  EXPECT_EQ(labels["kubernetes.io/hostname"], kNode);
  EXPECT_EQ(labels["kubernetes.io/os"], "linux");
  EXPECT_EQ(labels["kubernetes.io/arch"], buildArch());
  EXPECT_EQ(labels["beta.kubernetes.io/arch"], buildArch());
  EXPECT_EQ(labels["example.com/rack"], "r1");
  ASSERT_EQ(n["spec"]["taints"].size(), 1u) << n.dump();
  EXPECT_EQ(n["spec"]["taints"][0]["key"], "example.com/dedicated");
  const auto& st = n["status"];
  EXPECT_EQ(st["addresses"][0], json({{"type", "InternalIP"}, {"address", "192.0.2.10"}}));
  EXPECT_EQ(st["addresses"][1], json({{"type", "Hostname"}, {"address", kNode}}));
  EXPECT_EQ(st["capacity"]["cpu"], std::to_string(std::thread::hardware_concurrency()));
  EXPECT_EQ(st["capacity"]["pods"], "110");
  EXPECT_TRUE(st["capacity"].contains("memory"));
  EXPECT_TRUE(st["capacity"].contains("ephemeral-storage"));
  EXPECT_EQ(st["allocatable"], st["capacity"]);
  EXPECT_EQ(st["nodeInfo"]["kubeletVersion"], kAgentVersion);
  EXPECT_EQ(st["nodeInfo"]["containerRuntimeVersion"], "orch-shim://0.1.0");
  EXPECT_EQ(st["nodeInfo"]["operatingSystem"], "linux");
  EXPECT_FALSE(st["nodeInfo"].value("bootID", "").empty());
  EXPECT_FALSE(st["nodeInfo"].value("kernelVersion", "").empty());
  EXPECT_EQ(st["daemonEndpoints"]["kubeletEndpoint"]["Port"], 10250);
  for (const char* type : {"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"}) {
    bool found = false;
    for (const auto& c : st["conditions"]) found = found || c["type"] == type;
    EXPECT_TRUE(found) << type;
  }

  // kubectl's table: name, Ready, version.
  RunResult table = kubectl({"get", "nodes", "-o", "wide"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(kNode), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" Ready "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(kAgentVersion), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("192.0.2.10"), std::string::npos) << table.out;

  // The Lease: held by the node, owned by it, renewed.
  json l = lease();
  ASSERT_TRUE(l.is_object());
  EXPECT_EQ(l["spec"]["holderIdentity"], kNode);
  EXPECT_EQ(l["spec"]["leaseDurationSeconds"], 40);
  ASSERT_TRUE(eventually([&] {
    json x = lease();
    return x.is_object() && x["metadata"].contains("ownerReferences");
  }));
  l = lease();
  EXPECT_EQ(l["metadata"]["ownerReferences"][0]["kind"], "Node");
  EXPECT_EQ(l["metadata"]["ownerReferences"][0]["uid"], n["metadata"]["uid"]);
  const std::string renew = l["spec"].value("renewTime", "");
  ASSERT_FALSE(renew.empty());
  EXPECT_TRUE(eventually([&] {
    json x = lease();
    return x.is_object() && x["spec"].value("renewTime", "") != renew;
  }));

  // The runtime goes down: NotReady with its message.
  ready_ = false;
  agent_->updateStatusNow();
  ASSERT_TRUE(eventually([&] { return readyStatus(node()) == "False"; }));
  for (const auto& c : node()["status"]["conditions"]) {
    if (c["type"] != "Ready") continue;
    EXPECT_EQ(c["reason"], "KubeletNotReady");
    EXPECT_EQ(c["message"], "container runtime is down");
  }
  table = kubectl({"get", "node", kNode});
  EXPECT_NE(table.out.find("NotReady"), std::string::npos) << table.out;

  ready_ = true;
  agent_->updateStatusNow();
  EXPECT_TRUE(eventually([&] { return readyStatus(node()) == "True"; }));
}

TEST_F(AgentNodeTest, ReRegistrationKeepsAdminEditsAndADeletedNodeComesBack) {
  startAgent();
  ASSERT_TRUE(eventually([&] { return readyStatus(node()) == "True"; })) << serverLog();
  agent_->stop();

  RunResult r =
      kubectl({"label", "node", kNode, "team=db", "kubernetes.io/hostname=wrong", "--overwrite"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = kubectl({"taint", "node", kNode, "example.com/dedicated-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // A restarted agent puts its own label right and leaves the admin's edits alone.
  startAgent();
  ASSERT_TRUE(eventually([&] {
    json n = node();
    return n.is_object() && n["metadata"]["labels"].value("kubernetes.io/hostname", "") == kNode;
  }));
  json n = node();
  EXPECT_EQ(n["metadata"]["labels"]["team"], "db");
  EXPECT_FALSE(n["spec"].contains("taints") && !n["spec"]["taints"].empty()) << n.dump();

  // Deleted by an admin: registered again (a new uid), Ready again.
  const std::string uid = n["metadata"]["uid"];
  r = kubectl({"delete", "node", kNode});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(eventually([&] {
    json x = node();
    return x.is_object() && x["metadata"].value("uid", "") != uid && readyStatus(x) == "True";
  })) << serverLog();
}

}  // namespace
}  // namespace orch::agent
