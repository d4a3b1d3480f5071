#pragma once
// The conntrack sysctls kube-proxy sets from its conntrack settings (nf_conntrack_max from
// maxPerCore × CPUs bounded below by min, the TCP/UDP timeouts, tcp_be_liberal). orch-proxy
// writes only the settings that were given on the command line or in --config: the
// defaults of the kernel (or of whoever set them) stay otherwise.

#include <string>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "proxy/daemon/proxy_config.h"

namespace orch::proxy {

// (sysctl key, value) pairs, e.g. {"net/netfilter/nf_conntrack_tcp_timeout_established",
// "86400"}; pure. A zero maxPerCore (as kube-proxy) leaves nf_conntrack_max alone.
std::vector<std::pair<std::string, std::string>> conntrackSysctls(const ConntrackSettings& s,
                                                                  int cpus);

// Writes them; the first failure is returned after trying every one.
Status applyConntrackSysctls(const ConntrackSettings& s);

}  // namespace orch::proxy
