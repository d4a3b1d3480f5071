#pragma once
// orch-proxy's nftables backend: one table "orch-proxy" per family (ip / ip6), a
// few shared chains and every Service's data in map elements (nft_planner.h).
//
// Each sync commits one atomic transaction: the whole table on the first sync, a
// full resync or after an error; otherwise only the changed Services' elements.
// A failed incremental commit is retried at once as a full re-creation of the table.

#include <memory>

#include "common/netfilter/nft_ops.h"
#include "proxy/core/proxier.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

// `ops` must be bound to the network namespace to program. ruleCounts() gives
// "rules", "chains" and "map_elements" of what was last committed.
std::unique_ptr<Proxier> newNftablesProxier(IpFamily family,
                                            std::unique_ptr<netfilter::NftOps> ops);

}  // namespace orch::proxy
