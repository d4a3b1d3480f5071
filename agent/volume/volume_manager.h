#pragma once
// VolumeManager: the host side of a pod's volumes, laid out as the kubelet does:
//   <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name>     emptyDir (0777; medium
//                                                                 Memory: a tmpfs)
//   <root>/pods/<uid>/volumes/kubernetes.io~configmap/<name>     configMap (disk)
//   <root>/pods/<uid>/volumes/kubernetes.io~secret/<name>        secret (tmpfs)
//   <root>/pods/<uid>/volumes/kubernetes.io~downward-api/<name>  downwardAPI (tmpfs)
//   <root>/pods/<uid>/volumes/kubernetes.io~projected/<name>     projected (tmpfs)
//   hostPath volumes use the host path itself, after the type check (host_path.h).
// configMap, secret, downwardAPI and projected content is written with AtomicWriter (the
// `..data` symlink swap), defaultMode 0644, so refresh() makes updates appear atomically.
// "tmpfs" above means a real tmpfs mount when `use_tmpfs` (needs CAP_SYS_ADMIN), sized like
// upstream's SizeMemoryBackedVolumes: the smallest of the node's allocatable memory, the pod's
// memory limit (when every container has one) and the emptyDir sizeLimit; without
// `use_tmpfs` it is a plain directory (tests without root).
// With pod.spec.securityContext.fsGroup, volumes (not hostPath) get that group: files g+r,
// directories g+rx and setgid, emptyDir roots g+rwx (upstream's SetVolumeOwnership).
// persistentVolumeClaim and other volume sources are refused (EOPNOTSUPP naming the volume).
//
// Thread-safe: calls for different pods run in parallel; calls for the same pod uid are
// serialised. setUp and refresh are idempotent (nothing is rewritten that did not change;
// an existing tmpfs is kept).

#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "agent/envvars/object_getters.h"
#include "agent/volume/pod_volumes.h"
#include "common/api/pod.h"
#include "common/base/status.h"

namespace orch::agent {

struct VolumeManagerOptions {
  std::string root_dir = "/var/lib/orch/agent";
  ConfigMapGetter get_config_map;
  SecretGetter get_secret;
  bool use_tmpfs = true;
  // For downwardAPI limits of containers without one and for tmpfs sizes.
  api::ResourceList node_allocatable;
};

class VolumeManager {
 public:
  explicit VolumeManager(VolumeManagerOptions options);
  VolumeManager(std::string root_dir, ConfigMapGetter get_config_map, SecretGetter get_secret,
                bool use_tmpfs = true);

  void setNodeAllocatable(api::ResourceList allocatable);

  // Makes every volume of pod.spec.volumes ready. Errors name the volume
  // (`volume "cfg": configmap "x" not found`); volumes set up before the failure stay (a
  // retry continues, tearDown removes them).
  Result<PodVolumes> setUp(const api::Pod& pod);

  // Re-projects the configMap, secret, downwardAPI and projected volumes that setUp made
  // (volumes whose directory is gone are skipped, so a torn-down pod is not brought back).
  // Publishes only what changed. Keeps going after a failed volume; returns the errors joined.
  Status refresh(const api::Pod& pod);

  // Unmounts every mount below <root>/pods/<uid> (deepest first) and removes
  // <root>/pods/<uid>/volumes. Idempotent. Refuses to remove across a mount it could not
  // unmount (EBUSY).
  Status tearDown(const std::string& pod_uid);

  // Uids of pods that have a volumes directory, sorted (orphan cleanup).
  Result<std::vector<std::string>> podsOnDisk() const;

  std::string podDir(const std::string& pod_uid) const;
  // <root>/pods/<uid>/volumes/<plugin>/<name>; plugin as "kubernetes.io~secret".
  std::string volumeDir(const std::string& pod_uid, const std::string& plugin,
                        const std::string& name) const;

  static constexpr const char* kEmptyDirPlugin = "kubernetes.io~empty-dir";
  static constexpr const char* kConfigMapPlugin = "kubernetes.io~configmap";
  static constexpr const char* kSecretPlugin = "kubernetes.io~secret";
  static constexpr const char* kDownwardAPIPlugin = "kubernetes.io~downward-api";
  static constexpr const char* kProjectedPlugin = "kubernetes.io~projected";
  static constexpr const char* kHostPathPlugin = "kubernetes.io~host-path";

 private:
  enum class Mode { kSetUp, kRefresh };
  Result<PodVolume> setUpVolume(const api::Pod& pod, const api::Volume& vol, Mode mode,
                                std::vector<std::string>& notes, bool& skipped);
  Status prepareDir(const api::Pod& pod, const std::string& dir, bool memory,
                    std::optional<int64_t> size_limit);
  std::mutex& lockFor(const std::string& pod_uid);
  api::ResourceList allocatable() const;

  VolumeManagerOptions opts_;
  mutable std::mutex allocatable_mu_;
  std::array<std::mutex, 16> pod_locks_;
};

}  // namespace orch::agent
