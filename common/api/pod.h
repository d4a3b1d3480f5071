#pragma once
// core/v1 Pod and PodTemplateSpec.

#include <string>

#include "common/api/json_io.h"
#include "common/api/meta.h"
#include "common/api/pod_spec.h"
#include "common/api/pod_status.h"
#include "common/api/references.h"

namespace orch::api {

struct Pod {
  ORCH_API_KIND("", "v1", "Pod", "pods", true);
  std::string apiVersion, kind;
  ObjectMeta metadata;
  PodSpec spec;
  PodStatus status;
  Json unknown_fields;
};

struct PodTemplateSpec {
  ObjectMeta metadata;
  PodSpec spec;
  Json unknown_fields;
};

ORCH_API_CODEC(Pod);
ORCH_API_CODEC(PodTemplateSpec);

}  // namespace orch::api
