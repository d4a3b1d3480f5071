// orch-apiserver: the Kubernetes API server of orch's control plane.
//
//   orch-apiserver init --pki-dir DIR [--host NAME_OR_IP ...] [--server URL] [--force]
//   orch-apiserver --pki-dir DIR [--secure-port 6443] [--bind-address 0.0.0.0] ...

#include <csignal>
#include <memory>

#include "common/base/flags.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "controlplane/apiserver/discovery.h"
#include "controlplane/apiserver/openapi/openapi.h"
#include "controlplane/apiserver/options.h"
#include "controlplane/apiserver/pki_init.h"
#include "controlplane/apiserver/registry/registry.h"
#include "controlplane/apiserver/registry/storage_flags.h"
#include "controlplane/apiserver/registry/store_compactor.h"
#include "controlplane/apiserver/server.h"

namespace {

int runInit(const orch::apiserver::PkiInitOptions& opts) {
  orch::Status st = orch::apiserver::initPki(opts);
  if (!st.isOk()) {
    orch::log::error("init failed", {{"error", st.message()}});
    return 1;
  }
  orch::log::info("PKI written",
                  {{"dir", opts.dir}, {"kubeconfig", opts.dir + "/admin.kubeconfig"}});
  return 0;
}

int serve(const orch::apiserver::ServeFlags& flags, const orch::apiserver::StorageFlags& storage) {
  using namespace orch;
  // Before any thread starts, so that every thread inherits the blocked signals.
  auto signals = SignalWatcher::create({SIGTERM, SIGINT});
  if (!signals.ok()) {
    log::error("signal setup failed", {{"error", signals.status().message()}});
    return 1;
  }
  auto cfg = apiserver::resolveServeFlags(flags);
  if (!cfg.ok()) {
    log::error("bad configuration", {{"error", cfg.status().message()}});
    return 1;
  }
  auto store = apiserver::openStore(storage);
  if (!store.ok()) {
    log::error("cannot open the store", {{"error", store.status().message()}});
    return 1;
  }
  // The embedded store compacts itself; etcd's history is compacted by the apiserver.
  apiserver::StoreCompactor compactor(**store, storage.etcd_servers.empty()
                                                   ? std::chrono::milliseconds(0)
                                                   : storage.etcd_compaction_interval);
  apiserver::RegistryConfig rc;
  rc.store = store->get();
  rc.service_cluster_ip_range = storage.service_cluster_ip_range;
  rc.service_node_port_range = storage.service_node_port_range;
  rc.advertise_address = storage.advertise_address;
  rc.secure_port = flags.secure_port;
  auto registry = apiserver::Registry::create(std::move(rc));
  if (!registry.ok()) {
    log::error("cannot start the registry", {{"error", registry.status().message()}});
    return 1;
  }
  auto router = std::make_shared<apiserver::Router>();
  Status routes = apiserver::addDiscoveryRoutes(*router);
  if (routes.isOk()) routes = apiserver::addOpenApiRoutes(*router);
  if (routes.isOk()) routes = (*registry)->addRoutes(*router);
  if (!routes.isOk()) {
    log::error("route setup failed", {{"error", routes.message()}});
    return 1;
  }
  if (log::v(3)) {
    cfg->on_request = [](const apiserver::Request& req, int status) {
      log::info("HTTP", {{"verb", req.method},
                         {"URI", req.target},
                         {"user", req.user.name},
                         {"remote", req.remote_address},
                         {"status", status}});
    };
  }
  apiserver::Server server(std::move(cfg).value(), router);
  if (Status st = server.start(); !st.isOk()) {
    log::error("cannot serve", {{"error", st.message()}});
    return 1;
  }
  log::info("serving", {{"address", flags.bind_address}, {"port", server.port()}});
  auto sig = signals->wait();
  log::info("shutting down", {{"signal", sig.ok() ? *sig : 0}});
  server.shutdown(std::chrono::seconds(30));
  log::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"orch-apiserver: the Kubernetes API server of orch"};
  orch::flags::LoggingFlags logging;
  orch::flags::addLoggingFlags(app, logging);
  orch::apiserver::ServeFlags serve_flags;
  orch::apiserver::addServeFlags(app, serve_flags);
  orch::apiserver::StorageFlags storage_flags;
  orch::apiserver::addStorageFlags(app, storage_flags);

  orch::apiserver::PkiInitOptions init;
  CLI::App* init_cmd = app.add_subcommand("init", "create the PKI and an admin kubeconfig");
  init_cmd->add_option("--pki-dir", init.dir, "directory to write into")->required();
  init_cmd->add_option("--host", init.hosts,
                       "extra name or IP of the apiserver certificate (repeatable)");
  init_cmd->add_option("--server", init.server_url, "server URL of the admin kubeconfig");
  init_cmd->add_flag("--force", init.force, "replace an existing CA");

  if (int rc = orch::flags::parse(app, argc, argv); rc >= 0) return rc;
  if (!orch::flags::applyLoggingFlags(logging)) return 1;
  if (init_cmd->parsed()) return runInit(init);
  return serve(serve_flags, storage_flags);
}
