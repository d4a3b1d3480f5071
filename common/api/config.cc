#include "common/api/config.h"

namespace orch::api {

ORCH_API_FIELDS(NamespaceSpec) {
  return f("finalizers", v.finalizers);
}

ORCH_API_FIELDS(NamespaceStatus) {
  return f("phase", v.phase);
}

ORCH_API_FIELDS(Namespace) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f.always("spec", v.spec));
  return f.always("status", v.status);
}

ORCH_API_FIELDS(ConfigMap) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("immutable", v.immutable));
  ORCH_F(f("data", v.data));
  return f.base64Map("binaryData", v.binaryData);
}

ORCH_API_FIELDS(Secret) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("immutable", v.immutable));
  ORCH_F(f.base64Map("data", v.data));
  ORCH_F(f("stringData", v.stringData));
  return f("type", v.type);
}

ORCH_API_FIELDS(ServiceAccount) {
  ORCH_F(f("apiVersion", v.apiVersion));
  ORCH_F(f("kind", v.kind));
  ORCH_F(f.always("metadata", v.metadata));
  ORCH_F(f("secrets", v.secrets));
  ORCH_F(f("imagePullSecrets", v.imagePullSecrets));
  return f("automountServiceAccountToken", v.automountServiceAccountToken);
}

}  // namespace orch::api
