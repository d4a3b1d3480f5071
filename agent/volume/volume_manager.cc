#include "agent/volume/volume_manager.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>

#include "agent/volume/atomic_writer.h"
#include "agent/volume/fs_ops.h"
#include "agent/volume/host_path.h"
#include "agent/volume/payload.h"

namespace orch::agent {

namespace {

bool validName(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos &&
         n.find('\0') == std::string::npos;
}

std::optional<int64_t> memoryLimitOf(const api::Container& c) {
  auto it = c.resources.limits.find("memory");
  if (it == c.resources.limits.end() || it->second.isZero()) return std::nullopt;
  return it->second.value();
}

// The pod's memory limit when every container declares one (upstream's ResourceConfigForPod):
// app containers and sidecars add up; a regular init container runs alone.
std::optional<int64_t> podMemoryLimit(const api::Pod& pod) {
  int64_t running = 0, init_max = 0;
  for (const auto& c : pod.spec.initContainers) {
    auto l = memoryLimitOf(c);
    if (!l) return std::nullopt;
    if (c.restartPolicy.value_or("") == "Always") {
      running += *l;
    } else {
      init_max = std::max(init_max, running + *l);
    }
  }
  for (const auto& c : pod.spec.containers) {
    auto l = memoryLimitOf(c);
    if (!l) return std::nullopt;
    running += *l;
  }
  int64_t total = std::max(running, init_max);
  if (auto it = pod.spec.overhead.find("memory"); it != pod.spec.overhead.end()) {
    total += it->second.value();
  }
  return total;
}

// upstream's calculateEmptyDirMemorySize: the smallest positive of node allocatable memory,
// the pod's limit and the volume's sizeLimit.
std::optional<int64_t> memoryVolumeSize(const api::Pod& pod, std::optional<int64_t> size_limit,
                                        const api::ResourceList& allocatable) {
  std::optional<int64_t> size;
  auto consider = [&](std::optional<int64_t> v) {
    if (v && *v > 0 && (!size || *v <= *size)) size = v;
  };
  if (auto it = allocatable.find("memory"); it != allocatable.end()) consider(it->second.value());
  consider(podMemoryLimit(pod));
  consider(size_limit);
  return size;
}

std::optional<gid_t> fsGroupOf(const api::Pod& pod) {
  if (!pod.spec.securityContext || !pod.spec.securityContext->fsGroup) return std::nullopt;
  return static_cast<gid_t>(*pod.spec.securityContext->fsGroup);
}

// Group ownership of a volume root (upstream's SetVolumeOwnership for the directory itself).
Status applyFsGroupToRoot(const std::string& dir, gid_t gid, bool writable) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Status::fromErrno("stat " + dir);
  if (st.st_gid != gid && ::chown(dir.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    return Status::fromErrno("chown " + dir + " to group " + std::to_string(gid));
  }
  mode_t want = (st.st_mode & 07777) | (writable ? 0660 : 0440) | 0110 | S_ISGID;
  if ((st.st_mode & 07777) != want && ::chmod(dir.c_str(), want) != 0) {
    return Status::fromErrno("chmod " + dir);
  }
  return Status::ok();
}

// Group ownership of a new timestamped dir, before it is published.
Status applyFsGroupToTree(const std::string& dir, gid_t gid) {
  ORCH_RETURN_IF_ERROR(applyFsGroupToRoot(dir, gid, false));
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return Status::fromErrno("opendir " + dir);
  while (struct dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    std::string p = dir + "/" + n;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return Status::fromErrno("stat " + p);
    if (S_ISDIR(st.st_mode)) {
      ORCH_RETURN_IF_ERROR(applyFsGroupToTree(p, gid));
    } else if (S_ISREG(st.st_mode) && ::lchown(p.c_str(), static_cast<uid_t>(-1), gid) != 0) {
      return Status::fromErrno("chown " + p + " to group " + std::to_string(gid));
    }
  }
  return Status::ok();
}

// File modes with the fsGroup's read bit, so that an unchanged projection compares equal.
void addGroupRead(Payload& payload, const std::optional<gid_t>& gid) {
  if (!gid) return;
  for (auto& [p, f] : payload) f.mode |= 0440;
}

std::string keysOf(const api::Json& j) {
  std::string out;
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) out += (out.empty() ? "" : ", ") + it.key();
  }
  return out.empty() ? "none" : out;
}

}  // namespace

VolumeManager::VolumeManager(VolumeManagerOptions options) : opts_(std::move(options)) {}

VolumeManager::VolumeManager(std::string root_dir, ConfigMapGetter get_config_map,
                             SecretGetter get_secret, bool use_tmpfs)
    : VolumeManager(VolumeManagerOptions{
          std::move(root_dir), std::move(get_config_map), std::move(get_secret), use_tmpfs, {}}) {}

void VolumeManager::setNodeAllocatable(api::ResourceList allocatable) {
  std::lock_guard<std::mutex> lock(allocatable_mu_);
  opts_.node_allocatable = std::move(allocatable);
}

api::ResourceList VolumeManager::allocatable() const {
  std::lock_guard<std::mutex> lock(allocatable_mu_);
  return opts_.node_allocatable;
}

std::mutex& VolumeManager::lockFor(const std::string& pod_uid) {
  return pod_locks_[std::hash<std::string>{}(pod_uid) % pod_locks_.size()];
}

std::string VolumeManager::podDir(const std::string& pod_uid) const {
  return opts_.root_dir + "/pods/" + pod_uid;
}

std::string VolumeManager::volumeDir(const std::string& pod_uid, const std::string& plugin,
                                     const std::string& name) const {
  return podDir(pod_uid) + "/volumes/" + plugin + "/" + name;
}

Status VolumeManager::prepareDir(const api::Pod& pod, const std::string& dir, bool memory,
                                 std::optional<int64_t> size_limit) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status::fromErrno("stat " + dir);
    // The pod's directories are private to the agent (0750), the volume itself open (0777)
    // so that containers running as any user can write to an emptyDir.
    ORCH_RETURN_IF_ERROR(makeDirs(dir.substr(0, dir.find_last_of('/')), 0750));
    ORCH_RETURN_IF_ERROR(makeDirs(dir, 0777));
  }
  if (!memory || !opts_.use_tmpfs) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(bool mounted, isMountPoint(dir));
  if (mounted) return Status::ok();
  return mountTmpfs(dir, memoryVolumeSize(pod, size_limit, allocatable()));
}

Result<PodVolume> VolumeManager::setUpVolume(const api::Pod& pod, const api::Volume& vol, Mode mode,
                                             std::vector<std::string>& notes, bool& skipped) {
  skipped = false;
  const std::string& uid = pod.metadata.uid;
  const std::string& ns = pod.metadata.namespace_;
  const std::optional<gid_t> gid = fsGroupOf(pod);
  const bool refreshing = mode == Mode::kRefresh;

  // Atomic-writer volumes: make the directory, then project `payload` into it.
  auto project = [&](const char* plugin, bool memory,
                     const std::function<Result<Payload>()>& make) -> Result<PodVolume> {
    std::string dir = volumeDir(uid, plugin, vol.name);
    if (refreshing && ::access(dir.c_str(), F_OK) != 0) {
      skipped = true;
      return PodVolume{};
    }
    ORCH_RETURN_IF_ERROR(prepareDir(pod, dir, memory, std::nullopt));
    ORCH_ASSIGN_OR_RETURN(Payload payload, make());
    addGroupRead(payload, gid);
    AtomicWriter::SetPerms set_perms;
    if (gid) {
      ORCH_RETURN_IF_ERROR(applyFsGroupToRoot(dir, *gid, false));
      set_perms = [g = *gid](const std::string& ts_dir) { return applyFsGroupToTree(ts_dir, g); };
    }
    ORCH_RETURN_IF_ERROR(AtomicWriter(dir).write(payload, set_perms).status());
    return PodVolume{dir, true, true, std::nullopt, plugin};
  };

  if (vol.configMap) {
    const auto& src = *vol.configMap;
    bool optional = src.optional.value_or(false);
    return project(kConfigMapPlugin, false, [&]() -> Result<Payload> {
      ORCH_ASSIGN_OR_RETURN(api::ConfigMap cm,
                            configMapForVolume(opts_.get_config_map, ns, src.name, optional));
      return configMapPayload(src.items, cm, src.defaultMode.value_or(kDefaultVolumeFileMode),
                              optional);
    });
  }
  if (vol.secret) {
    const auto& src = *vol.secret;
    bool optional = src.optional.value_or(false);
    return project(kSecretPlugin, true, [&]() -> Result<Payload> {
      ORCH_ASSIGN_OR_RETURN(api::Secret secret,
                            secretForVolume(opts_.get_secret, ns, src.secretName, optional));
      return secretPayload(src.items, secret, src.defaultMode.value_or(kDefaultVolumeFileMode),
                           optional);
    });
  }
  if (vol.downwardAPI) {
    const auto& src = *vol.downwardAPI;
    return project(kDownwardAPIPlugin, true, [&]() -> Result<Payload> {
      return downwardAPIPayload(src.items, pod, allocatable(),
                                src.defaultMode.value_or(kDefaultVolumeFileMode));
    });
  }
  if (vol.projected) {
    return project(kProjectedPlugin, true, [&]() -> Result<Payload> {
      ProjectionSources sources{opts_.get_config_map, opts_.get_secret, allocatable()};
      std::vector<std::string> skipped_sources;
      auto payload = projectedPayload(*vol.projected, pod, sources, &skipped_sources);
      for (auto& n : skipped_sources) notes.push_back("volume \"" + vol.name + "\": " + n);
      return payload;
    });
  }
  if (refreshing) {
    skipped = true;
    return PodVolume{};
  }
  if (vol.emptyDir) {
    const auto& src = *vol.emptyDir;
    if (!src.medium.empty() && src.medium != "Memory") {
      return Status::error(EOPNOTSUPP, "emptyDir medium \"" + src.medium + "\" is not supported");
    }
    std::optional<int64_t> size_limit;
    if (src.sizeLimit && src.sizeLimit->sign() > 0) size_limit = src.sizeLimit->value();
    std::string dir = volumeDir(uid, kEmptyDirPlugin, vol.name);
    ORCH_RETURN_IF_ERROR(prepareDir(pod, dir, src.medium == "Memory", size_limit));
    if (gid) ORCH_RETURN_IF_ERROR(applyFsGroupToRoot(dir, *gid, true));
    return PodVolume{dir, true, false, size_limit, kEmptyDirPlugin};
  }
  if (vol.hostPath) {
    const auto& src = *vol.hostPath;
    if (src.path.empty() || src.path[0] != '/') {
      return Status::invalid("hostPath \"" + src.path + "\" is not an absolute path");
    }
    ORCH_RETURN_IF_ERROR(checkHostPathType(src.path, src.type));
    struct stat st {};
    bool is_dir = ::stat(src.path.c_str(), &st) != 0 || S_ISDIR(st.st_mode);
    return PodVolume{src.path, is_dir, false, std::nullopt, kHostPathPlugin};
  }
  if (vol.persistentVolumeClaim) {
    return Status::error(EOPNOTSUPP, "persistentVolumeClaim volumes are not supported");
  }
  return Status::error(EOPNOTSUPP,
                       "unsupported volume source (fields: " + keysOf(vol.unknown_fields) + ")");
}

Result<PodVolumes> VolumeManager::setUp(const api::Pod& pod) {
  if (!validName(pod.metadata.uid)) {
    return Status::invalid("pod \"" + pod.metadata.name + "\" has no valid uid");
  }
  std::lock_guard<std::mutex> lock(lockFor(pod.metadata.uid));
  PodVolumes out;
  for (const api::Volume& vol : pod.spec.volumes) {
    if (!validName(vol.name)) return Status::invalid("invalid volume name \"" + vol.name + "\"");
    bool skipped = false;
    auto v = setUpVolume(pod, vol, Mode::kSetUp, out.notes, skipped);
    if (!v.ok()) return v.status().withContext("volume \"" + vol.name + "\"");
    out.volumes[vol.name] = std::move(v).value();
  }
  return out;
}

Status VolumeManager::refresh(const api::Pod& pod) {
  if (!validName(pod.metadata.uid)) {
    return Status::invalid("pod \"" + pod.metadata.name + "\" has no valid uid");
  }
  std::lock_guard<std::mutex> lock(lockFor(pod.metadata.uid));
  std::vector<std::string> notes;
  std::string errors;
  int first_code = 0;
  for (const api::Volume& vol : pod.spec.volumes) {
    if (!validName(vol.name)) continue;
    bool skipped = false;
    auto v = setUpVolume(pod, vol, Mode::kRefresh, notes, skipped);
    if (!v.ok()) {
      if (first_code == 0) first_code = v.status().code();
      errors +=
          (errors.empty() ? "" : "; ") + ("volume \"" + vol.name + "\": ") + v.status().context();
    }
  }
  if (!errors.empty()) return Status::error(first_code, "refresh volumes: " + errors);
  return Status::ok();
}

Status VolumeManager::tearDown(const std::string& pod_uid) {
  if (!validName(pod_uid)) return Status::invalid("invalid pod uid \"" + pod_uid + "\"");
  std::lock_guard<std::mutex> lock(lockFor(pod_uid));
  const std::string dir = podDir(pod_uid);
  ORCH_ASSIGN_OR_RETURN(std::vector<std::string> mounts, mountPointsUnder(dir));
  for (const auto& mp : mounts) ORCH_RETURN_IF_ERROR(unmountPath(mp));
  return removeAllOneFilesystem(dir + "/volumes").withContext("tear down volumes of " + pod_uid);
}

Result<std::vector<std::string>> VolumeManager::podsOnDisk() const {
  const std::string pods = opts_.root_dir + "/pods";
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(pods.c_str()), ::closedir);
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return Status::fromErrno("opendir " + pods);
  }
  std::vector<std::string> out;
  while (struct dirent* e = ::readdir(d.get())) {
    std::string n = e->d_name;
    if (!validName(n)) continue;
    struct stat st {};
    std::string volumes = pods + "/" + n + "/volumes";
    if (::lstat(volumes.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace orch::agent
