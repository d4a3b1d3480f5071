#pragma once
// The real IpvsOps: IPVS over generic netlink (libnl-genl), messages from
// ipvs_genl_msg.h. The socket is opened in the calling thread's network namespace.

#include <memory>

#include "common/base/status.h"
#include "proxy/ipvs/ipvs_ops.h"

namespace orch::proxy {

// Connects a generic netlink socket and resolves the "IPVS" family. When the kernel
// has no IP_VS the family does not exist: EOPNOTSUPP, "kernel has no IP_VS (generic
// netlink family IPVS not found; /proc/net/ip_vs missing?)".
Result<std::unique_ptr<IpvsOps>> openGenlIpvsOps();

// Whether this namespace's kernel has IPVS: /proc/net/ip_vs exists.
bool kernelHasIpvs();

}  // namespace orch::proxy
