#pragma once
// The per-Service health check servers of externalTrafficPolicy: Local (kube-proxy's
// ServiceHealthServer): one HTTP server on each Service's healthCheckNodePort, answering any
// path with
//   {"service":{"namespace":..,"name":..},"localEndpoints":N,"serviceProxyHealthy":bool}
// and status 200 when N > 0 and the proxy is healthy, 503 otherwise, so a load balancer
// sends traffic only to nodes with local endpoints.
//
// Threads: every method may be called from any thread; the servers answer on their own.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/status.h"
#include "proxy/core/api_conversion.h"
#include "proxy/daemon/proxier_health.h"

namespace orch::httpd {
class HttpServer;
}

namespace orch::proxy {

// The answer for one Service (pure).
HttpAnswer serviceHealthAnswer(const ServiceKey& svc, int local_endpoints, bool proxy_healthy);

class ServiceHealthServers {
 public:
  // `bind_address`: where the servers listen ("0.0.0.0", "::"). `proxy_healthy` is asked on
  // every request.
  ServiceHealthServers(std::string bind_address, std::function<bool()> proxy_healthy);
  ~ServiceHealthServers();  // stopAll()
  ServiceHealthServers(const ServiceHealthServers&) = delete;
  ServiceHealthServers& operator=(const ServiceHealthServers&) = delete;

  // Serves exactly `ports` (Service → healthCheckNodePort): opens the missing servers, closes
  // those of Services gone or whose port changed. A port that cannot be opened is reported
  // (all failures in one Status) and tried again on the next call; the others still serve.
  Status syncServices(const std::map<ServiceKey, uint16_t>& ports);
  // The local ready endpoint count of each Service (absent: 0).
  void syncEndpoints(const std::map<ServiceKey, int>& counts);
  void stopAll();

  // Service → the port it is served on now.
  std::map<ServiceKey, uint16_t> serving() const;

 private:
  struct Entry {
    uint16_t port = 0;
    std::unique_ptr<httpd::HttpServer> server;
  };
  int countFor(const ServiceKey& k) const;

  const std::string bind_address_;
  const std::function<bool()> proxy_healthy_;
  mutable std::mutex servers_mu_;  // servers_; held while servers open and close
  std::map<ServiceKey, Entry> servers_;
  mutable std::mutex mu_;  // counts_
  std::map<ServiceKey, int> counts_;
};

}  // namespace orch::proxy
