#pragma once
// IpvsOps: the contract for the kernel's IPVS table (virtual services and their real
// servers). The real implementation (genl_ipvs_ops.h) speaks generic netlink through
// libnl-genl; tests substitute a fake. Bound to the network namespace it was opened in.
// Not thread-safe.
//
// A virtual service is identified by (family, address, protocol, port); fwmark services
// are not used by orch and are skipped when listing. Errors carry the kernel's errno and
// the operation: "add IPVS service udp 10.96.0.10:53: EEXIST".

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "common/base/status.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

struct VirtualServer {
  IpFamily family = IpFamily::kIpv4;
  std::string address;  // canonical text
  Protocol protocol = Protocol::kTcp;
  uint16_t port = 0;
  std::string scheduler = "rr";
  uint32_t flags = 0;      // IP_VS_SVC_F_* (PERSISTENT for ClientIP affinity); never HASHED
  uint32_t timeout_s = 0;  // persistence timeout, with IP_VS_SVC_F_PERSISTENT

  // The identity (what the kernel looks a service up by).
  auto key() const { return std::tuple(family, address, protocol, port); }
  // "udp 10.96.0.10:53" / "tcp [fd00::1]:80".
  std::string str() const;
  bool operator==(const VirtualServer&) const = default;
};

struct RealServer {
  std::string address;  // canonical text, same family as the service
  uint16_t port = 0;
  uint32_t weight = 1;
  uint32_t fwd_method = 0;  // IP_VS_CONN_F_MASQ (NAT), the only one orch uses

  auto key() const { return std::tuple(address, port); }
  std::string str() const;  // "10.244.0.5:8080"
  bool operator==(const RealServer&) const = default;
};

class IpvsOps {
 public:
  virtual ~IpvsOps() = default;

  // Every non-fwmark virtual service, of both families.
  virtual Result<std::vector<VirtualServer>> listServices() = 0;
  // Creates a service (EEXIST when one with that key exists).
  virtual Status addService(const VirtualServer& svc) = 0;
  // Changes scheduler / flags / timeout of the service with svc's key.
  virtual Status updateService(const VirtualServer& svc) = 0;
  // Deletes the service with svc's key and its destinations.
  virtual Status deleteService(const VirtualServer& svc) = 0;

  virtual Result<std::vector<RealServer>> listDestinations(const VirtualServer& svc) = 0;
  virtual Status addDestination(const VirtualServer& svc, const RealServer& dst) = 0;
  virtual Status updateDestination(const VirtualServer& svc, const RealServer& dst) = 0;
  virtual Status deleteDestination(const VirtualServer& svc, const RealServer& dst) = 0;

  // Deletes every service (of every owner) and destination.
  virtual Status flush() = 0;
};

}  // namespace orch::proxy
