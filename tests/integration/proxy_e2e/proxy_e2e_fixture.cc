#include "tests/integration/proxy_e2e/proxy_e2e_fixture.h"

#include <sstream>

#include "common/base/file_util.h"
#include "tests/support/eventually.h"
#include "tests/support/netns/node_namespace.h"

namespace orch::testing {

using nlohmann::json;

void ProxyE2eTest::SetUp() {
  NetnsTest::SetUp();
  if (IsSkipped()) return;
  buildTopology();
  if (HasFatalFailure()) return;

  cp_ = std::make_unique<NodeControlPlane>(*node_, ORCH_APISERVER_BIN, tmp_.path());
  Status st = cp_->start();
  ASSERT_TRUE(st.isOk()) << st.message() << "\n" << logs();
  // The Node first, so the proxy's first sync knows its address (nftables' NodePorts answer
  // on the Node's primary address).
  apply(std::string(R"(apiVersion: v1
kind: Node
metadata: {name: node-1}
status:
  addresses: [{type: InternalIP, address: )") +
        kNodeIp + "}]\n");
  if (HasFatalFailure()) return;

  startProxy(mode());
  if (HasFatalFailure()) return;

  for (const Pod& p : pods_) {
    servers_.push_back(std::make_unique<NameServer>(*p.ns, p.name));
    ASSERT_TRUE(servers_.back()->serving()) << servers_.back()->stop().message();
  }
}

void ProxyE2eTest::TearDown() {
  if (!IsSkipped()) {
    if (HasFailure()) std::fprintf(stderr, "%s\n", logs().c_str());
    for (auto& s : servers_) {
      Status st = s->stop();
      EXPECT_TRUE(st.isOk()) << st.message();
    }
    servers_.clear();
    if (proxy_) (void)proxy_->stop();
    proxy_.reset();
    if (cp_) cp_->stop();
  }
  NetnsTest::TearDown();  // the namespaces, their links and every rule in them
}

void ProxyE2eTest::buildTopology() {
  node_ = newNetns();
  ASSERT_NE(node_, nullptr);
  ASSERT_TRUE(addDeadEndUplink(*node_).isOk());
  auto fwd = node_->exec({"sysctl", "-w", "net.ipv4.ip_forward=1"});
  ASSERT_TRUE(fwd.ok() && fwd->exit_code == 0);
  ASSERT_TRUE(node_->ip({"link", "add", "cbr0", "type", "bridge"}).isOk());
  ASSERT_TRUE(node_->ip({"addr", "add", std::string(kBridgeIp) + "/24", "dev", "cbr0"}).isOk());
  ASSERT_TRUE(node_->ip({"link", "set", "cbr0", "up"}).isOk());

  const char* names[] = {"pod-a", "pod-b", "pod-c"};
  for (int i = 0; i < 3; ++i) {
    TestNetns* ns = newNetns();
    ASSERT_NE(ns, nullptr);
    pods_.push_back(Pod{names[i], "10.244.1." + std::to_string(10 + i), ns});
    addPod(ns, pods_.back().ip, i);
    if (HasFatalFailure()) return;
  }
  client_ = newNetns();
  ASSERT_NE(client_, nullptr);
  addPod(client_, kClientIp, 9);
  if (HasFatalFailure()) return;

  outside_ = newNetns();
  ASSERT_NE(outside_, nullptr);
  ASSERT_TRUE(node_
                  ->ip({"link", "add", "vout", "type", "veth", "peer", "name", "eth0", "netns",
                        outside_->name()})
                  .isOk());
  ASSERT_TRUE(node_->ip({"addr", "add", std::string(kNodeIp) + "/24", "dev", "vout"}).isOk());
  ASSERT_TRUE(node_->ip({"link", "set", "vout", "up"}).isOk());
  ASSERT_TRUE(outside_->ip({"addr", "add", std::string(kOutsideIp) + "/24", "dev", "eth0"}).isOk());
  ASSERT_TRUE(outside_->ip({"link", "set", "eth0", "up"}).isOk());
  ASSERT_TRUE(outside_->ip({"route", "add", "default", "via", kNodeIp}).isOk());
}

void ProxyE2eTest::addPod(TestNetns* ns, const std::string& ip, int index) {
  std::string veth = "vpod" + std::to_string(index);
  ASSERT_TRUE(
      node_->ip({"link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns->name()})
          .isOk());
  ASSERT_TRUE(node_->ip({"link", "set", veth, "master", "cbr0"}).isOk());
  // As the CNI bridge plugin's hairpinMode (kubelet's hairpin-veth): with br_netfilter, a pod's
  // packet to its own Service is DNATed on the bridge and must go back out of its own port.
  ASSERT_TRUE(node_->ip({"link", "set", veth, "type", "bridge_slave", "hairpin", "on"}).isOk());
  ASSERT_TRUE(node_->ip({"link", "set", veth, "up"}).isOk());
  ASSERT_TRUE(ns->ip({"addr", "add", ip + "/24", "dev", "eth0"}).isOk());
  ASSERT_TRUE(ns->ip({"link", "set", "eth0", "up"}).isOk());
  ASSERT_TRUE(ns->ip({"route", "add", "default", "via", kBridgeIp}).isOk());
}

std::set<std::string> ProxyE2eTest::podNames() const {
  std::set<std::string> out;
  for (const Pod& p : pods_) out.insert(p.name);
  return out;
}

void ProxyE2eTest::apply(const std::string& manifest) {
  Status st = cp_->apply(manifest);
  ASSERT_TRUE(st.isOk()) << st.message();
}

std::string ProxyE2eTest::slice(const std::string& service, const std::vector<Ep>& eps) {
  std::ostringstream y;
  y << "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: " << service
    << "-slice\n  namespace: default\n  labels: {kubernetes.io/service-name: " << service
    << "}\naddressType: IPv4\nports:\n- {name: tcp, protocol: TCP, port: 8080}\n"
    << "- {name: udp, protocol: UDP, port: 8080}\nendpoints:";
  if (eps.empty()) y << " []";
  y << "\n";
  for (const Ep& e : eps) {
    y << "- addresses: [" << e.pod->ip << "]\n  nodeName: " << e.node
      << "\n  conditions: " << e.conditions << "\n";
  }
  return y.str();
}

client::HttpResponse ProxyE2eTest::httpGet(const TestNetns& from, const std::string& ip, int port,
                                           const std::string& path) {
  auto r = from.run([&]() -> Result<client::HttpResponse> {
    client::RestConfig rc;
    rc.server = "http://" + ip + ":" + std::to_string(port);
    rc.requestTimeout = std::chrono::seconds(3);
    ORCH_ASSIGN_OR_RETURN(auto c, client::HttpClient::create(rc));
    return c->request(client::HttpRequest{.target = path});
  });
  return r.ok() ? *r : client::HttpResponse{};
}

json ProxyE2eTest::proxyState() {
  auto r = httpGet(*node_, "127.0.0.1", 10249, "/debug/proxy-state");
  if (r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

bool ProxyE2eTest::waitForServicePort(const std::string& name, size_t endpoints) {
  json state;
  bool ok = eventually(
      [&] {
        state = proxyState();
        if (!state.is_array() || state.empty()) return false;
        for (const auto& svc : state[0]["services"])
          if (svc["name"] == name) return svc["endpoints"].size() == endpoints;
        return false;
      },
      200);
  EXPECT_TRUE(ok) << name << " with " << endpoints << " endpoints never showed up in\n"
                  << state.dump(2);
  return ok;
}

bool ProxyE2eTest::waitForAnswer(const TestNetns& from, const std::string& ip, uint16_t port) {
  std::string last;
  bool ok = eventually(
      [&] {
        auto a = askTcp(from, ip, port, std::chrono::milliseconds(500));
        last = a.ok() ? "" : a.status().message();
        return a.ok();
      },
      60);
  EXPECT_TRUE(ok) << "no answer from " << ip << ":" << port << " in " << from.name() << ": "
                  << last;
  return ok;
}

std::string ProxyE2eTest::ruleListing(const std::string& of_mode) {
  const std::string& m = of_mode.empty() ? mode() : of_mode;
  auto r = m == "nftables" ? node_->exec({"nft", "list", "table", "ip", "orch-proxy"})
                           : node_->exec({"iptables-save"});
  return r.ok() ? r->out : "";
}

std::set<std::string> ProxyE2eTest::ruleChains() {
  std::set<std::string> out;
  std::istringstream in(ruleListing());
  for (std::string line; std::getline(in, line);) {
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos) continue;
    line = line.substr(start);
    if (mode() == "nftables" && line.rfind("chain ", 0) == 0) {
      out.insert(line.substr(6, line.find(' ', 6) - 6));
    } else if (mode() == "iptables" && line.rfind(":ORCH-", 0) == 0) {
      out.insert(line.substr(1, line.find(' ') - 1));
    }
  }
  return out;
}

void ProxyE2eTest::startProxy(const std::string& proxy_mode) {
  auto proxy =
      startInNetns(*node_,
                   {ORCH_PROXY_BIN, "--kubeconfig", cp_->kubeconfig(), "--hostname-override",
                    "node-1", "--proxy-mode", proxy_mode, "--cluster-cidr", "10.244.0.0/16",
                    "--healthz-bind-address", "127.0.0.1:10256", "--metrics-bind-address",
                    "127.0.0.1:10249", "--iptables-min-sync-period", "0s", "-v", "2"},
                   tmp_.path() + "/proxy.log");
  ASSERT_TRUE(proxy.ok()) << proxy.status().message();
  proxy_ = std::move(*proxy);
  ASSERT_TRUE(node_->run([] { return waitForTcpPort(10249, std::chrono::seconds(20)); }).isOk())
      << logs();
}

void ProxyE2eTest::stopProxy() {
  ASSERT_TRUE(proxy_.has_value());
  auto rc = proxy_->stop();
  ASSERT_TRUE(rc.ok()) << rc.status().message();
  EXPECT_EQ(*rc, 0) << "orch-proxy's wait status after SIGTERM";
  proxy_.reset();
}

std::string ProxyE2eTest::logs() const {
  std::string out;
  for (const char* f : {"proxy.log", "apiserver.log"})
    out += std::string("--- ") + f + "\n" + readFile(tmp_.path() + "/" + f).valueOr("");
  return out;
}

std::string service(const std::string& name, const std::string& cluster_ip,
                    const std::string& extra, uint16_t tcp_node_port, uint16_t udp_node_port) {
  auto port = [](const char* n, const char* proto, uint16_t node_port) {
    std::string p =
        std::string("  - {name: ") + n + ", protocol: " + proto + ", port: 80, targetPort: " + n;
    if (node_port != 0) p += ", nodePort: " + std::to_string(node_port);
    return p + "}\n";
  };
  return "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
         ", namespace: default}\nspec:\n  clusterIP: " + cluster_ip + "\n" + extra + "  ports:\n" +
         port("tcp", "TCP", tcp_node_port) + port("udp", "UDP", udp_node_port);
}

std::string docs(const std::string& a, const std::string& b) {
  return a + "---\n" + b;
}

std::string describe(const std::map<std::string, int>& seen) {
  std::string out;
  for (const auto& [k, v] : seen) out += (k.empty() ? "<none>" : k) + "=" + std::to_string(v) + " ";
  return out;
}

std::map<std::string, int> tally(const TestNetns& from, const std::string& ip, uint16_t port,
                                 int n) {
  std::map<std::string, int> seen;
  for (int i = 0; i < n; ++i) {
    auto a = askTcp(from, ip, port);
    ++seen[a.ok() ? a->backend : ""];
  }
  return seen;
}

}  // namespace orch::testing
