#include "proxy/daemon/proxy_daemon.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/log.h"
#include "common/client/shared_informer_factory.h"
#include "common/httpd/http_server.h"
#include "common/netlink/ip_address.h"
#include "proxy/core/state_json.h"

namespace orch::proxy {
namespace {

// kube-proxy's informer selector: Services (and their slices) handled by another proxy, and
// headless ones, are not ours.
constexpr const char* kProxyLabelSelector =
    "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless";

const char* familyText(IpFamily f) {
  return f == IpFamily::kIpv4 ? "IPv4" : "IPv6";
}

TrackerOptions trackerOptions(const ProxyDaemonOptions& o, const ProxyBackends& b) {
  TrackerOptions t;
  t.hostname = o.config.hostname;
  for (const auto& [f, p] : b.proxiers) t.families.push_back(f);
  t.cluster_cidrs = o.config.cluster_cidrs;
  t.masquerade_all = o.config.masquerade_all;
  t.node_port_addresses = o.config.node_port_addresses;
  if (o.local_ips) t.local_ips = o.local_ips();
  return t;
}

SyncRunnerOptions runnerOptions(const ProxyDaemonOptions& o) {
  SyncRunnerOptions r;
  r.min_interval = std::chrono::duration_cast<Clock::Duration>(o.config.min_sync_period);
  r.sync_period = std::chrono::duration_cast<Clock::Duration>(o.config.sync_period);
  r.retry_interval =
      std::chrono::duration_cast<Clock::Duration>(o.retry_interval.value_or(o.config.sync_period));
  return r;
}

void answer(httpd::ResponseWriter& w, const HttpAnswer& a) {
  w.send(a.status, "application/json", a.body, {{"X-Content-Type-Options", "nosniff"}});
}

}  // namespace

ProxyDaemon::ProxyDaemon(ProxyDaemonOptions opts, client::RestClient& client,
                         ProxyBackends backends)
    : opts_(std::move(opts)),
      clock_(opts_.clock != nullptr ? *opts_.clock : realClock()),
      client_(client),
      backends_(std::move(backends)),
      tracker_(trackerOptions(opts_, backends_)),
      health_(clock_, std::chrono::duration_cast<Clock::Duration>(2 * opts_.config.sync_period)),
      service_health_(opts_.service_health_bind_address,
                      [this] { return health_.health().healthy; }),
      runner_(
          runnerOptions(opts_), [this](bool full) { return syncAll(full); }, clock_) {}

ProxyDaemon::~ProxyDaemon() {
  stop();
}

int ProxyDaemon::healthzPort() const {
  return healthz_server_ ? healthz_server_->port() : 0;
}

int ProxyDaemon::metricsPort() const {
  return metrics_server_ ? metrics_server_->port() : 0;
}

Status ProxyDaemon::startServers() {
  if (opts_.config.healthz) {
    httpd::HttpServerConfig cfg;
    cfg.bind_address = opts_.config.healthz->ip;
    cfg.port = opts_.config.healthz->port;
    healthz_server_ = std::make_unique<httpd::HttpServer>(
        cfg, [this](const httpd::ServerRequest& req, httpd::ResponseWriter& w) {
          if (req.path == "/healthz") return answer(w, healthzAnswer(health_.health()));
          if (req.path == "/livez") return answer(w, livezAnswer(health_.health()));
          w.send(404, "text/plain", "404 page not found\n");
        });
    if (Status st = healthz_server_->start(); !st.isOk())
      return st.withContext("healthz server " + opts_.config.healthz->str());
  }
  if (opts_.config.metrics) {
    httpd::HttpServerConfig cfg;
    cfg.bind_address = opts_.config.metrics->ip;
    cfg.port = opts_.config.metrics->port;
    metrics_server_ = std::make_unique<httpd::HttpServer>(
        cfg, [this](const httpd::ServerRequest& req, httpd::ResponseWriter& w) {
          if (req.path == "/metrics") {
            w.send(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render());
          } else if (req.path == "/debug/proxy-state") {
            nlohmann::ordered_json j = nlohmann::ordered_json::array();
            for (const auto& [f, p] : backends_.proxiers)
              j.push_back(stateToJson(tracker_.current(f)));
            w.send(200, "application/json", j.dump());
          } else if (req.path == "/healthz") {
            w.send(200, "text/plain", "ok");
          } else {
            w.send(404, "text/plain", "404 page not found\n");
          }
        });
    if (Status st = metrics_server_->start(); !st.isOk())
      return st.withContext("metrics server " + opts_.config.metrics->str());
  }
  return Status::ok();
}

void ProxyDaemon::changed(bool any) {
  if (!any) return;
  for (const auto& [f, p] : backends_.proxiers)
    if (tracker_.hasPendingChanges(f)) health_.queued(f);
  runner_.run();
}

Status ProxyDaemon::start() {
  if (backends_.proxiers.empty()) return Status::invalid("no IP family to proxy");
  ORCH_RETURN_IF_ERROR(startServers());

  client::InformerOptions io;
  io.clock = opts_.clock;
  informers_ = std::make_unique<client::SharedInformerFactory>(client_, io);
  auto services = informers_->informerFor<api::Service>("", kProxyLabelSelector);
  auto slices = informers_->informerFor<api::EndpointSlice>("", kProxyLabelSelector);
  auto nodes = informers_->informerFor<api::Node>("", "", "metadata.name=" + opts_.config.hostname);
  services->addEventHandler(client::EventHandler<api::Service>{
      .onAdd = [this](const api::Service& s) { changed(tracker_.onService(s)); },
      .onUpdate = [this](const api::Service&,
                         const api::Service& s) { changed(tracker_.onService(s)); },
      .onDelete = [this](const api::Service& s) { changed(tracker_.onServiceDeleted(s)); }});
  slices->addEventHandler(client::EventHandler<api::EndpointSlice>{
      .onAdd = [this](const api::EndpointSlice& s) { changed(tracker_.onSlice(s)); },
      .onUpdate = [this](const api::EndpointSlice&,
                         const api::EndpointSlice& s) { changed(tracker_.onSlice(s)); },
      .onDelete = [this](const api::EndpointSlice& s) { changed(tracker_.onSliceDeleted(s)); }});
  nodes->addEventHandler(
      client::EventHandler<api::Node>{.onAdd =
                                          [this](const api::Node& n) {
                                            health_.setNodeEligible(!nodeTerminating(n));
                                            changed(tracker_.onNode(n));
                                          },
                                      .onUpdate =
                                          [this](const api::Node&, const api::Node& n) {
                                            health_.setNodeEligible(!nodeTerminating(n));
                                            changed(tracker_.onNode(n));
                                          },
                                      .onDelete =
                                          [this](const api::Node&) {
                                            health_.setNodeEligible(false);
                                            changed(tracker_.onNodeDeleted());
                                          }});
  informers_->start();
  // kube-proxy syncs only once Services and EndpointSlices are known (the Node may come later).
  const auto deadline = std::chrono::steady_clock::now() + opts_.cache_sync_timeout;
  for (auto* inf : std::initializer_list<client::InformerBase*>{services.get(), slices.get()}) {
    while (!inf->hasSynced()) {
      if (std::chrono::steady_clock::now() >= deadline)
        return Status::timeout("Service and EndpointSlice caches did not sync within " +
                               std::to_string(opts_.cache_sync_timeout.count() / 1000) + "s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  runner_.start();
  runner_.run();
  return Status::ok();
}

void ProxyDaemon::stop() {
  runner_.stop();
  if (informers_) informers_->stop();
  service_health_.stopAll();
  if (healthz_server_) healthz_server_->shutdown();
  if (metrics_server_) metrics_server_->shutdown();
}

Status ProxyDaemon::syncAll(bool full) {
  if (full && opts_.local_ips) tracker_.setLocalIps(opts_.local_ips());
  Status first;
  for (auto& [family, proxier] : backends_.proxiers) {
    auto snap = tracker_.snapshot(family);
    snap.changes.full = snap.changes.full || full;
    const auto start = std::chrono::steady_clock::now();
    Status st = proxier->sync(snap.state, snap.changes);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    metrics_.observeSync(secs, st.isOk(), snap.changes.full, clock_.wallNow());
    if (!st.isOk()) {
      tracker_.markFull(family);
      log::error(
          "sync failed",
          {{"family", familyText(family)}, {"full", snap.changes.full}, {"error", st.message()}});
      if (first.isOk()) first = st.withContext(std::string("sync ") + familyText(family));
      continue;
    }
    if (log::v(2))
      log::info("synced", {{"family", familyText(family)},
                           {"full", snap.changes.full},
                           {"services", snap.state.services.size()},
                           {"changed", snap.changes.services.size()},
                           {"seconds", secs}});
    health_.updated(family);
    metrics_.setRuleCounts(family, proxier->ruleCounts());
    if (backends_.conntrack) {
      if (Status c = backends_.conntrack->cleanStaleEntries(snap.state); !c.isOk()) {
        metrics_.conntrackCleanupFailed();
        log::warn("stale conntrack cleanup failed",
                  {{"family", familyText(family)}, {"error", c.message()}});
      }
    }
  }
  if (Status hs = service_health_.syncServices(tracker_.healthCheckNodePorts()); !hs.isOk())
    log::warn("health check server", {{"error", hs.message()}});
  service_health_.syncEndpoints(tracker_.localReadyEndpoints());
  return first;
}

std::vector<IpFamily> detectIpFamilies() {
  std::vector<IpFamily> out = {IpFamily::kIpv4};
  if (std::filesystem::exists("/proc/sys/net/ipv6/conf/all")) out.push_back(IpFamily::kIpv6);
  return out;
}

std::vector<std::string> hostInterfaceAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    Result<netlink::IpAddress> ip = Status::invalid("family");
    if (a->ifa_addr->sa_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(a->ifa_addr);
      ip = netlink::IpAddress::fromBytes(reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4);
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(a->ifa_addr);
      ip = netlink::IpAddress::fromBytes(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16);
    }
    if (ip.ok()) out.push_back(ip->toString());
  }
  freeifaddrs(list);
  return out;
}

}  // namespace orch::proxy
