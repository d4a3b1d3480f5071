#pragma once
// core/v1 ResourceQuota and LimitRange.

#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/quantity.h"
#include "common/api/references.h"

namespace orch::api {

struct ResourceQuotaSpec {
  ResourceList hard;
  std::vector<std::string> scopes;  // Terminating, NotTerminating, BestEffort, ...
  Json unknown_fields;              // scopeSelector
};

struct ResourceQuotaStatus {
  ResourceList hard, used;
  Json unknown_fields;
};

struct ResourceQuota {
  ORCH_API_KIND("", "v1", "ResourceQuota", "resourcequotas", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  ResourceQuotaSpec spec;
  ResourceQuotaStatus status;
  Json unknown_fields;
};

struct LimitRangeItem {
  std::string type;  // Pod, Container, PersistentVolumeClaim
  ResourceList max, min;
  ResourceList default_;  // JSON "default"
  ResourceList defaultRequest, maxLimitRequestRatio;
  Json unknown_fields;
};

struct LimitRangeSpec {
  std::vector<LimitRangeItem> limits;
  Json unknown_fields;
};

struct LimitRange {
  ORCH_API_KIND("", "v1", "LimitRange", "limitranges", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  LimitRangeSpec spec;
  Json unknown_fields;
};

ORCH_API_CODEC(ResourceQuotaSpec);
ORCH_API_CODEC(ResourceQuotaStatus);
ORCH_API_CODEC(ResourceQuota);
ORCH_API_CODEC(LimitRangeItem);
ORCH_API_CODEC(LimitRangeSpec);
ORCH_API_CODEC(LimitRange);

}  // namespace orch::api
