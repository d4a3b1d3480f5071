#pragma once
// ProxyDaemon: orch-proxy's main loop, wired from its parts. Informers on Services and
// EndpointSlices (all namespaces, without those labelled service.kubernetes.io/service-proxy-name
// or service.kubernetes.io/headless, as kube-proxy) and on this Node feed a ProxyStateTracker;
// each change asks the SyncRunner for a run; a run syncs every family's Proxier with its
// snapshot, then cleans stale conntrack entries of the families that synced, then opens and
// closes the per-Service health check servers. It serves /healthz and /livez (ProxierHealth)
// and /metrics plus /debug/proxy-state (the tracker's current desired state as JSON, for
// people and tests).
//
// The daemon logs (it is the edge): sync failures, conntrack and health server errors.
// Threads: start()/stop() from the owning thread. Informer handlers run on informer threads,
// syncs on the runner's thread, HTTP handlers on the servers' threads.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/client/rest_client.h"
#include "proxy/core/change_tracker.h"
#include "proxy/core/conntrack_cleaner.h"
#include "proxy/core/proxier.h"
#include "proxy/core/sync_runner.h"
#include "proxy/daemon/proxier_health.h"
#include "proxy/daemon/proxy_config.h"
#include "proxy/daemon/proxy_metrics.h"
#include "proxy/daemon/service_health.h"

namespace orch::client {
class SharedInformerFactory;
}
namespace orch::httpd {
class HttpServer;
}

namespace orch::proxy {

struct ProxyBackends {
  std::map<IpFamily, std::unique_ptr<Proxier>> proxiers;  // one per family proxied
  std::unique_ptr<ConntrackCleaner> conntrack;            // may be null
};

struct ProxyDaemonOptions {
  ProxyDaemonConfig config;
  Clock* clock = nullptr;  // nullptr: realClock()
  // This host's interface addresses; asked at start and before every full sync.
  std::function<std::vector<std::string>()> local_ips;
  std::chrono::milliseconds cache_sync_timeout{60000};
  // Where the per-Service health check servers listen.
  std::string service_health_bind_address = "0.0.0.0";
  // Delay before the retry of a failed sync (kube-proxy: the sync period).
  std::optional<std::chrono::nanoseconds> retry_interval;
};

class ProxyDaemon {
 public:
  ProxyDaemon(ProxyDaemonOptions opts, client::RestClient& client, ProxyBackends backends);
  ~ProxyDaemon();  // stop()
  ProxyDaemon(const ProxyDaemon&) = delete;
  ProxyDaemon& operator=(const ProxyDaemon&) = delete;

  // Starts the healthz and metrics servers, the informers, waits until the Service and
  // EndpointSlice caches are synced (error after cache_sync_timeout), then starts the sync
  // loop with a first (full) sync. Errors name what failed ("healthz server 0.0.0.0:10256:
  // EADDRINUSE").
  Status start();
  // Stops the loop, the informers and every server. Rules stay in place (as kube-proxy).
  void stop();

  // The bound ports (after start(); 0 when disabled).
  int healthzPort() const;
  int metricsPort() const;

  // One run of the sync loop (what the runner calls); exposed for tests.
  Status syncAll(bool full);

  ProxyStateTracker& tracker() { return tracker_; }
  const ProxyMetrics& metrics() const { return metrics_; }
  const ProxierHealth& health() const { return health_; }
  const ServiceHealthServers& serviceHealth() const { return service_health_; }
  int syncRuns() const { return runner_.runs(); }

 private:
  void changed(bool any);
  Status startServers();

  const ProxyDaemonOptions opts_;
  Clock& clock_;
  client::RestClient& client_;
  ProxyBackends backends_;
  ProxyStateTracker tracker_;
  ProxierHealth health_;
  ProxyMetrics metrics_;
  ServiceHealthServers service_health_;
  SyncRunner runner_;
  std::unique_ptr<client::SharedInformerFactory> informers_;
  std::unique_ptr<httpd::HttpServer> healthz_server_, metrics_server_;
};

// Families proxied, as kube-proxy does: IPv4, and IPv6 too when the kernel has it.
std::vector<IpFamily> detectIpFamilies();
// The addresses on this host's interfaces (getifaddrs), canonical text; empty on error.
std::vector<std::string> hostInterfaceAddresses();

}  // namespace orch::proxy
