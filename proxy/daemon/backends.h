#pragma once
// Picks orch-proxy's backend by mode and builds it for each family (kube-proxy's
// newProxier per mode), and the cleanup of what the modes install.

#include <optional>
#include <vector>

#include "common/base/status.h"
#include "proxy/daemon/proxy_config.h"
#include "proxy/daemon/proxy_daemon.h"

namespace orch::proxy {

// The Proxier of `config.mode` for each of `families` (acting in the calling thread's network
// namespace), and the ctnetlink conntrack cleaner.
Result<ProxyBackends> makeBackends(const ProxyDaemonConfig& config,
                                   const std::vector<IpFamily>& families);

// Removes what every mode except `keep` installs, in both families; tries everything and
// returns the failures together. With no `keep`: --cleanup (kube-proxy's CleanupAndExit);
// with the mode about to run: the start-up cleanup of a previous run in another mode, whose
// rules would otherwise keep answering for Services that are gone (kube-proxy's
// platformCleanup).
Status cleanupModes(const ProxyDaemonConfig& config, std::optional<ProxyMode> keep);

}  // namespace orch::proxy
