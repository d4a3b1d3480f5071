#pragma once
// orch-proxy's iptables backend: kube-proxy's chain layout with an ORCH- prefix
// (ORCH-SERVICES, ORCH-NODEPORTS, ORCH-SVC-*, ORCH-SVL-*, ORCH-EXT-*, ORCH-FW-*,
// ORCH-SEP-*, ORCH-MARK-MASQ, ORCH-POSTROUTING, ORCH-FORWARD, ORCH-EXTERNAL-SERVICES,
// ORCH-PROXY-FIREWALL) applied with `(ip6)iptables-restore --noflush` through the runner.
//
// sync(): a full restore on the first sync, after a failed one, with ChangeSet.full or
// when the config / node changed (it reads the tables with iptables-save first, adds
// the missing jump rules from the built-in chains and deletes stale ORCH- chains);
// otherwise a partial restore of only the changed service ports' chains and entries.
// cleanup(): removes every jump to an ORCH- chain and every ORCH- chain in the nat and
// filter tables of the family; idempotent. ruleCounts(): "rules" and "chains" as last
// synced (both tables, jump rules included).
//
// Threads: sync() and cleanup() from one thread at a time (the core's sync thread);
// ruleCounts() from any thread. The runner runs the binaries in the calling thread's
// network namespace.

#include <memory>

#include "common/netfilter/iptables.h"
#include "proxy/core/proxier.h"

namespace orch::proxy {

std::unique_ptr<Proxier> newIptablesProxier(IpFamily family,
                                            std::unique_ptr<netfilter::IptablesRunner> runner);

}  // namespace orch::proxy
