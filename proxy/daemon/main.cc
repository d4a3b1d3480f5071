// orch-proxy: the kube-proxy of orch. Watches Services, EndpointSlices and its Node and
// programs them into nftables, iptables or IPVS (--proxy-mode); see proxy_daemon.h.
#include <unistd.h>

#include <climits>
#include <csignal>

#include "common/base/flags.h"
#include "common/base/log.h"
#include "common/base/signals.h"
#include "common/client/kubeconfig.h"
#include "common/client/rest_client.h"
#include "proxy/daemon/backends.h"
#include "proxy/daemon/conntrack_sysctls.h"
#include "proxy/daemon/proxy_config.h"
#include "proxy/daemon/proxy_daemon.h"

namespace {

std::string hostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace orch;
  using namespace orch::proxy;
  CLI::App app{"orch-proxy: the kube-proxy of orch"};
  flags::LoggingFlags logging;
  flags::addLoggingFlags(app, logging);
  ProxyFlags proxy_flags;
  addProxyFlags(app, proxy_flags);
  if (int rc = flags::parse(app, argc, argv); rc >= 0) return rc;
  if (!flags::applyLoggingFlags(logging)) return 1;
  auto signals = SignalWatcher::create({SIGTERM, SIGINT});
  if (!signals.ok()) {
    log::error("signal setup failed", {{"error", signals.status().message()}});
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  auto config = resolveProxyConfig(proxy_flags, explicitProxyFlags(app), hostName());
  if (!config.ok()) {
    log::error("bad configuration", {{"error", config.status().message()}});
    return 1;
  }
  for (const auto& f : config->ignored_config_fields)
    log::warn("config field not used", {{"field", f}});

  if (config->cleanup) {
    Status st = cleanupModes(*config, std::nullopt);
    if (!st.isOk()) {
      log::error("cleanup failed", {{"error", st.message()}});
      return 1;
    }
    log::info("cleanup done");
    return 0;
  }

  auto rest_config = config->kubeconfig.empty() ? client::inClusterConfig()
                                                : client::loadKubeconfig(config->kubeconfig);
  if (!rest_config.ok()) {
    log::error("cannot load client configuration", {{"error", rest_config.status().message()}});
    return 1;
  }
  rest_config->userAgent = "orch-proxy";
  auto client = client::RestClient::create(*rest_config);
  if (!client.ok()) {
    log::error("cannot create API client", {{"error", client.status().message()}});
    return 1;
  }
  if (Status st = applyConntrackSysctls(config->conntrack); !st.isOk())
    log::warn("conntrack settings not applied", {{"error", st.message()}});

  // What another mode left (a previous run before a mode switch) would keep answering for
  // Services that are gone: remove it first, as kube-proxy does.
  if (Status st = cleanupModes(*config, config->mode); !st.isOk())
    log::warn("cleanup of the other proxy modes failed", {{"error", st.message()}});
  std::vector<IpFamily> families = detectIpFamilies();
  auto backends = makeBackends(*config, families);
  if (!backends.ok()) {
    log::error("cannot create the proxier", {{"error", backends.status().message()}});
    return 1;
  }
  ProxyDaemonOptions opts;
  opts.config = *config;
  opts.local_ips = hostInterfaceAddresses;
  opts.service_health_bind_address = families.size() > 1 ? "::" : "0.0.0.0";
  ProxyDaemon daemon(opts, **client, std::move(*backends));
  if (Status st = daemon.start(); !st.isOk()) {
    log::error("cannot start", {{"error", st.message()}});
    return 1;
  }
  log::info("running", {{"node", config->hostname},
                        {"mode", proxyModeName(config->mode)},
                        {"families", std::to_string(families.size())}});
  auto sig = signals->wait();
  log::info("shutting down", {{"signal", sig.ok() ? *sig : 0}});
  // The rules stay: traffic keeps flowing while the proxy is restarted, as with kube-proxy.
  daemon.stop();
  return 0;
}
