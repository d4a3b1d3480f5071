#pragma once
// core/v1 Volume with the sources a node stack acts on: emptyDir, hostPath, configMap,
// secret, downwardAPI, projected (configMap/secret/downwardAPI/serviceAccountToken) and
// persistentVolumeClaim. Other sources (nfs, csi, ephemeral, ...) are kept verbatim in
// unknown_fields and survive a round trip.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/quantity.h"
#include "common/api/references.h"

namespace orch::api {

struct EmptyDirVolumeSource {
  std::string medium;  // "" (node disk) or "Memory"
  std::optional<Quantity> sizeLimit;
  Json unknown_fields;
};

struct HostPathVolumeSource {
  std::string path;
  // "", DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice, BlockDevice
  std::optional<std::string> type;
  Json unknown_fields;
};

struct ConfigMapVolumeSource {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<int32_t> defaultMode;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct SecretVolumeSource {
  std::string secretName;
  std::vector<KeyToPath> items;
  std::optional<int32_t> defaultMode;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct DownwardAPIVolumeFile {
  std::string path;
  std::optional<ObjectFieldSelector> fieldRef;
  std::optional<ResourceFieldSelector> resourceFieldRef;
  std::optional<int32_t> mode;
  Json unknown_fields;
};

struct DownwardAPIVolumeSource {
  std::vector<DownwardAPIVolumeFile> items;
  std::optional<int32_t> defaultMode;
  Json unknown_fields;
};

struct PersistentVolumeClaimVolumeSource {
  std::string claimName;
  bool readOnly = false;
  Json unknown_fields;
};

struct ConfigMapProjection {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct SecretProjection {
  std::string name;
  std::vector<KeyToPath> items;
  std::optional<bool> optional;
  Json unknown_fields;
};

struct DownwardAPIProjection {
  std::vector<DownwardAPIVolumeFile> items;
  Json unknown_fields;
};

struct ServiceAccountTokenProjection {
  std::string audience;
  std::optional<int64_t> expirationSeconds;
  std::string path;
  Json unknown_fields;
};

struct VolumeProjection {
  std::optional<SecretProjection> secret;
  std::optional<DownwardAPIProjection> downwardAPI;
  std::optional<ConfigMapProjection> configMap;
  std::optional<ServiceAccountTokenProjection> serviceAccountToken;
  Json unknown_fields;  // clusterTrustBundle, podCertificate, ...
};

struct ProjectedVolumeSource {
  std::vector<VolumeProjection> sources;
  std::optional<int32_t> defaultMode;
  Json unknown_fields;
};

struct Volume {
  std::string name;
  std::optional<HostPathVolumeSource> hostPath;
  std::optional<EmptyDirVolumeSource> emptyDir;
  std::optional<SecretVolumeSource> secret;
  std::optional<PersistentVolumeClaimVolumeSource> persistentVolumeClaim;
  std::optional<DownwardAPIVolumeSource> downwardAPI;
  std::optional<ConfigMapVolumeSource> configMap;
  std::optional<ProjectedVolumeSource> projected;
  Json unknown_fields;  // other volume sources
};

ORCH_API_CODEC(EmptyDirVolumeSource);
ORCH_API_CODEC(HostPathVolumeSource);
ORCH_API_CODEC(ConfigMapVolumeSource);
ORCH_API_CODEC(SecretVolumeSource);
ORCH_API_CODEC(DownwardAPIVolumeFile);
ORCH_API_CODEC(DownwardAPIVolumeSource);
ORCH_API_CODEC(PersistentVolumeClaimVolumeSource);
ORCH_API_CODEC(ConfigMapProjection);
ORCH_API_CODEC(SecretProjection);
ORCH_API_CODEC(DownwardAPIProjection);
ORCH_API_CODEC(ServiceAccountTokenProjection);
ORCH_API_CODEC(VolumeProjection);
ORCH_API_CODEC(ProjectedVolumeSource);
ORCH_API_CODEC(Volume);

}  // namespace orch::api
