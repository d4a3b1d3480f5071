// orch-proxy as a process, as root, in a private node namespace (dead-end uplink), driven by
// the real orch-apiserver through kubectl, with the real nftables backend (and the iptables
// one for --cleanup).
//
// What this covers: flags → config → kubeconfig → informers → tracker → sync loop → a real
// backend, observed from outside: /debug/proxy-state (the desired state the tracker built,
// named targetPorts resolved from the slice, dual-stack split), /metrics (syncs and rule
// counts), /healthz, the health check server of an externalTrafficPolicy Local Service
// (opened, answering, closed), SIGTERM leaving the rules in place, and --cleanup removing
// them. The packet path itself (DNAT, masquerade, reject ...) is the backends' and the e2e
// tests' job.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "common/base/file_util.h"
#include "common/client/http_client.h"
#include "tests/support/daemon.h"
#include "tests/support/eventually.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/netns/node_control_plane.h"
#include "tests/support/netns/node_namespace.h"
#include "tests/support/temp_dir.h"

namespace orch::testing {
namespace {

using nlohmann::json;

bool waitFor(const std::function<bool()>& pred) {
  return eventually(pred, 300, std::chrono::milliseconds(100));
}

class ProxyDaemonIntegrationTest : public NodeNetnsTest {
 protected:
  ProxyDaemonIntegrationTest() : NodeNetnsTest(/*dead_end_uplink=*/true) {}

  void SetUp() override {
    NodeNetnsTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    control_plane_.emplace(*ns_, ORCH_APISERVER_BIN, tmp_.path());
    Status up = control_plane_->start();
    ASSERT_TRUE(up.isOk()) << up.message();
  }

  void TearDown() override {
    if (!IsSkipped()) {
      if (HasFailure()) std::fprintf(stderr, "%s\n", logs().c_str());
      proxy_.reset();
      control_plane_.reset();
    }
    NodeNetnsTest::TearDown();  // the namespace, and every table in it, goes
  }

  std::optional<Daemon> startInNode(std::vector<std::string> argv, const std::string& log) {
    auto d = startInNetns(*ns_, std::move(argv), tmp_.path() + "/" + log);
    EXPECT_TRUE(d.ok()) << d.status().message();
    if (!d.ok()) return std::nullopt;
    return std::move(*d);
  }

  std::vector<std::string> proxyArgs(const std::string& mode) {
    return {ORCH_PROXY_BIN,
            "--kubeconfig",
            control_plane_->kubeconfig(),
            "--hostname-override",
            "node-1",
            "--proxy-mode",
            mode,
            "--cluster-cidr",
            "10.244.0.0/16",
            "--healthz-bind-address",
            "127.0.0.1:10256",
            "--metrics-bind-address",
            "127.0.0.1:10249",
            "--iptables-min-sync-period",
            "0s",
            "-v",
            "2"};
  }
  void startProxy(const std::string& mode) {
    proxy_ = startInNode(proxyArgs(mode), "proxy-" + mode + ".log");
    ASSERT_TRUE(proxy_.has_value());
    ASSERT_TRUE(ns_->run([] { return waitForTcpPort(10249, std::chrono::seconds(20)); }).isOk())
        << logs();
  }

  // GET http://127.0.0.1:<port><path> from inside the node namespace.
  client::HttpResponse get(int port, const std::string& path) {
    auto r = ns_->run([&]() -> Result<client::HttpResponse> {
      client::RestConfig rc;
      rc.server = "http://127.0.0.1:" + std::to_string(port);
      rc.requestTimeout = std::chrono::seconds(5);
      ORCH_ASSIGN_OR_RETURN(auto c, client::HttpClient::create(rc));
      return c->request(client::HttpRequest{.target = path});
    });
    return r.ok() ? *r : client::HttpResponse{};
  }
  json proxyState() {
    auto r = get(10249, "/debug/proxy-state");
    if (r.status != 200) return json();
    return json::parse(r.body);
  }
  // The Service port `name` ("ns/svc:port") in the IPv4 state, or null.
  json v4Service(const std::string& name) {
    json s = proxyState();
    if (!s.is_array() || s.empty()) return json();
    for (const auto& svc : s[0]["services"])
      if (svc["name"] == name) return svc;
    return json();
  }

  Result<RunResult> kubectl(std::vector<std::string> args) {
    return control_plane_->kubectl(std::move(args));
  }
  void apply(const std::string& manifest) {
    Status st = control_plane_->apply(manifest);
    ASSERT_TRUE(st.isOk()) << st.message();
  }
  bool nftTable(const std::string& family) {
    auto r = ns_->exec({"nft", "list", "table", family, "orch-proxy"});
    return r.ok() && r->exit_code == 0;
  }
  bool iptablesChains() {
    auto r = ns_->exec({"iptables-save", "-t", "nat"});
    return r.ok() && r->out.find("ORCH-SERVICES") != std::string::npos;
  }
  std::string logs() const {
    std::string out;
    for (const char* f : {"proxy-nftables.log", "proxy-iptables.log", "apiserver.log"})
      out += std::string("--- ") + f + "\n" + readFile(tmp_.path() + "/" + f).valueOr("");
    return out;
  }

  TempDir tmp_;
  std::optional<NodeControlPlane> control_plane_;
  std::optional<Daemon> proxy_;
};

TEST_F(ProxyDaemonIntegrationTest, ServicesReachTheBackendAndHealthChecksAnswer) {
  startProxy("nftables");
  apply(R"(apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  addresses: [{type: InternalIP, address: 192.0.2.1}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  healthCheckNodePort: 32100
  ports: [{name: http, port: 80, targetPort: web-port, nodePort: 30080}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, protocol: TCP, port: 8080}]
endpoints:
- addresses: [10.244.0.5]
  nodeName: node-1
- addresses: [10.244.1.5]
  nodeName: node-2
  conditions: {ready: false, serving: true, terminating: true}
)");
  json svc;
  ASSERT_TRUE(waitFor([&] {
    svc = v4Service("default/web:http");
    return svc.is_object() && svc["endpoints"].size() == 2;
  })) << proxyState().dump(2);
  EXPECT_EQ(svc["port"], 80);
  EXPECT_EQ(svc["nodePort"], 30080);
  EXPECT_EQ(svc["healthCheckNodePort"], 32100);
  EXPECT_EQ(svc["externalPolicyLocal"], true);
  EXPECT_EQ(svc["clusterIP"].get<std::string>().find(':'), std::string::npos);
  EXPECT_EQ(svc["endpoints"][0]["ip"], "10.244.0.5");
  EXPECT_EQ(svc["endpoints"][0]["port"], 8080);  // the slice's number for "web-port"
  EXPECT_EQ(svc["endpoints"][0]["isLocal"], true);
  EXPECT_EQ(svc["endpoints"][1]["terminating"], true);
  json node = proxyState()[0]["node"];
  EXPECT_EQ(node["nodePortIPs"], json::array({"192.0.2.1"}));  // nftables: "primary"

  // The backend ran: syncs counted, its rule counts exported, its table in the namespace.
  ASSERT_TRUE(waitFor([&] {
    auto m = get(10249, "/metrics");
    return m.body.find("orchproxy_proxy_rules{family=\"ipv4\"") != std::string::npos;
  }));
  auto m = get(10249, "/metrics");
  EXPECT_NE(m.body.find("orchproxy_sync_proxy_rules_errors_total 0\n"), std::string::npos)
      << m.body;
  EXPECT_TRUE(nftTable("ip"));
  auto h = get(10256, "/healthz");
  EXPECT_EQ(h.status, 200) << h.body;

  // The health check server of the Local Service: one local ready endpoint.
  client::HttpResponse hc;
  ASSERT_TRUE(waitFor([&] {
    hc = get(32100, "/");
    return hc.status == 200;
  })) << hc.status
      << " " << hc.body;
  json hj = json::parse(hc.body);
  EXPECT_EQ(hj["service"]["namespace"], "default");
  EXPECT_EQ(hj["service"]["name"], "web");
  EXPECT_EQ(hj["localEndpoints"], 1);
  EXPECT_EQ(hj["serviceProxyHealthy"], true);

  // Its only local endpoint goes: 503.
  apply(R"(apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: web-abc
  namespace: default
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
ports: [{name: http, protocol: TCP, port: 8080}]
endpoints:
- addresses: [10.244.1.5]
  nodeName: node-2
)");
  ASSERT_TRUE(waitFor([&] { return get(32100, "/").status == 503; }));

  // The Service goes: out of the state, and its health check port closes.
  auto del = kubectl({"delete", "service", "web"});
  ASSERT_TRUE(del.ok() && del->exit_code == 0);
  ASSERT_TRUE(
      waitFor([&] { return proxyState().is_array() && v4Service("default/web:http").is_null(); }));
  ASSERT_TRUE(waitFor([&] { return get(32100, "/").status == 0; }));

  // SIGTERM: a clean exit, and the rules stay (as kube-proxy).
  auto rc = proxy_->stop();
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(*rc, 0);
  proxy_.reset();
  EXPECT_TRUE(nftTable("ip"));

  // --cleanup removes them, and exits 0.
  auto clean = ns_->exec({ORCH_PROXY_BIN, "--cleanup"});
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->exit_code, 0) << clean->err;
  EXPECT_FALSE(nftTable("ip"));
  EXPECT_FALSE(nftTable("ip6"));
}

TEST_F(ProxyDaemonIntegrationTest, CleanupRemovesEveryModesRules) {
  startProxy("iptables");
  apply(R"(apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  ports: [{name: http, port: 80}]
)");
  ASSERT_TRUE(waitFor([&] { return v4Service("default/api:http").is_object(); }));
  ASSERT_TRUE(waitFor([&] { return iptablesChains(); })) << logs();
  ASSERT_TRUE(proxy_->stop().ok());
  proxy_.reset();
  // A start in another mode first removes what the previous mode installed.
  startProxy("nftables");
  ASSERT_TRUE(waitFor([&] { return nftTable("ip"); })) << logs();
  EXPECT_FALSE(iptablesChains());
  ASSERT_TRUE(proxy_->stop().ok());
  proxy_.reset();
  startProxy("iptables");
  ASSERT_TRUE(waitFor([&] { return iptablesChains(); })) << logs();
  EXPECT_FALSE(nftTable("ip"));
  ASSERT_TRUE(proxy_->stop().ok());
  proxy_.reset();

  auto clean = ns_->exec({ORCH_PROXY_BIN, "--cleanup", "-v", "2"});
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->exit_code, 0) << clean->err;
  EXPECT_FALSE(iptablesChains());
  EXPECT_FALSE(nftTable("ip"));
  // A second cleanup finds nothing and still succeeds.
  clean = ns_->exec({ORCH_PROXY_BIN, "--cleanup"});
  ASSERT_TRUE(clean.ok());
  EXPECT_EQ(clean->exit_code, 0) << clean->err;
}

TEST_F(ProxyDaemonIntegrationTest, BadFlagsExitNonZero) {
  auto r = runCommand({ORCH_PROXY_BIN, "--proxy-mode", "userspace", "--cleanup"});
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->exit_code, 0);
  EXPECT_NE(r->err.find("--proxy-mode"), std::string::npos) << r->err;
}

}  // namespace
}  // namespace orch::testing
