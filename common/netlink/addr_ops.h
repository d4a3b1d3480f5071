#pragma once
// AddrOps: the contract for interface addresses in one network namespace. Real
// implementation: Netlink (rtnl_addr_ops.cc). Errors: "add address 10.1.2.3/24 to eth0: EEXIST".
// Not thread-safe.

#include <linux/if_addr.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/netlink/ip_address.h"

namespace orch::netlink {

struct AddrSpec {
  IpPrefix prefix;                     // address with its prefix length: 10.1.2.3/24
  uint32_t flags = 0;                  // IFA_F_NODAD, IFA_F_NOPREFIXROUTE, ...
  std::optional<IpAddress> broadcast;  // IPv4 only; none by default (as `ip addr add`)
};

struct AddrInfo {
  int index = 0;       // ifindex
  IpPrefix prefix;     // local address + prefix length
  uint32_t flags = 0;  // IFA_F_*
  uint8_t scope = 0;   // RT_SCOPE_*
  std::string label;   // IFA_LABEL (IPv4)
};

class AddrOps {
 public:
  virtual ~AddrOps() = default;
  virtual Status addAddress(const std::string& dev, const AddrSpec& spec) = 0;
  virtual Status delAddress(const std::string& dev, const IpPrefix& prefix) = 0;
  // Addresses of `dev`, of one family or (nullopt) both.
  virtual Result<std::vector<AddrInfo>> listAddresses(const std::string& dev,
                                                      std::optional<IpFamily> family) = 0;
};

}  // namespace orch::netlink
