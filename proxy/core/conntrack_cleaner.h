#pragma once
// Stale conntrack entries: UDP (and SCTP) have no connection end, so an entry NATed to
// an endpoint that went away keeps sending a client's packets into the void, and an
// entry made while a Service had no endpoints keeps them from being NATed once it has.
// The core calls this after each successful sync; the real implementation
// (proxy/conntrack) talks to the kernel over ctnetlink.

#include "common/base/status.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

class ConntrackCleaner {
 public:
  virtual ~ConntrackCleaner() = default;
  // Deletes the UDP/SCTP entries of `state`'s family whose original destination is a
  // Service address (cluster IP, external IP, LB IP : port, or any node IP : node port)
  // and whose reply source is not one of that Service port's selected endpoints
  // (which includes entries that were never DNATed).
  virtual Status cleanStaleEntries(const ProxyState& state) = 0;
};

}  // namespace orch::proxy
