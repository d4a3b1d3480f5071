#pragma once
// VipLink: the interface that holds the IPVS virtual addresses (cluster, external and
// LB IPs) so that the kernel treats packets to them as local and hands them to IPVS.
// The real one (NetlinkVipLink) is a dummy link, or, on kernels without the dummy
// driver, a veth whose peer stays down (as DESIGN.md's dead-end uplink); it is left
// down either way (local routes exist for addresses on a down link).
// Addresses are canonical text without prefix (bound as /32 or /128). Not thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

class VipLink {
 public:
  virtual ~VipLink() = default;
  // Creates the link when it is missing.
  virtual Status ensure() = 0;
  // Deletes the link (and so its addresses); ok when there is none.
  virtual Status remove() = 0;
  // The link's addresses of `family`; empty when the link does not exist.
  virtual Result<std::vector<std::string>> addresses(IpFamily family) = 0;
  virtual Status addAddress(const std::string& ip) = 0;
  virtual Status delAddress(const std::string& ip) = 0;
  // The addresses NodePorts answer on when NodeInfo::node_port_all_local: every address
  // of `family` on any other link, except loopback and IPv6 link-local ones.
  virtual Result<std::vector<std::string>> nodeAddresses(IpFamily family) = 0;
};

// A VipLink named `name` in the calling thread's network namespace (netlink socket
// opened now, so it stays bound to that namespace).
Result<std::unique_ptr<VipLink>> openNetlinkVipLink(const std::string& name);

}  // namespace orch::proxy
