#pragma once
// Picks an address from one range set, in the reference plugin's order: a requested address
// if given; otherwise round-robin starting after last_reserved_ip.<n> (when it still lies in
// the set), else at the first range's rangeStart; gateways are skipped; the network and
// IPv4 broadcast addresses are outside [rangeStart, rangeEnd] by construction.
// The caller holds the store's lock.
//
// Errors (errno): EAGAIN when the set is exhausted or a requested address is taken, EINVAL
// for a requested address outside the set or equal to the gateway, EEXIST when (id, ifname)
// already holds an address in the set, others from the store.

#include <optional>
#include <string>

#include "cni-plugins/host-local/ipam_config.h"
#include "cni-plugins/host-local/store.h"
#include "common/cni/result.h"

namespace orch::cni::hostlocal {

// Walks a range set as the reference's RangeIter does. Pure.
class RangeIter {
 public:
  // `last` is the previous allocation; iteration starts after it when the set contains it.
  RangeIter(const RangeSet& set, std::optional<IpAddr> last);
  // The next candidate (address, its range), or nullopt once every address was offered.
  std::optional<std::pair<IpAddr, const Range*>> next();

 private:
  const RangeSet& set_;
  size_t idx_ = 0;
  std::optional<IpAddr> cur_;
  std::optional<IpAddr> start_;
};

Result<IpConfig> allocate(DiskStore& store, const RangeSet& set, int range_id,
                          const std::string& id, const std::string& ifname,
                          const std::optional<IpAddr>& requested);

}  // namespace orch::cni::hostlocal
