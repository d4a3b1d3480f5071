#pragma once
// The REST API of every served resource (resources.h) over one store: the routes under
// /api/v1 and /apis/<group>/<version>, one ResourceStorage per resource, one WatchCache per
// resource (created on the first watch), the kinds' hooks (Service IP/port allocation,
// graceful pod deletion, namespace lifecycle) and the watch streams.
//
// Threads: handlers run concurrently on connection threads. Destroy the Registry only after
// the Server is shut down; the destructor ends and joins the watch streams.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/registry/rest_storage.h"
#include "controlplane/apiserver/registry/watch_streams.h"
#include "controlplane/apiserver/router.h"
#include "controlplane/apiserver/watchcache/watch_cache.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

struct RegistryConfig {
  store::Store* store = nullptr;  // not owned; outlives the Registry
  // --service-cluster-ip-range: one CIDR or an IPv4,IPv6 pair (dual-stack).
  std::string service_cluster_ip_range = "10.96.0.0/12";
  // --service-node-port-range.
  std::string service_node_port_range = "30000-32767";
  WatchCache::Options watch_cache;
  // The "kubernetes" Service in "default" (first address of the range, port 443) always
  // exists; its Endpoints and EndpointSlice point at advertise_address:secure_port when an
  // address is given (--advertise-address).
  std::string advertise_address;
  int secure_port = 6443;
};

class ServiceAllocation;
class NamespaceCleaner;
class GarbageCollector;

class Registry {
 public:
  // Opens the allocators (EINVAL naming the flag for a bad range) and repairs them from the
  // stored Services; ensures the "default", "kube-system", "kube-public" and
  // "kube-node-lease" namespaces exist.
  static Result<std::unique_ptr<Registry>> create(RegistryConfig config);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers the resource routes.
  Status addRoutes(Router& router);

  // The storage of resource `plural` in `group` (nullptr when not served).
  ResourceStorage* storage(const std::string& group, const std::string& plural);
  // The watch cache of `r`, created on first use, then starting after `from_revision` when
  // that is still in the store's history (WatchCache::create).
  Result<WatchCache*> watchCache(const ResourceInfo& r, int64_t from_revision = 0);
  WatchStreams& streams() { return streams_; }

 private:
  explicit Registry(RegistryConfig config);
  Status init();
  Status ensureKubernetesService();
  Reply handle(const std::string& group, const std::string& version, const Request& req);
  ApiStatusResult checkNamespace(const std::string& ns);

  RegistryConfig config_;
  std::shared_ptr<ServiceAllocation> services_;
  std::map<std::string, std::unique_ptr<ResourceStorage>> storages_;  // "<group>/<plural>"
  // Namespaces seen Active recently: creates in them skip the store read (upstream checks a
  // cache too). Dropped when a namespace starts terminating here; entries expire after a
  // second, which bounds what another apiserver's namespace deletion can let through (the
  // cleaner deletes such late objects anyway).
  std::mutex active_mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> active_namespaces_;
  std::mutex caches_mu_;
  std::map<std::string, std::unique_ptr<WatchCache>> caches_;
  // Both stop before the storages go; the cleaner first, as its deletes reach the collector.
  std::unique_ptr<GarbageCollector> gc_;
  std::unique_ptr<NamespaceCleaner> cleaner_;
  WatchStreams streams_;  // destroyed first: streams use the caches and storages
};

}  // namespace orch::apiserver
