#pragma once
// What configMap, secret, downwardAPI and projected volumes hold, as AtomicWriter payloads
// (upstream's configmap.MakePayload, secret.MakePayload, downwardapi.CollectData and the
// projected plugin's collectData):
//   - without items every key becomes a file (ConfigMap: data and binaryData); with items
//     only the listed keys, at their path, with their mode or else `default_mode`;
//   - a listed key that does not exist is an error, unless the source is optional;
//   - downwardAPI files hold the values of downward.h (fieldRef, resourceFieldRef);
//   - projected merges its sources; serviceAccountToken (and other unknown sources) are not
//     projected: each is skipped with a note.
// Errors are EINVAL/ENOENT with upstream's wording ("configmap references non-existent config
// key: k", `configmap "x" not found`). Thread-safe when the getters are.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/envvars/object_getters.h"
#include "agent/volume/atomic_writer.h"
#include "common/api/config.h"
#include "common/api/pod.h"

namespace orch::agent {

constexpr int32_t kDefaultVolumeFileMode = 0644;

Result<Payload> configMapPayload(const std::vector<api::KeyToPath>& items,
                                 const api::ConfigMap& config_map, int32_t default_mode,
                                 bool optional);
Result<Payload> secretPayload(const std::vector<api::KeyToPath>& items, const api::Secret& secret,
                              int32_t default_mode, bool optional);
Result<Payload> downwardAPIPayload(const std::vector<api::DownwardAPIVolumeFile>& items,
                                   const api::Pod& pod, const api::ResourceList& node_allocatable,
                                   int32_t default_mode);

// Reads a ConfigMap / Secret of the pod's namespace for a volume: a missing object is an
// empty one when `optional`, else ENOENT `configmap "x" not found`.
Result<api::ConfigMap> configMapForVolume(const ConfigMapGetter& get, const std::string& ns,
                                          const std::string& name, bool optional);
Result<api::Secret> secretForVolume(const SecretGetter& get, const std::string& ns,
                                    const std::string& name, bool optional);

struct ProjectionSources {
  ConfigMapGetter get_config_map;
  SecretGetter get_secret;
  api::ResourceList node_allocatable;
};

// `notes` (may be null) receives one line per source that was skipped.
Result<Payload> projectedPayload(const api::ProjectedVolumeSource& source, const api::Pod& pod,
                                 const ProjectionSources& sources, std::vector<std::string>* notes);

}  // namespace orch::agent
