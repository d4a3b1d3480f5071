#include "agent/volume/container_mounts.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "common/base/unique_fd.h"

namespace orch::agent {

namespace {

std::vector<std::string> components(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= p.size()) {
    size_t slash = p.find('/', start);
    if (slash == std::string::npos) slash = p.size();
    std::string c = p.substr(start, slash - start);
    if (!c.empty() && c != ".") out.push_back(std::move(c));
    start = slash + 1;
  }
  return out;
}

bool inside(const std::string& path, const std::string& root) {
  return path == root || (path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
                          (root == "/" || path[root.size()] == '/'));
}

Result<std::string> realPath(const std::string& p) {
  char buf[PATH_MAX];
  if (::realpath(p.c_str(), buf) == nullptr) return Status::fromErrno("resolve " + p);
  return std::string(buf);
}

Result<MountPropagation> propagationOf(const std::optional<std::string>& mode) {
  if (!mode || *mode == "None") return MountPropagation::kPrivate;
  if (*mode == "HostToContainer") return MountPropagation::kHostToContainer;
  if (*mode == "Bidirectional") return MountPropagation::kBidirectional;
  return Status::invalid("invalid MountPropagation mode: \"" + *mode + "\"");
}

}  // namespace

Result<std::string> prepareSubPath(const std::string& volume_path, const std::string& sub_path) {
  if (!sub_path.empty() && sub_path[0] == '/') {
    return Status::invalid("error SubPath `" + sub_path + "` must not be an absolute path");
  }
  std::vector<std::string> comps = components(sub_path);
  for (size_t start = 0; start <= sub_path.size();) {
    size_t slash = sub_path.find('/', start);
    if (slash == std::string::npos) slash = sub_path.size();
    if (sub_path.compare(start, slash - start, "..") == 0) {
      return Status::invalid("unable to provision SubPath `" + sub_path +
                             "`: must not contain '..'");
    }
    start = slash + 1;
  }
  ORCH_ASSIGN_OR_RETURN(std::string root, realPath(volume_path));
  struct stat root_st {};
  if (::stat(root.c_str(), &root_st) != 0) return Status::fromErrno("stat " + root);

  // The longest prefix of the subPath that exists (symlinks followed).
  size_t existing = comps.size();
  std::string prefix;
  for (; existing > 0; --existing) {
    prefix = root;
    for (size_t i = 0; i < existing; ++i) prefix += "/" + comps[i];
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0) break;
    if (errno != ENOENT && errno != ENOTDIR) return Status::fromErrno("stat " + prefix);
  }
  std::string resolved = root;
  if (existing > 0) {
    ORCH_ASSIGN_OR_RETURN(resolved, realPath(prefix));
    if (!inside(resolved, root)) {
      return Status::error(EPERM, "subPath `" + sub_path + "` resolves outside its volume");
    }
  }
  if (existing == comps.size()) return resolved;

  // Create the rest below the resolved prefix, never following a symlink put there meanwhile.
  const mode_t perm = root_st.st_mode & 07777;
  UniqueFd dir(::open(resolved.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return Status::fromErrno("open " + resolved);
  for (size_t i = existing; i < comps.size(); ++i) {
    const std::string& c = comps[i];
    std::string path = resolved + "/" + c;
    if (::mkdirat(dir.get(), c.c_str(), perm) != 0 && errno != EEXIST) {
      return Status::fromErrno("create subPath directory " + path);
    }
    UniqueFd child(::openat(dir.get(), c.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!child) return Status::fromErrno("open subPath directory " + path);
    // mkdir applied the umask.
    if (::fchmod(child.get(), perm) != 0) return Status::fromErrno("chmod " + path);
    dir = std::move(child);
    resolved = std::move(path);
  }
  return resolved;
}

Result<std::vector<ContainerMount>> mountsFor(const api::Container& container,
                                              const PodVolumes& volumes, const VarLookup& env) {
  std::vector<ContainerMount> out;
  for (const api::VolumeMount& vm : container.volumeMounts) {
    auto it = volumes.volumes.find(vm.name);
    if (it == volumes.volumes.end()) {
      return Status::invalid("cannot find volume \"" + vm.name + "\" to mount into container \"" +
                             container.name + "\"");
    }
    const PodVolume& vol = it->second;
    std::string what = "volumeMount \"" + vm.name + "\" of container \"" + container.name + "\"";
    ContainerMount m;
    m.name = vm.name;
    m.container_path = vm.mountPath;
    if (m.container_path.empty() || m.container_path[0] != '/') {
      m.container_path = "/" + m.container_path;
    }
    m.readonly = vm.readOnly || vol.read_only;
    auto prop = propagationOf(vm.mountPropagation);
    if (!prop.ok()) return prop.status().withContext(what);
    m.propagation = *prop;
    m.host_path = vol.host_path;

    std::string sub = vm.subPath;
    if (!vm.subPathExpr.empty()) {
      std::set<std::string> missing;
      sub = expandVars(vm.subPathExpr, [&](std::string_view name) -> std::optional<std::string> {
        std::optional<std::string> v = env ? env(name) : std::nullopt;
        if (!v || v->empty()) missing.insert(std::string(name));
        return v.value_or("");
      });
      if (!missing.empty()) {
        std::string names;
        for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
        return Status::invalid(what + ": subPathExpr: missing value for " + names);
      }
    }
    if (!sub.empty()) {
      auto host = prepareSubPath(vol.host_path, sub);
      if (!host.ok()) return host.status().withContext(what);
      m.host_path = std::move(host).value();
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace orch::agent
