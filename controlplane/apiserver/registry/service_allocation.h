#pragma once
// Services' cluster IPs and node ports: allocated from --service-cluster-ip-range (one or
// two families) and --service-node-port-range when a Service is created or changes type,
// kept across updates that do not name them, released when the Service is deleted or no
// longer needs them. Never handed out twice: the allocators are bitmaps in the store.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controlplane/apiserver/allocator/node_port_allocator.h"
#include "controlplane/apiserver/allocator/service_ip_allocator.h"
#include "controlplane/apiserver/registry/kind_hooks.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

class ServiceAllocation : public KindHooks {
 public:
  // EINVAL naming the flag for a bad range.
  static Result<std::shared_ptr<ServiceAllocation>> create(store::Store& store,
                                                           const std::string& cluster_ip_range,
                                                           const std::string& node_port_range);
  // Makes the allocators hold exactly what the stored Services use (startup repair).
  Status repair(const std::vector<api::Json>& services);
  // The first usable address of the primary range (the "kubernetes" Service's).
  std::string firstAddress() const;

  void prepareUpdate(api::Json& obj, const api::Json& old) override;
  ApiStatusResult reserve(api::Json& obj, const api::Json* old, const WriteContext& ctx) override;
  void unreserve(const api::Json& obj, const api::Json* old) override;
  void release(const api::Json* now, const api::Json& before) override;

 private:
  ServiceAllocation(std::vector<ServiceIpAllocator> ips, NodePortAllocator ports)
      : ips_(std::move(ips)), ports_(std::move(ports)) {}
  ServiceIpAllocator* forFamily(const std::string& family);
  // Addresses and ports `obj` holds.
  static std::vector<std::string> clusterIps(const api::Json& obj);
  static std::vector<int> nodePorts(const api::Json& obj);
  void releaseMissing(const api::Json& from, const api::Json* keep);
  ApiStatusResult assignClusterIps(api::Json& obj, const api::Json* old);
  ApiStatusResult assignNodePorts(api::Json& obj, const api::Json* old);
  // Allocates `port`, or the next free one into `port` when it is 0.
  Status takePort(int& port);

  std::vector<ServiceIpAllocator> ips_;  // primary family first
  NodePortAllocator ports_;
};

}  // namespace orch::apiserver
