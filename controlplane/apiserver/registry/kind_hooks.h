#pragma once
// What a kind adds to the generic REST storage: server-set fields on create, resources held
// outside the object (Service ClusterIPs and NodePorts), and its delete policy (graceful pod
// deletion). The default hooks do nothing. Hooks run on request threads concurrently.

#include <cstdint>
#include <optional>

#include "common/api/json_io.h"
#include "controlplane/apiserver/registry/api_error.h"
#include "controlplane/apiserver/registry/write_context.h"

namespace orch::apiserver {

class KindHooks {
 public:
  virtual ~KindHooks() = default;
  // Fills server-set fields of a new object (after defaulting, before validation): a pod's
  // status.phase, a namespace's status.phase, ...
  virtual void prepareCreate(api::Json& obj, const WriteContext& ctx) {
    (void)obj;
    (void)ctx;
  }
  // Before defaulting and validation of an update of the main resource: carries over what
  // the client may leave out (a Service's allocated cluster IPs and node ports).
  virtual void prepareUpdate(api::Json& obj, const api::Json& old) {
    (void)obj;
    (void)old;
  }
  // After validation, before the write: takes what the object needs outside itself (IPs,
  // ports), writing the result into it. `old` is null on create. An error answers the request.
  virtual ApiStatusResult reserve(api::Json& obj, const api::Json* old, const WriteContext& ctx) {
    (void)obj;
    (void)old;
    (void)ctx;
    return Done{};
  }
  // The write did not happen (failed, conflicted, dry run): gives back what reserve() took
  // for `obj` that `old` does not hold.
  virtual void unreserve(const api::Json& obj, const api::Json* old) {
    (void)obj;
    (void)old;
  }
  // A committed write replaced `before` by `now` (null when deleted): gives back what
  // `before` held that `now` does not.
  virtual void release(const api::Json* now, const api::Json& before) {
    (void)now;
    (void)before;
  }
  // Called on a delete that would remove `obj` (about to be marked with deletionTimestamp):
  // true keeps it until the kind's own finalization is done (a Namespace with
  // spec.finalizers), after adjusting it (status.phase Terminating).
  virtual bool keepOnDelete(api::Json& obj) {
    (void)obj;
    return false;
  }
  // The grace period of a delete: 0 deletes at once; > 0 marks the object with
  // deletionTimestamp and keeps it until someone deletes it with 0 (pods on a node).
  virtual int64_t gracePeriod(const api::Json& obj, std::optional<int64_t> requested) {
    (void)obj;
    (void)requested;
    return 0;
  }
};

}  // namespace orch::apiserver
