#pragma once
// The contract between orch-proxy's core and a backend (nftables, iptables, IPVS).
// The core calls sync() from one thread, never concurrently; a backend keeps what
// it needs of the previous state itself to send only changes.

#include <cstdint>
#include <map>
#include <string>

#include "common/base/status.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

class Proxier {
 public:
  virtual ~Proxier() = default;
  // Makes the kernel match `state`. On error the core retries with a full resync.
  virtual Status sync(const ProxyState& state, const ChangeSet& changes) = 0;
  // Removes everything this backend installs (tables, chains, IPVS services, dummy
  // interface addresses). Idempotent; for --cleanup.
  virtual Status cleanup() = 0;
  // Counts for /metrics: "rules", "chains", "map_elements" ... as the backend has them.
  virtual std::map<std::string, uint64_t> ruleCounts() const = 0;
};

}  // namespace orch::proxy
