#include "common/api/lease.h"

namespace orch::api {

ORCH_API_FIELDS(LeaseSpec) {
  ORCH_F(f("holderIdentity", v.holderIdentity));
  ORCH_F(f("leaseDurationSeconds", v.leaseDurationSeconds));
  ORCH_F(f("acquireTime", v.acquireTime));
  ORCH_F(f("renewTime", v.renewTime));
  ORCH_F(f("leaseTransitions", v.leaseTransitions));
  ORCH_F(f("strategy", v.strategy));
  return f("preferredHolder", v.preferredHolder);
}

ORCH_API_FIELDS(Lease) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  return f.always("spec", v.spec);
}

}  // namespace orch::api
