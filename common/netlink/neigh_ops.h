#pragma once
// NeighOps: the contract for static neighbour (ARP / NDP) entries in one network
// namespace. Real implementation: Netlink (rtnl_neigh_ops.cc). Not thread-safe.

#include <linux/neighbour.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

struct Neighbor {
  std::string dev;
  int ifindex = 0;  // filled in by listNeighbors
  IpAddress ip;
  std::string mac;                 // "aa:bb:cc:dd:ee:ff"; "" for incomplete entries
  uint16_t state = NUD_PERMANENT;  // NUD_*
};

class NeighOps {
 public:
  virtual ~NeighOps() = default;
  // Creates or replaces the entry for (dev, ip).
  virtual Status addNeighbor(const Neighbor& n) = 0;
  virtual Status delNeighbor(const std::string& dev, const IpAddress& ip) = 0;
  // Entries of `dev` ("" = all links), of one family or both.
  virtual Result<std::vector<Neighbor>> listNeighbors(const std::string& dev,
                                                      std::optional<IpFamily> family) = 0;
};

}  // namespace orch::netlink
