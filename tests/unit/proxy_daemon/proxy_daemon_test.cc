// ProxyDaemon end to end without root: a FakeApiServer on loopback, FakeProxiers for both
// families, the real tracker, runner and HTTP servers on ephemeral loopback ports.
#include "proxy/daemon/proxy_daemon.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/api/codec.h"
#include "common/client/http_client.h"
#include "tests/fakes/fake_proxier.h"
#include "tests/support/apiserver/fake_apiserver.h"
#include "tests/support/daemon.h"
#include "tests/support/eventually.h"

namespace orch::proxy {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::FakeProxier;

bool eventually(const std::function<bool()>& pred) {
  return testing::eventually(pred, 500, 10ms);
}

class ConntrackRecorder final : public ConntrackCleaner {
 public:
  Status cleanStaleEntries(const ProxyState& state) override {
    std::lock_guard l(mu_);
    families_.push_back(state.config.family);
    return Status::ok();
  }
  size_t calls() const {
    std::lock_guard l(mu_);
    return families_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<IpFamily> families_;
};

class ProxyDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.start().isOk());
    client::RestConfig rc;
    rc.server = server_.url();
    auto c = client::RestClient::create(rc);
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
  }
  void TearDown() override {
    daemon_.reset();
    server_.stop();
  }

  void startDaemon(std::function<void(ProxyDaemonOptions&)> tweak = nullptr) {
    ProxyDaemonOptions o;
    o.config.hostname = "node-1";
    o.config.cluster_cidrs = {"10.244.0.0/16"};
    o.config.healthz = BindAddress{"127.0.0.1", 0};
    o.config.metrics = BindAddress{"127.0.0.1", 0};
    o.config.min_sync_period = 0s;
    o.config.sync_period = 1h;
    o.config.node_port_addresses.primary = true;
    o.retry_interval = 20ms;
    o.service_health_bind_address = "127.0.0.1";
    o.cache_sync_timeout = 20s;
    if (tweak) tweak(o);
    ProxyBackends b;
    auto v4 = std::make_unique<FakeProxier>();
    auto v6 = std::make_unique<FakeProxier>();
    auto ct = std::make_unique<ConntrackRecorder>();
    v4_ = v4.get();
    v6_ = v6.get();
    conntrack_ = ct.get();
    b.proxiers[IpFamily::kIpv4] = std::move(v4);
    b.proxiers[IpFamily::kIpv6] = std::move(v6);
    b.conntrack = std::move(ct);
    daemon_ = std::make_unique<ProxyDaemon>(o, *client_, std::move(b));
    Status st = daemon_->start();
    ASSERT_TRUE(st.isOk()) << st.message();
  }

  template <class T>
  void create(const std::string& path, const std::string& text) {
    auto obj = api::parse<T>(text);
    ASSERT_TRUE(obj.ok()) << obj.status().message();
    auto r = server_.create(path, json::parse(text));
    ASSERT_TRUE(r.ok()) << r.status().message();
  }
  void service(const std::string& name, const std::string& spec) {
    create<api::Service>(
        "/api/v1/namespaces/ns/services",
        R"({"apiVersion":"v1","kind":"Service","metadata":{"namespace":"ns","name":")" + name +
            R"("},"spec":)" + spec + "}");
  }
  void slice(const std::string& name, const std::string& svc, const std::string& body,
             const std::string& extra_labels = "") {
    create<api::EndpointSlice>(
        "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices",
        R"({"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"namespace":"ns","name":")" +
            name + R"(","labels":{"kubernetes.io/service-name":")" + svc + "\"" + extra_labels +
            "}}," + body + "}");
  }

  client::HttpResponse get(int port, const std::string& path) {
    client::RestConfig rc;
    rc.server = "http://127.0.0.1:" + std::to_string(port);
    auto c = client::HttpClient::create(rc);
    if (!c.ok()) return {};
    auto r = (*c)->request(client::HttpRequest{.target = path});
    return r.ok() ? *r : client::HttpResponse{};
  }

  bool v4Has(const std::string& name, size_t endpoints) {
    auto s = v4_->lastSynced();
    ServicePortName spn{"ns", name, "http", Protocol::kTcp};
    if (!s.services.count(spn)) return false;
    auto it = s.endpoints.find(spn);
    return (it == s.endpoints.end() ? 0 : it->second.size()) == endpoints;
  }

  testing::FakeApiServer server_;
  std::unique_ptr<client::RestClient> client_;
  std::unique_ptr<ProxyDaemon> daemon_;
  FakeProxier* v4_ = nullptr;
  FakeProxier* v6_ = nullptr;
  ConntrackRecorder* conntrack_ = nullptr;
};

const char* kWeb =
    R"({"type":"ClusterIP","clusterIP":"10.96.0.10","clusterIPs":["10.96.0.10","fd00:96::a"],
  "ports":[{"name":"http","port":80,"targetPort":"http"}]})";

TEST_F(ProxyDaemonTest, InformersFeedEveryFamilysProxier) {
  service("web", kWeb);
  slice("web-1", "web", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.0.5"],"nodeName":"node-1"}])");
  startDaemon();
  // The first sync is full and already has what the caches held.
  ASSERT_TRUE(eventually([&] { return v4_->syncCount() >= 1 && v6_->syncCount() >= 1; }));
  auto first = v4_->syncs().front();
  EXPECT_TRUE(first.changes.full);
  EXPECT_TRUE(v4Has("web", 1));
  EXPECT_EQ(v4_->lastSynced().config.cluster_cidrs, std::vector<std::string>{"10.244.0.0/16"});
  auto v6 = v6_->lastSynced();
  EXPECT_EQ(v6.services.begin()->second.cluster_ip, "fd00:96::a");
  EXPECT_TRUE(v6.endpoints.empty());
  EXPECT_TRUE(eventually([&] { return conntrack_->calls() >= 2; }));

  // A new slice: a partial sync naming that Service port.
  slice("web-2", "web", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.1.5"],"nodeName":"node-2"}])");
  ASSERT_TRUE(eventually([&] { return v4Has("web", 2); }));
  auto last = v4_->syncs().back();
  EXPECT_FALSE(last.changes.full);
  EXPECT_EQ(last.changes.services,
            (std::set<ServicePortName>{{"ns", "web", "http", Protocol::kTcp}}));

  // Slices of another proxy, and headless Services, are not ours.
  service("other", R"({"clusterIP":"10.96.0.11","ports":[{"name":"http","port":80}]})");
  slice("other-1", "other", R"("addressType":"IPv4","ports":[{"name":"http","port":80}],
      "endpoints":[{"addresses":["10.244.0.9"]}])",
        R"(,"service.kubernetes.io/service-proxy-name":"someone-else")");
  service("headless", R"({"clusterIP":"None","ports":[{"name":"http","port":80}]})");
  ASSERT_TRUE(eventually([&] { return v4Has("other", 0); }));
  EXPECT_EQ(v4_->lastSynced().services.size(), 2u);

  // Deleting the Service removes it from the next sync.
  ASSERT_TRUE(server_.remove("/api/v1/namespaces/ns/services/web").isOk());
  ASSERT_TRUE(eventually([&] { return v4_->lastSynced().services.size() == 1; }));
  // "other" has no IPv6 cluster IP: nothing is left in that family.
  EXPECT_TRUE(daemon_->tracker().current(IpFamily::kIpv6).services.empty());
}

TEST_F(ProxyDaemonTest, FailedSyncIsRetriedFullAndCounted) {
  service("web", kWeb);
  startDaemon();
  ASSERT_TRUE(eventually([&] { return v4_->syncCount() >= 1; }));
  v4_->failNext(1);
  slice("web-1", "web", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.0.5"]}])");
  // The failed partial sync is followed by a full one (after retry_interval) that carries it.
  ASSERT_TRUE(eventually([&] { return v4Has("web", 1); }));
  auto syncs = v4_->syncs();
  ASSERT_GE(syncs.size(), 3u);
  EXPECT_FALSE(syncs[1].changes.full);
  EXPECT_TRUE(syncs[2].changes.full);
  auto m = get(daemon_->metricsPort(), "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("orchproxy_sync_proxy_rules_errors_total 1\n"), std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("orchproxy_proxy_rules{family=\"ipv4\",kind=\"services\"} 1\n"),
            std::string::npos)
      << m.body;
}

TEST_F(ProxyDaemonTest, HealthzMetricsAndDebugState) {
  service("web", kWeb);
  startDaemon();
  ASSERT_TRUE(eventually([&] { return v4_->syncCount() >= 1; }));
  auto h = get(daemon_->healthzPort(), "/healthz");
  EXPECT_EQ(h.status, 200);
  json hj = json::parse(h.body);
  EXPECT_TRUE(hj.contains("lastUpdated"));
  EXPECT_TRUE(hj.contains("currentTime"));
  EXPECT_EQ(hj["nodeEligible"], true);
  EXPECT_EQ(get(daemon_->healthzPort(), "/livez").status, 200);
  EXPECT_EQ(get(daemon_->healthzPort(), "/nope").status, 404);
  auto d = get(daemon_->metricsPort(), "/debug/proxy-state");
  ASSERT_EQ(d.status, 200);
  json states = json::parse(d.body);
  ASSERT_EQ(states.size(), 2u);
  EXPECT_EQ(states[0]["family"], "IPv4");
  EXPECT_EQ(states[0]["services"][0]["name"], "ns/web:http");
  EXPECT_EQ(states[1]["services"][0]["clusterIP"], "fd00:96::a");

  // The Node being deleted: /healthz answers 503, /livez still 200.
  ASSERT_TRUE(server_
                  .create("/api/v1/nodes", json::parse(R"({"apiVersion":"v1","kind":"Node",
      "metadata":{"name":"node-1"},"spec":{"taints":[{"key":"ToBeDeletedByClusterAutoscaler","effect":"NoSchedule"}]},
      "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}})"))
                  .ok());
  ASSERT_TRUE(eventually([&] { return get(daemon_->healthzPort(), "/healthz").status == 503; }));
  EXPECT_EQ(get(daemon_->healthzPort(), "/livez").status, 200);
  // The Node's primary IP became the NodePort address, with a full sync.
  ASSERT_TRUE(eventually([&] {
    return v4_->lastSynced().node.node_port_ips == std::vector<std::string>{"192.0.2.1"};
  }));
  EXPECT_TRUE(v4_->syncs().back().changes.full);
}

TEST_F(ProxyDaemonTest, ServiceHealthCheckServersFollowServices) {
  const int hc = testing::freeTcpPort();
  service("lb", R"({"type":"LoadBalancer","clusterIP":"10.96.0.20","externalTrafficPolicy":"Local",
      "healthCheckNodePort":)" +
                    std::to_string(hc) +
                    R"(,"ports":[{"name":"http","port":80,"nodePort":30080}]})");
  startDaemon();
  ASSERT_TRUE(eventually([&] { return get(hc, "/").status == 503; }));
  json j = json::parse(get(hc, "/").body);
  EXPECT_EQ(j["service"]["name"], "lb");
  EXPECT_EQ(j["localEndpoints"], 0);

  slice("lb-1", "lb", R"("addressType":"IPv4","ports":[{"name":"http","port":8080}],
      "endpoints":[{"addresses":["10.244.0.5"],"nodeName":"node-1"},
                   {"addresses":["10.244.1.5"],"nodeName":"node-2"}])");
  ASSERT_TRUE(eventually([&] { return get(hc, "/").status == 200; }));
  EXPECT_EQ(json::parse(get(hc, "/").body)["localEndpoints"], 1);

  ASSERT_TRUE(server_.remove("/api/v1/namespaces/ns/services/lb").isOk());
  ASSERT_TRUE(eventually([&] { return get(hc, "/").status == 0; }));  // closed
  EXPECT_TRUE(daemon_->serviceHealth().serving().empty());
}

TEST_F(ProxyDaemonTest, StartFailsWhenAPortIsTaken) {
  ProxyDaemonOptions o;
  o.config.hostname = "node-1";
  o.config.healthz = BindAddress{"127.0.0.1", 0};
  o.config.metrics = std::nullopt;
  ProxyBackends b;
  b.proxiers[IpFamily::kIpv4] = std::make_unique<FakeProxier>();
  ProxyDaemon first(o, *client_, std::move(b));
  ASSERT_TRUE(first.start().isOk());
  o.config.healthz->port = first.healthzPort();
  ProxyBackends b2;
  b2.proxiers[IpFamily::kIpv4] = std::make_unique<FakeProxier>();
  ProxyDaemon second(o, *client_, std::move(b2));
  Status st = second.start();
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("healthz server 127.0.0.1:"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace orch::proxy
