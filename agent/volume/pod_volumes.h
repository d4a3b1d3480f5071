#pragma once
// The volumes of a pod as set up on the host (VolumeManager::setUp), by volume name. Plain data.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace orch::agent {

struct PodVolume {
  std::string host_path;
  bool is_dir = true;      // false for a hostPath that is a file, socket or device
  bool read_only = false;  // always mounted read-only (configMap, secret, downwardAPI, projected)
  // emptyDir sizeLimit in bytes. Enforced for medium Memory (tmpfs size); for disk it is only
  // reported here (upstream enforces it through eviction).
  std::optional<int64_t> size_limit;
  std::string plugin;  // "kubernetes.io~empty-dir", ..., "kubernetes.io~host-path"
};

struct PodVolumes {
  std::map<std::string, PodVolume> volumes;
  // Parts that were not set up, one line each (e.g. a projected serviceAccountToken).
  std::vector<std::string> notes;
};

}  // namespace orch::agent
