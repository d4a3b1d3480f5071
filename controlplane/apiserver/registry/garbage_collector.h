#pragma once
// Owner-reference garbage collection, as upstream's garbage collector controller does it for
// the three deletion propagation policies:
//   Background: once an owner is gone, dependents whose owners are all gone are deleted
//               (dependents that still have a live owner only lose the dangling reference);
//   Foreground: the owner (marked with the "foregroundDeletion" finalizer) stays until its
//               dependents are gone, then the finalizer is removed and the owner goes;
//   Orphan:     the owner (marked "orphan") has its reference removed from every dependent,
//               then the finalizer is removed.
// It runs inside orch-apiserver (a thread woken by deletes, plus a pass every second for work
// that waits on others, such as pods ending their graceful deletion) until
// orch-controller-manager takes it over.

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "controlplane/apiserver/registry/background_worker.h"
#include "controlplane/apiserver/registry/rest_storage.h"

namespace orch::apiserver {

class GarbageCollector {
 public:
  // Every storage of the registry; they outlive the collector. Starts the thread.
  explicit GarbageCollector(std::vector<ResourceStorage*> storages);
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  // `obj` of `r` was deleted: its dependents are looked at.
  void ownerDeleted(const ResourceInfo& r, const api::Json& obj);
  // `obj` of `r` now waits on the "orphan" or "foregroundDeletion" finalizer.
  void ownerFinalizing(const ResourceInfo& r, const api::Json& obj);
  // Finds owners left waiting on a finalizer (after a restart).
  void resumePending();
  // Runs one pass over the queued work now (tests).
  void processOnce();

 private:
  struct Owner {
    const ResourceInfo* r = nullptr;
    std::string ns, name, uid;
    bool operator<(const Owner& o) const { return uid < o.uid; }
  };
  struct Dependent {
    ResourceStorage* storage;
    api::Json obj;
  };
  void enqueue(std::set<Owner>& queue, const ResourceInfo& r, const api::Json& obj);
  std::vector<Dependent> dependentsOf(const Owner& o);
  ResourceStorage* storageOf(const std::string& api_version, const std::string& kind);
  bool ownerAlive(const std::string& ns, const api::Json& ref);
  // Background: deletes or un-references the dependents of a deleted owner; true when done.
  bool collect(const Owner& o);
  // Foreground / Orphan: true when the owner's finalizer could be removed.
  bool finishForeground(const Owner& o);
  bool finishOrphan(const Owner& o);
  void removeFinalizer(const Owner& o, const std::string& finalizer);
  void dropReference(const Dependent& d, const std::string& uid);

  std::vector<ResourceStorage*> storages_;
  std::mutex mu_;
  std::set<Owner> deleted_;     // owners gone: collect their dependents
  std::set<Owner> finalizing_;  // owners waiting on orphan / foregroundDeletion
  BackgroundWorker worker_;     // last: stops first
};

}  // namespace orch::apiserver
