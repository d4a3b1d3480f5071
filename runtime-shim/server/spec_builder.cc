#include "runtime-shim/server/spec_builder.h"

#include <algorithm>
#include <cstring>
#include <set>

#include "runtime-shim/server/image_user.h"

namespace orch::shim {

namespace {

using runtime::v1::NamespaceMode;

const std::vector<std::string> kDefaultMaskedPaths = {"/proc/acpi",
                                                      "/proc/asound",
                                                      "/proc/kcore",
                                                      "/proc/keys",
                                                      "/proc/latency_stats",
                                                      "/proc/timer_list",
                                                      "/proc/timer_stats",
                                                      "/proc/sched_debug",
                                                      "/proc/scsi",
                                                      "/sys/firmware",
                                                      "/sys/devices/virtual/powercap"};
const std::vector<std::string> kDefaultReadonlyPaths = {"/proc/bus", "/proc/fs", "/proc/irq",
                                                        "/proc/sys", "/proc/sysrq-trigger"};
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// "sys_admin" / "SYS_ADMIN" / "CAP_SYS_ADMIN" → "CAP_SYS_ADMIN".
std::string capName(std::string c) {
  std::transform(c.begin(), c.end(), c.begin(), ::toupper);
  return c.rfind("CAP_", 0) == 0 ? c : "CAP_" + c;
}

Result<std::vector<std::string>> capabilities(const runtime::v1::Capability& caps) {
  std::set<std::string> set(defaultCapabilities().begin(), defaultCapabilities().end());
  for (const auto& c : caps.drop_capabilities()) {
    if (capName(c) == "CAP_ALL")
      set.clear();
    else
      set.erase(capName(c));
  }
  for (const auto& c : caps.add_capabilities()) {
    if (capName(c) == "CAP_ALL")
      return Status::invalid("capabilities.add_capabilities: ALL is only valid with privileged");
    set.insert(capName(c));
  }
  return std::vector<std::string>(set.begin(), set.end());
}

std::string envKey(const std::string& kv) {
  return kv.substr(0, kv.find('='));
}

void setEnv(std::vector<std::string>& env, const std::string& kv) {
  std::string key = envKey(kv);
  for (auto& e : env)
    if (envKey(e) == key) {
      e = kv;
      return;
    }
  env.push_back(kv);
}

std::vector<std::string> jsonStrings(const nlohmann::json& config, const char* key) {
  std::vector<std::string> out;
  if (config.contains(key) && config[key].is_array())
    for (const auto& s : config[key])
      if (s.is_string()) out.push_back(s.get<std::string>());
  return out;
}

SeccompSpec seccompOf(const runtime::v1::LinuxContainerSecurityContext& sc) {
  SeccompSpec out;
  if (sc.has_seccomp()) {
    switch (sc.seccomp().profile_type()) {
      case runtime::v1::SecurityProfile::RuntimeDefault:
        out.kind = SeccompSpec::Kind::kRuntimeDefault;
        break;
      case runtime::v1::SecurityProfile::Localhost:
        out.kind = SeccompSpec::Kind::kLocalhost;
        out.localhost_path = sc.seccomp().localhost_ref();
        break;
      default:
        out.kind = SeccompSpec::Kind::kUnconfined;
        break;
    }
    return out;
  }
  // The deprecated string form, still sent by older kubelets.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  const std::string& p = sc.seccomp_profile_path();
#pragma GCC diagnostic pop
  if (p == "runtime/default" || p == "docker/default")
    out.kind = SeccompSpec::Kind::kRuntimeDefault;
  else if (p.rfind("localhost/", 0) == 0) {
    out.kind = SeccompSpec::Kind::kLocalhost;
    out.localhost_path = p.substr(strlen("localhost/"));
  }
  return out;
}

std::string propagationOf(runtime::v1::MountPropagation p) {
  switch (p) {
    case runtime::v1::PROPAGATION_HOST_TO_CONTAINER:
      return "rslave";
    case runtime::v1::PROPAGATION_BIDIRECTIONAL:
      return "rshared";
    default:
      return "rprivate";
  }
}

std::string procNs(pid_t pid, const char* ns) {
  return "/proc/" + std::to_string(pid) + "/ns/" + ns;
}

}  // namespace

ResourceSpec resourceSpecOf(const runtime::v1::LinuxContainerResources& r) {
  return ResourceSpec{.cpu_shares = r.cpu_shares(),
                      .cpu_quota = r.cpu_quota(),
                      .cpu_period = r.cpu_period(),
                      .memory_limit_bytes = r.memory_limit_in_bytes(),
                      .cpuset_cpus = r.cpuset_cpus(),
                      .cpuset_mems = r.cpuset_mems()};
}

std::string sandboxCgroupParent(const runtime::v1::PodSandboxConfig& config,
                                const std::string& default_parent, const std::string& sandbox_id) {
  const std::string& given = config.linux().cgroup_parent();
  if (!given.empty()) return given.front() == '/' ? given : "/" + given;
  return default_parent + "/pod-" + sandbox_id.substr(0, 12);
}

LaunchSpec buildSandboxSpec(const SandboxRecord& sandbox, const std::string& pause_binary) {
  const auto& ns = sandbox.config.linux().security_context().namespace_options();
  LaunchSpec spec;
  spec.args = {pause_binary};
  spec.env = {std::string("PATH=") + kDefaultPath};
  if (!sandbox.netns_path.empty()) spec.namespaces.push_back({"net", sandbox.netns_path});
  if (ns.ipc() != runtime::v1::NODE) spec.namespaces.push_back({"ipc", ""});
  if (ns.network() != runtime::v1::NODE) {
    spec.namespaces.push_back({"uts", ""});
    spec.hostname = sandbox.config.hostname();
  }
  if (ns.pid() != runtime::v1::NODE) spec.namespaces.push_back({"pid", ""});
  for (const auto& [k, v] : sandbox.config.linux().sysctls()) spec.sysctls[k] = v;
  spec.cgroup_path = sandbox.cgroup_parent + "/" + sandbox.id;
  spec.capabilities = defaultCapabilities();
  spec.oom_score_adj = -998;  // as containerd; clamped to the monitor's own by the launcher
  return spec;
}

Result<LaunchSpec> buildContainerSpec(const runtime::v1::ContainerConfig& config,
                                      const ImageRecord& image, const SandboxContext& sandbox,
                                      const std::string& bundle, const std::string& log_path,
                                      pid_t target_pid) {
  const SandboxRecord& sb = *sandbox.record;
  const auto& sc = config.linux().security_context();
  const auto& pod_ns = sb.config.linux().security_context().namespace_options();
  const nlohmann::json& ic = image.config;
  LaunchSpec spec;

  // Process: CRI command replaces Entrypoint; CRI args replace Cmd (only when no command).
  std::vector<std::string> command(config.command().begin(), config.command().end());
  std::vector<std::string> args(config.args().begin(), config.args().end());
  if (command.empty()) {
    if (args.empty()) args = jsonStrings(ic, "Cmd");
    command = jsonStrings(ic, "Entrypoint");
  }
  spec.args = command;
  spec.args.insert(spec.args.end(), args.begin(), args.end());
  if (spec.args.empty())
    return Status::invalid("command: none given and the image has no Entrypoint or Cmd");
  spec.env = {std::string("PATH=") + kDefaultPath};
  for (const auto& kv : jsonStrings(ic, "Env")) setEnv(spec.env, kv);
  std::string hostname = sb.config.hostname();
  if (pod_ns.network() != runtime::v1::NODE) setEnv(spec.env, "HOSTNAME=" + hostname);
  for (const auto& kv : config.envs()) setEnv(spec.env, kv.key() + "=" + kv.value());
  spec.cwd = !config.working_dir().empty() ? config.working_dir()
             : ic.contains("WorkingDir") && ic["WorkingDir"].is_string() &&
                     !ic["WorkingDir"].get<std::string>().empty()
                 ? ic["WorkingDir"].get<std::string>()
                 : "/";
  if (spec.cwd.front() != '/')
    return Status::invalid("working_dir: \"" + spec.cwd + "\" is not absolute");
  spec.tty = config.tty();
  spec.log_path = log_path;

  // Root filesystem.
  spec.lower_dirs = image.layer_dirs;
  spec.upper_dir = bundle + "/fs/upper";
  spec.work_dir = bundle + "/fs/work";
  spec.rootfs_dir = bundle + "/rootfs";
  spec.readonly_rootfs = sc.readonly_rootfs();

  // Namespaces: the pod's network, ipc and uts through its pause process.
  if (!sb.netns_path.empty()) spec.namespaces.push_back({"net", sb.netns_path});
  if (pod_ns.ipc() != runtime::v1::NODE)
    spec.namespaces.push_back({"ipc", procNs(sandbox.pause_pid, "ipc")});
  if (pod_ns.network() != runtime::v1::NODE)
    spec.namespaces.push_back({"uts", procNs(sandbox.pause_pid, "uts")});
  switch (sc.namespace_options().pid()) {
    case runtime::v1::POD:
      spec.namespaces.push_back({"pid", procNs(sandbox.pause_pid, "pid")});
      break;
    case runtime::v1::CONTAINER:
      spec.namespaces.push_back({"pid", ""});
      break;
    case runtime::v1::TARGET:
      if (target_pid <= 0)
        return Status::invalid("namespace_options.target_id: no such running container");
      spec.namespaces.push_back({"pid", procNs(target_pid, "pid")});
      break;
    default:
      break;  // NODE: the host's
  }
  spec.namespaces.push_back({"mnt", ""});

  // Mounts: the kubelet's, then the pod files it did not mount itself.
  std::set<std::string> destinations;
  for (const auto& m : config.mounts()) {
    if (m.container_path().empty() || m.container_path().front() != '/')
      return Status::invalid("mounts.container_path: \"" + m.container_path() +
                             "\" is not absolute");
    if (m.host_path().empty() || m.host_path().front() != '/')
      return Status::invalid("mounts.host_path: \"" + m.host_path() + "\" is not absolute");
    MountSpec ms{.source = m.host_path(),
                 .destination = m.container_path(),
                 .type = "bind",
                 .options = {"rbind"},
                 .propagation = propagationOf(m.propagation())};
    if (m.readonly()) ms.options.push_back("ro");
    destinations.insert(ms.destination);
    spec.mounts.push_back(std::move(ms));
  }
  auto podFile = [&](const std::string& dest, const std::string& source, bool readonly) {
    if (destinations.count(dest)) return;
    MountSpec ms{.source = source,
                 .destination = dest,
                 .type = "bind",
                 .options = {"rbind"},
                 .propagation = "rprivate"};
    if (readonly) ms.options.push_back("ro");
    spec.mounts.push_back(std::move(ms));
  };
  podFile("/etc/hosts", sandbox.dir + "/hosts", sc.readonly_rootfs());
  podFile("/etc/resolv.conf", sandbox.dir + "/resolv.conf", sc.readonly_rootfs());
  podFile("/etc/hostname", sandbox.dir + "/hostname", sc.readonly_rootfs());
  if (pod_ns.ipc() == runtime::v1::NODE)
    podFile("/dev/shm", "/dev/shm", false);
  else if (sb.shm_mounted)
    podFile("/dev/shm", sandbox.dir + "/shm", false);

  // cgroup and resources.
  spec.cgroup_path = sb.cgroup_parent + "/" + bundle.substr(bundle.rfind('/') + 1);
  spec.resources = resourceSpecOf(config.linux().resources());
  if (config.linux().resources().oom_score_adj() != 0)
    spec.oom_score_adj = static_cast<int>(config.linux().resources().oom_score_adj());

  // Security.
  spec.privileged = sc.privileged();
  if (spec.privileged && !sb.config.linux().security_context().privileged())
    return Status::invalid("security_context.privileged: the sandbox is not privileged");
  if (!spec.privileged) {
    ORCH_ASSIGN_OR_RETURN(spec.capabilities, capabilities(sc.capabilities()));
    spec.seccomp = seccompOf(sc);
    spec.masked_paths =
        sc.masked_paths().empty()
            ? kDefaultMaskedPaths
            : std::vector<std::string>(sc.masked_paths().begin(), sc.masked_paths().end());
    spec.readonly_paths =
        sc.readonly_paths().empty()
            ? kDefaultReadonlyPaths
            : std::vector<std::string>(sc.readonly_paths().begin(), sc.readonly_paths().end());
  }
  spec.no_new_privs = sc.no_new_privs();
  UserRequest ureq{
      .image_user = ic.value("User", ""),
      .run_as_username = sc.run_as_username(),
      .supplemental_groups = {sc.supplemental_groups().begin(), sc.supplemental_groups().end()}};
  if (sc.has_run_as_user()) ureq.run_as_user = sc.run_as_user().value();
  if (sc.has_run_as_group()) ureq.run_as_group = sc.run_as_group().value();
  auto user = resolveUser(ureq, image.layer_dirs);
  if (!user.ok()) return user.status().withContext("security_context");
  spec.uid = user->uid;
  spec.gid = user->gid;
  spec.additional_gids = user->additional_gids;
  return spec;
}

}  // namespace orch::shim
