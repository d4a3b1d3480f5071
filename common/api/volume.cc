#include "common/api/volume.h"

namespace orch::api {

ORCH_API_FIELDS(EmptyDirVolumeSource) {
  ORCH_F(f("medium", v.medium));
  return f("sizeLimit", v.sizeLimit);
}

ORCH_API_FIELDS(HostPathVolumeSource) {
  ORCH_F(f.always("path", v.path));
  return f("type", v.type);
}

ORCH_API_FIELDS(ConfigMapVolumeSource) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("items", v.items));
  ORCH_F(f("defaultMode", v.defaultMode));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(SecretVolumeSource) {
  ORCH_F(f("secretName", v.secretName));
  ORCH_F(f("items", v.items));
  ORCH_F(f("defaultMode", v.defaultMode));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(DownwardAPIVolumeFile) {
  ORCH_F(f.always("path", v.path));
  ORCH_F(f("fieldRef", v.fieldRef));
  ORCH_F(f("resourceFieldRef", v.resourceFieldRef));
  return f("mode", v.mode);
}

ORCH_API_FIELDS(DownwardAPIVolumeSource) {
  ORCH_F(f("items", v.items));
  return f("defaultMode", v.defaultMode);
}

ORCH_API_FIELDS(PersistentVolumeClaimVolumeSource) {
  ORCH_F(f.always("claimName", v.claimName));
  return f.omitZero("readOnly", v.readOnly);
}

ORCH_API_FIELDS(ConfigMapProjection) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("items", v.items));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(SecretProjection) {
  ORCH_F(f("name", v.name));
  ORCH_F(f("items", v.items));
  return f("optional", v.optional);
}

ORCH_API_FIELDS(DownwardAPIProjection) {
  return f("items", v.items);
}

ORCH_API_FIELDS(ServiceAccountTokenProjection) {
  ORCH_F(f("audience", v.audience));
  ORCH_F(f("expirationSeconds", v.expirationSeconds));
  return f.always("path", v.path);
}

ORCH_API_FIELDS(VolumeProjection) {
  ORCH_F(f("secret", v.secret));
  ORCH_F(f("downwardAPI", v.downwardAPI));
  ORCH_F(f("configMap", v.configMap));
  return f("serviceAccountToken", v.serviceAccountToken);
}

ORCH_API_FIELDS(ProjectedVolumeSource) {
  ORCH_F(f("sources", v.sources));
  return f("defaultMode", v.defaultMode);
}

ORCH_API_FIELDS(Volume) {
  ORCH_F(f.always("name", v.name));
  ORCH_F(f("hostPath", v.hostPath));
  ORCH_F(f("emptyDir", v.emptyDir));
  ORCH_F(f("secret", v.secret));
  ORCH_F(f("persistentVolumeClaim", v.persistentVolumeClaim));
  ORCH_F(f("downwardAPI", v.downwardAPI));
  ORCH_F(f("configMap", v.configMap));
  return f("projected", v.projected);
}

}  // namespace orch::api
