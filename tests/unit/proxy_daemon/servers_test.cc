// Proxier health (/healthz, /livez), /metrics text, and the per-Service health check servers
// answering on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "common/client/http_client.h"
#include "proxy/daemon/proxier_health.h"
#include "proxy/daemon/proxy_metrics.h"
#include "proxy/daemon/service_health.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/daemon.h"

namespace orch::proxy {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ProxierHealthTest, HealthyUntilAQueuedChangeIsLate) {
  testing::FakeClock clock;
  ProxierHealth h(clock, 60s);
  EXPECT_TRUE(h.health().healthy);  // starting up, nothing queued
  EXPECT_EQ(h.health().last_updated, Clock::WallTime{});
  h.queued(IpFamily::kIpv4);
  clock.advance(59s);
  h.queued(IpFamily::kIpv4);  // the oldest one counts
  EXPECT_TRUE(h.health().healthy);
  clock.advance(1s);
  EXPECT_FALSE(h.health().healthy);
  h.updated(IpFamily::kIpv4);
  auto ok = h.health();
  EXPECT_TRUE(ok.healthy);
  EXPECT_EQ(ok.last_updated, clock.wallNow());
  // Dual-stack: one late family makes the proxy unhealthy.
  h.queued(IpFamily::kIpv6);
  clock.advance(2min);
  EXPECT_FALSE(h.health().healthy);
  h.updated(IpFamily::kIpv6);
  EXPECT_TRUE(h.health().healthy);
}

TEST(ProxierHealthTest, Answers) {
  testing::FakeClock clock;
  ProxierHealth h(clock, 60s);
  h.updated(IpFamily::kIpv4);
  auto updated_at = formatWallTime(clock.wallNow());
  clock.advance(10s);
  auto a = healthzAnswer(h.health());
  EXPECT_EQ(a.status, 200);
  json j = json::parse(a.body);
  EXPECT_EQ(j["lastUpdated"], j["currentTime"]);  // kube-proxy: "recent" when healthy
  EXPECT_EQ(j["nodeEligible"], true);
  EXPECT_EQ(livezAnswer(h.health()).status, 200);

  h.queued(IpFamily::kIpv4);
  clock.advance(61s);
  a = healthzAnswer(h.health());
  EXPECT_EQ(a.status, 503);
  j = json::parse(a.body);
  EXPECT_EQ(j["lastUpdated"], updated_at);
  EXPECT_NE(j["currentTime"], updated_at);
  auto l = livezAnswer(h.health());
  EXPECT_EQ(l.status, 503);
  EXPECT_FALSE(json::parse(l.body).contains("nodeEligible"));

  // A Node being deleted: /healthz fails, /livez does not.
  h.updated(IpFamily::kIpv4);
  h.setNodeEligible(false);
  a = healthzAnswer(h.health());
  EXPECT_EQ(a.status, 503);
  EXPECT_EQ(json::parse(a.body)["nodeEligible"], false);
  EXPECT_EQ(livezAnswer(h.health()).status, 200);
}

TEST(ProxierHealthTest, WallTimeFormat) {
  EXPECT_EQ(formatWallTime(Clock::WallTime{}), "");
  Clock::WallTime t{std::chrono::seconds(1714557600) + std::chrono::nanoseconds(5)};
  EXPECT_EQ(formatWallTime(t), "2024-05-01T10:00:00.000000005Z");
}

TEST(ProxyMetricsTest, Exposition) {
  ProxyMetrics m;
  Clock::WallTime when{std::chrono::seconds(1700000000)};
  m.observeSync(0.0005, true, true, when);
  m.observeSync(0.003, true, false, when + 1s);
  m.observeSync(100, false, false, when + 2s);
  m.setRuleCounts(IpFamily::kIpv4, {{"rules", 12}, {"chains", 3}});
  m.setRuleCounts(IpFamily::kIpv6, {{"rules", 2}});
  m.conntrackCleanupFailed();
  std::string text = m.render();
  auto has = [&](const std::string& line) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\n" << text;
  };
  has("# TYPE orchproxy_sync_proxy_rules_duration_seconds histogram");
  has("orchproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.001\"} 1");
  has("orchproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.002\"} 1");
  has("orchproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.004\"} 2");
  has("orchproxy_sync_proxy_rules_duration_seconds_bucket{le=\"16.384\"} 2");
  has("orchproxy_sync_proxy_rules_duration_seconds_bucket{le=\"+Inf\"} 3");
  has("orchproxy_sync_proxy_rules_duration_seconds_count 3");
  has("orchproxy_sync_proxy_rules_duration_seconds_sum 100.0035");
  has("orchproxy_sync_proxy_rules_last_timestamp_seconds 1700000001");  // the last good one
  has("orchproxy_sync_proxy_rules_errors_total 1");
  has("orchproxy_sync_proxy_rules_total{full=\"true\"} 1");
  has("orchproxy_sync_proxy_rules_total{full=\"false\"} 2");
  has("orchproxy_conntrack_cleanup_errors_total 1");
  has("orchproxy_proxy_rules{family=\"ipv4\",kind=\"chains\"} 3");
  has("orchproxy_proxy_rules{family=\"ipv4\",kind=\"rules\"} 12");
  has("orchproxy_proxy_rules{family=\"ipv6\",kind=\"rules\"} 2");
  EXPECT_EQ(ProxyMetrics::bucketBounds().size(), 15u);
}

TEST(ServiceHealthTest, AnswerBody) {
  auto a = serviceHealthAnswer(ServiceKey{"ns", "web"}, 2, true);
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(json::parse(a.body), json::parse(R"({"service":{"namespace":"ns","name":"web"},
      "localEndpoints":2,"serviceProxyHealthy":true})"));
  EXPECT_EQ(serviceHealthAnswer(ServiceKey{"ns", "web"}, 0, true).status, 503);
  EXPECT_EQ(serviceHealthAnswer(ServiceKey{"ns", "web"}, 3, false).status, 503);
}

client::HttpResponse get(int port, const std::string& path = "/") {
  client::RestConfig rc;
  rc.server = "http://127.0.0.1:" + std::to_string(port);
  rc.requestTimeout = 10s;
  auto c = client::HttpClient::create(rc);
  EXPECT_TRUE(c.ok());
  if (!c.ok()) return {};
  auto r = (*c)->request(client::HttpRequest{.target = path});
  return r.ok() ? *r : client::HttpResponse{};
}

TEST(ServiceHealthTest, ServersOpenAnswerAndClose) {
  std::atomic<bool> healthy{true};
  ServiceHealthServers s("127.0.0.1", [&] { return healthy.load(); });
  const int p1 = testing::freeTcpPort();
  int p2 = testing::freeTcpPort();
  while (p2 == p1) p2 = testing::freeTcpPort();
  const ServiceKey web{"ns", "web"}, api{"ns", "api"};
  ASSERT_TRUE(s.syncServices({{web, p1}, {api, p2}}).isOk());
  s.syncEndpoints({{web, 2}});
  auto r = get(p1, "/anything");
  EXPECT_EQ(r.status, 200);
  json j = json::parse(r.body);
  EXPECT_EQ(j["service"]["name"], "web");
  EXPECT_EQ(j["localEndpoints"], 2);
  EXPECT_EQ(j["serviceProxyHealthy"], true);
  EXPECT_EQ(r.header("X-Load-Balancing-Endpoint-Weight"), "2");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  r = get(p2);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(json::parse(r.body)["localEndpoints"], 0);
  healthy = false;
  EXPECT_EQ(get(p1).status, 503);
  healthy = true;

  // "api" goes away: its port closes; "web" keeps its server.
  ASSERT_TRUE(s.syncServices({{web, p1}}).isOk());
  EXPECT_EQ(s.serving(), (std::map<ServiceKey, uint16_t>{{web, p1}}));
  EXPECT_EQ(get(p2).status, 0);  // connection refused
  EXPECT_EQ(get(p1).status, 200);

  // A port taken by someone else is reported, and the others keep serving.
  ServiceHealthServers other("127.0.0.1", nullptr);
  ASSERT_TRUE(other.syncServices({{api, p2}}).isOk());
  Status st = s.syncServices({{web, p1}, {api, p2}});
  EXPECT_FALSE(st.isOk());
  EXPECT_NE(st.message().find("ns/api"), std::string::npos) << st.message();
  EXPECT_EQ(s.serving().size(), 1u);
  other.stopAll();
  EXPECT_TRUE(s.syncServices({{web, p1}, {api, p2}}).isOk());  // tried again
  EXPECT_EQ(s.serving().size(), 2u);
  s.stopAll();
  EXPECT_EQ(get(p1).status, 0);
}

}  // namespace
}  // namespace orch::proxy
