#pragma once
// coordination.k8s.io/v1 Lease (leader election, node heartbeats).

#include <cstdint>
#include <optional>
#include <string>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/references.h"
#include "common/api/time.h"

namespace orch::api {

struct LeaseSpec {
  std::optional<std::string> holderIdentity;
  std::optional<int32_t> leaseDurationSeconds;
  std::optional<MicroTime> acquireTime, renewTime;
  std::optional<int32_t> leaseTransitions;
  std::optional<std::string> strategy, preferredHolder;
  Json unknown_fields;
};

struct Lease {
  ORCH_API_KIND("coordination.k8s.io", "v1", "Lease", "leases", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  LeaseSpec spec;
  Json unknown_fields;
};

ORCH_API_CODEC(LeaseSpec);
ORCH_API_CODEC(Lease);

}  // namespace orch::api
