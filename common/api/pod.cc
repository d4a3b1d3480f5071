#include "common/api/pod.h"

namespace orch::api {

ORCH_API_FIELDS(Pod) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(PodTemplateSpec) {
  ORCH_F(f.always("metadata", v.metadata));
  return f.always("spec", v.spec);
}

}  // namespace orch::api
