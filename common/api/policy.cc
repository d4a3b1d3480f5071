#include "common/api/policy.h"

namespace orch::api {

ORCH_API_FIELDS(ResourceQuotaSpec) {
  ORCH_F(f("hard", v.hard));
  return f("scopes", v.scopes);
}

ORCH_API_FIELDS(ResourceQuotaStatus) {
  ORCH_F(f("hard", v.hard));
  return f("used", v.used);
}

ORCH_API_FIELDS(ResourceQuota) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(LimitRangeItem) {
  ORCH_F(f.always("type", v.type));
  ORCH_F(f("max", v.max));
  ORCH_F(f("min", v.min));
  ORCH_F(f("default", v.default_));
  ORCH_F(f("defaultRequest", v.defaultRequest));
  return f("maxLimitRequestRatio", v.maxLimitRequestRatio);
}

ORCH_API_FIELDS(LimitRangeSpec) {
  return f.always("limits", v.limits);
}

ORCH_API_FIELDS(LimitRange) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  return f.always("spec", v.spec);
}

}  // namespace orch::api
