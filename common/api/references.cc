#include "common/api/references.h"

namespace orch::api {

ORCH_API_FIELDS(ObjectReference) {
  ORCH_F(f("kind", v.kind));
  ORCH_F(f("namespace", v.namespace_));
  ORCH_F(f("name", v.name));
  ORCH_F(f("uid", v.uid));
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("resourceVersion", v.resourceVersion));
  return f("fieldPath", v.fieldPath);
}

ORCH_API_FIELDS(LocalObjectReference) {
  return f("name", v.name);
}

ORCH_API_FIELDS(KeyToPath) {
  ORCH_F(f.always("key", v.key));
  ORCH_F(f.always("path", v.path));
  return f("mode", v.mode);
}

ORCH_API_FIELDS(ObjectFieldSelector) {
  ORCH_F(f("apiVersion", v.apiVersion));
  return f.always("fieldPath", v.fieldPath);
}

ORCH_API_FIELDS(ResourceFieldSelector) {
  ORCH_F(f("containerName", v.containerName));
  ORCH_F(f.always("resource", v.resource));
  return f("divisor", v.divisor);
}

ORCH_API_FIELDS(ConfigMapKeySelector) {
  ORCH_F(f("name", v.name));
  ORCH_F(f.always("key", v.key));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(SecretKeySelector) {
  ORCH_F(f("name", v.name));
  ORCH_F(f.always("key", v.key));
  return f("optional", v.optional);
}

}  // namespace orch::api
