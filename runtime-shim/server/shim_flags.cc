#include "runtime-shim/server/shim_flags.h"

#include <unistd.h>

#include <filesystem>

#include "common/cri/cri_client.h"

namespace orch::shim {

namespace {

// A helper binary next to our own executable (the install and the build layout alike).
std::string besideSelf(const std::string& name) {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return name;
  return (self.parent_path() / name).string();
}

}  // namespace

void addShimFlags(CLI::App& app, ShimFlags& f) {
  app.add_option("--listen", f.listen, "CRI endpoint to serve (unix socket)")
      ->capture_default_str();
  app.add_option("--state-dir", f.state_dir, "where sandboxes, containers and images are kept")
      ->capture_default_str();
  app.add_option("--cni-conf-dir", f.cni_conf_dir, "CNI network configurations")
      ->capture_default_str();
  app.add_option("--cni-bin-dir", f.cni_bin_dirs, "CNI plugin directory (repeatable)")
      ->capture_default_str();
  app.add_option("--cni-cache-dir", f.cni_cache_dir, "CNI result cache")->capture_default_str();
  app.add_option("--cgroup-parent", f.cgroup_parent,
                 "cgroup under which pods without a kubelet-given parent go")
      ->capture_default_str();
  app.add_option("--registry-mirror", f.registry_mirrors,
                 "HOST=URL: pulls for HOST go to URL (repeatable)");
  app.add_option("--insecure-registry", f.insecure_registries,
                 "registry HOST spoken to over plain HTTP (repeatable)");
  app.add_option("--pause-binary", f.pause_binary, "orch-pause (default: next to orch-shim)");
  app.add_option("--monitor-binary", f.monitor_binary, "orch-monitor (default: next to orch-shim)");
}

Result<RuntimeOptions> runtimeOptionsFrom(const ShimFlags& f) {
  if (f.state_dir.empty() || f.state_dir.front() != '/')
    return Status::invalid("--state-dir: must be an absolute path");
  if (f.cgroup_parent.empty() || f.cgroup_parent.front() != '/')
    return Status::invalid("--cgroup-parent: must start with /");
  RuntimeOptions o;
  o.state_dir = f.state_dir;
  o.cgroup_parent = f.cgroup_parent == "/" ? "" : f.cgroup_parent;
  o.pause_binary = f.pause_binary.empty() ? besideSelf("orch-pause") : f.pause_binary;
  o.monitor_binary = f.monitor_binary.empty() ? besideSelf("orch-monitor") : f.monitor_binary;
  for (const auto& [flag, path] :
       {std::pair{"--pause-binary", o.pause_binary}, {"--monitor-binary", o.monitor_binary}})
    if (access(path.c_str(), X_OK) != 0) return Status::fromErrno(std::string(flag) + ": " + path);
  o.network = NetworkOptions{
      .conf_dir = f.cni_conf_dir, .plugin_dirs = f.cni_bin_dirs, .cache_dir = f.cni_cache_dir};
  return o;
}

Result<PullOptions> pullOptionsFrom(const ShimFlags& f) {
  PullOptions o;
  for (const auto& m : f.registry_mirrors) {
    auto eq = m.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
      return Status::invalid("--registry-mirror: \"" + m + "\" is not HOST=URL");
    std::string url = m.substr(eq + 1);
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      return Status::invalid("--registry-mirror: \"" + url + "\" is not an http(s) URL");
    o.mirrors[m.substr(0, eq)] = url;
  }
  o.insecure = f.insecure_registries;
  return o;
}

Result<std::string> listenSocketPath(const ShimFlags& f) {
  auto path = cri::parseCriEndpoint(f.listen);
  if (!path.ok()) return path.status().withContext("--listen");
  return path;
}

}  // namespace orch::shim
