#include "proxy/daemon/service_health.h"

#include <nlohmann/json.hpp>

#include "common/httpd/http_server.h"

namespace orch::proxy {

HttpAnswer serviceHealthAnswer(const ServiceKey& svc, int local_endpoints, bool proxy_healthy) {
  nlohmann::ordered_json j;
  j["service"]["namespace"] = svc.ns;
  j["service"]["name"] = svc.name;
  j["localEndpoints"] = local_endpoints;
  j["serviceProxyHealthy"] = proxy_healthy;
  return HttpAnswer{local_endpoints > 0 && proxy_healthy ? 200 : 503, j.dump()};
}

ServiceHealthServers::ServiceHealthServers(std::string bind_address,
                                           std::function<bool()> proxy_healthy)
    : bind_address_(std::move(bind_address)), proxy_healthy_(std::move(proxy_healthy)) {}

ServiceHealthServers::~ServiceHealthServers() {
  stopAll();
}

int ServiceHealthServers::countFor(const ServiceKey& k) const {
  std::lock_guard l(mu_);
  auto it = counts_.find(k);
  return it == counts_.end() ? 0 : it->second;
}

Status ServiceHealthServers::syncServices(const std::map<ServiceKey, uint16_t>& ports) {
  std::lock_guard sl(servers_mu_);
  for (auto it = servers_.begin(); it != servers_.end();) {
    auto want = ports.find(it->first);
    if (want == ports.end() || want->second != it->second.port) {
      it->second.server->shutdown();
      it = servers_.erase(it);
    } else {
      ++it;
    }
  }
  std::string failures;
  int code = 0;
  for (const auto& [key, port] : ports) {
    if (servers_.count(key)) continue;
    httpd::HttpServerConfig cfg;
    cfg.bind_address = bind_address_;
    cfg.port = port;
    cfg.idle_timeout = std::chrono::seconds(30);
    cfg.io_timeout = std::chrono::seconds(10);
    auto server = std::make_unique<httpd::HttpServer>(
        cfg, [this, key](const httpd::ServerRequest&, httpd::ResponseWriter& w) {
          const int n = countFor(key);
          HttpAnswer a = serviceHealthAnswer(key, n, proxy_healthy_ ? proxy_healthy_() : true);
          w.send(a.status, "application/json", a.body,
                 {{"X-Content-Type-Options", "nosniff"},
                  {"X-Load-Balancing-Endpoint-Weight", std::to_string(n)}});
        });
    if (Status st = server->start(); !st.isOk()) {
      if (code == 0) code = st.code();
      if (!failures.empty()) failures += "; ";
      failures += "health check server of " + key.str() + " on port " + std::to_string(port) +
                  ": " + st.message();
      continue;
    }
    servers_[key] = Entry{port, std::move(server)};
  }
  if (code != 0) return Status::error(code, failures);
  return Status::ok();
}

void ServiceHealthServers::syncEndpoints(const std::map<ServiceKey, int>& counts) {
  std::lock_guard l(mu_);
  counts_ = counts;
}

void ServiceHealthServers::stopAll() {
  std::lock_guard sl(servers_mu_);
  for (auto& [k, e] : servers_) e.server->shutdown();
  servers_.clear();
}

std::map<ServiceKey, uint16_t> ServiceHealthServers::serving() const {
  std::lock_guard sl(servers_mu_);
  std::map<ServiceKey, uint16_t> out;
  for (const auto& [k, e] : servers_) out[k] = e.port;
  return out;
}

}  // namespace orch::proxy
