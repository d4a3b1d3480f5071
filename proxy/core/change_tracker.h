#pragma once
// ProxyStateTracker: folds Service, EndpointSlice and Node events into the desired state of
// each IP family (kube-proxy's ServiceChangeTracker + EndpointsChangeTracker), and records
// which Service ports changed since the last snapshot so a backend can sync only those.
//
// Every event recomputes just the Service it concerns (its ports through servicePortsFor,
// its endpoints merged over all its slices through endpointsFromSlices) and compares the
// result with the current state; a Service port whose info or endpoint list differs is
// added to the family's change set. Endpoints are kept only for ports of a proxied Service.
// A change of the NodeInfo (node port addresses, labels) marks the next snapshot full.
//
// Threads: every method may be called from any thread (informer handlers on theirs, the
// sync loop on its own); they serialize on one mutex. snapshot() copies the state.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/api/discovery.h"
#include "common/api/node.h"
#include "common/api/service.h"
#include "proxy/core/api_conversion.h"
#include "proxy/core/service_model.h"

namespace orch::proxy {

struct TrackerOptions {
  std::string hostname;                    // this node's name
  std::vector<IpFamily> families;          // the families proxied (one ProxyState each)
  std::vector<std::string> cluster_cidrs;  // any family; each state gets its own family's
  bool masquerade_all = false;
  NodePortAddresses node_port_addresses;
  std::vector<std::string> local_ips;  // this host's interface addresses (for CIDR matching)
};

class ProxyStateTracker {
 public:
  explicit ProxyStateTracker(TrackerOptions opts);

  // Event handlers. Each returns true when the desired state of some family changed (the
  // caller then asks the sync runner for a run).
  bool onService(const api::Service& svc);  // added or updated
  bool onServiceDeleted(const api::Service& svc);
  bool onSlice(const api::EndpointSlice& slice);  // added or updated
  bool onSliceDeleted(const api::EndpointSlice& slice);
  bool onNode(const api::Node& node);  // this node, added or updated
  bool onNodeDeleted();
  // New interface addresses (they decide node_port_ips with CIDR --nodeport-addresses).
  bool setLocalIps(std::vector<std::string> ips);

  struct Snapshot {
    ProxyState state;
    ChangeSet changes;
  };
  // The desired state of `family` (one of the options' families) and the changes since the
  // previous snapshot of it; the first snapshot is full. Clears the pending changes.
  Snapshot snapshot(IpFamily family);
  // Marks the family's next snapshot full (the changes taken by a failed sync are lost, so
  // the retry must program everything).
  void markFull(IpFamily family);
  // The desired state of `family` now, without taking its changes (for /debug/proxy-state).
  ProxyState current(IpFamily family) const;
  // Whether `family` has changes not yet taken by snapshot().
  bool hasPendingChanges(IpFamily family) const;

  // Across families: the healthCheckNodePort of each Service with one (kube-proxy's
  // HealthCheckNodePorts), and the number of distinct local ready endpoint IPs of each Service
  // (LocalReadyEndpoints).
  std::map<ServiceKey, uint16_t> healthCheckNodePorts() const;
  std::map<ServiceKey, int> localReadyEndpoints() const;
  // The last Node seen (nullopt before the first or after deletion).
  std::optional<api::Node> node() const;

 private:
  struct Family {
    ProxyState state;
    std::set<ServicePortName> changed;
    bool full = true;
  };
  Family& familyLocked(IpFamily f);
  // Recomputes Service `key` in every family from services_ and slices_.
  bool recomputeLocked(const ServiceKey& key);
  bool recomputeNodeLocked();

  const TrackerOptions opts_;
  mutable std::mutex mu_;
  std::vector<std::string> local_ips_;
  std::map<ServiceKey, std::shared_ptr<const api::Service>> services_;
  // Service → slice name → slice.
  std::map<ServiceKey, std::map<std::string, std::shared_ptr<const api::EndpointSlice>>> slices_;
  // Slice name (ns/name) → the Service it was filed under, so a relabeled slice moves.
  std::map<std::string, ServiceKey> slice_owner_;
  std::optional<api::Node> node_;
  std::map<IpFamily, Family> families_;
};

}  // namespace orch::proxy
