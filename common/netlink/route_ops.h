#pragma once
// RouteOps: the contract for routes in one network namespace. Real implementation:
// Netlink (rtnl_route_ops.cc). Errors: "add route default via 10.0.0.1 dev eth0: ENETUNREACH".
// Not thread-safe.

#include <linux/rtnetlink.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

struct Route {
  // The family; may be left out when dst, gateway or src tells it.
  std::optional<IpFamily> family;
  std::optional<IpPrefix> dst;  // nullopt = default route (0.0.0.0/0 or ::/0)
  std::optional<IpAddress> gateway;
  std::string dev;  // output device name ("" with gateway only)
  int ifindex = 0;  // filled in by listRoutes
  uint32_t table = RT_TABLE_MAIN;
  std::optional<uint8_t> scope;    // RT_SCOPE_*; nullopt = link without gateway, else universe
  uint32_t priority = 0;           // metric
  std::optional<IpAddress> src;    // preferred source
  uint32_t mtu = 0;                // RTAX_MTU; 0 = none
  uint8_t protocol = RTPROT_BOOT;  // as `ip route add`
  uint8_t type = RTN_UNICAST;

  // "default via 10.0.0.1 dev eth0" style text, for errors and logs.
  std::string describe() const;
};

class RouteOps {
 public:
  virtual ~RouteOps() = default;
  // EEXIST when an equal route exists.
  virtual Status addRoute(const Route& route) = 0;
  // Adds or replaces the route with the same dst/table/priority.
  virtual Status replaceRoute(const Route& route) = 0;
  virtual Status delRoute(const Route& route) = 0;
  // Routes of one table (0 = all tables) and family (nullopt = both). Only unicast,
  // local and blackhole-style routes the kernel dumps; cached clones are skipped.
  virtual Result<std::vector<Route>> listRoutes(std::optional<IpFamily> family,
                                                uint32_t table = RT_TABLE_MAIN) = 0;
};

}  // namespace orch::netlink
