#include "runtime-shim/container/launcher.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "runtime-shim/container/capabilities.h"
#include "runtime-shim/container/launcher_child.h"

namespace orch::shim {

namespace {

struct NsType {
  const char* name;
  int flag;
};

// Join order in the child: mnt last, since the others' paths may live on the host's tree.
constexpr NsType kNamespaces[] = {{"ipc", CLONE_NEWIPC},       {"uts", CLONE_NEWUTS},
                                  {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
                                  {"cgroup", CLONE_NEWCGROUP}, {"mnt", CLONE_NEWNS}};

Result<UniqueFd> openNs(const std::string& path, const char* type) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::fromErrno(std::string("open ") + type + " namespace " + path);
  return fd;
}

Status prepareStdio(const StdioFds& in, ChildPlan& plan) {
  plan.stdio = in;
  if (in.in >= 0 && in.out >= 0 && in.err >= 0) return Status::ok();
  plan.devnull.reset(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!plan.devnull) return Status::fromErrno("open /dev/null");
  if (plan.stdio.in < 0) plan.stdio.in = plan.devnull.get();
  if (plan.stdio.out < 0) plan.stdio.out = plan.devnull.get();
  if (plan.stdio.err < 0) plan.stdio.err = plan.devnull.get();
  return Status::ok();
}

// Capabilities and the seccomp filter (built here, on the host, where a Localhost profile
// file is visible).
Status prepareSecurity(const LaunchSpec& spec, ChildPlan& plan) {
  ORCH_ASSIGN_OR_RETURN(plan.caps, capabilityValues(spec.capabilities, spec.privileged));
  if (spec.privileged) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(plan.seccomp, seccompFilterFor(spec.seccomp, capabilityNames(plan.caps)));
  return Status::ok();
}

// {name under /sys/fs/cgroup, host dir} for each hierarchy the container's cgroup is in.
std::vector<std::pair<std::string, std::string>> cgroupBinds(const Cgroup& cg) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<const CgroupHierarchy*> seen;
  std::vector<std::string> controllers = Cgroup::v1Controllers();
  controllers.push_back("");
  for (const std::string& c : controllers) {
    const CgroupHierarchy* h = c.empty() ? cg.layout().unified() : cg.layout().v1(c);
    if (h == nullptr || std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
    seen.push_back(h);
    std::string name = h->mount_point.substr(h->mount_point.rfind('/') + 1);
    out.emplace_back(name, cg.directory(c));
  }
  return out;
}

Status checkArgs(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0].empty()) return Status::invalid("launch: empty args");
  return Status::ok();
}

Result<pid_t> spawn(const LaunchSpec& spec, const StdioFds& stdio) {
  ORCH_RETURN_IF_ERROR(checkArgs(spec.args));
  ChildPlan plan;
  plan.spec = &spec;
  plan.argv = spec.args;
  ORCH_RETURN_IF_ERROR(prepareStdio(stdio, plan));
  plan.controlling_tty = spec.tty;
  bool new_mnt = false, joined_mnt = false, new_uts = false;
  bool own_net = false, own_ipc = false, own_uts = false;
  for (const NsType& t : kNamespaces) {
    auto it = std::find_if(spec.namespaces.begin(), spec.namespaces.end(),
                           [&](const NamespaceSpec& n) { return n.type == t.name; });
    if (it == spec.namespaces.end()) continue;
    if (t.flag == CLONE_NEWNET) own_net = true;
    if (t.flag == CLONE_NEWIPC) own_ipc = true;
    if (t.flag == CLONE_NEWUTS) own_uts = true;
    if (it->path.empty()) {
      if (t.flag == CLONE_NEWCGROUP) {
        plan.new_cgroup_ns = true;
      } else {
        plan.clone_flags |= static_cast<unsigned long>(t.flag);
      }
      new_mnt |= t.flag == CLONE_NEWNS;
      new_uts |= t.flag == CLONE_NEWUTS;
      continue;
    }
    ORCH_ASSIGN_OR_RETURN(UniqueFd fd, openNs(it->path, t.name));
    if (t.flag == CLONE_NEWPID) {
      plan.join_pid = std::move(fd);
    } else {
      plan.join.emplace_back(t.flag, std::move(fd));
      joined_mnt |= t.flag == CLONE_NEWNS;
    }
  }
  if (!spec.lower_dirs.empty() && !new_mnt) {
    if (joined_mnt) {
      plan.unshare_mnt_after_join = true;
    } else {
      plan.clone_flags |= CLONE_NEWNS;
    }
    new_mnt = true;
  }
  plan.own_mount_ns = new_mnt;
  if (!new_mnt && (!spec.mounts.empty() || !spec.masked_paths.empty() ||
                   !spec.readonly_paths.empty() || spec.readonly_rootfs)) {
    return Status::invalid(
        "launch: mounts, masked/readonly paths and readonly_rootfs need a mount namespace of "
        "the process's own (lower_dirs or a new \"mnt\" namespace)");
  }
  plan.set_hostname = new_uts && !spec.hostname.empty();
  // Host sysctls must never be written: only those of namespaces the process has its own.
  for (const auto& [key, value] : spec.sysctls) {
    bool net = key.rfind("net.", 0) == 0;
    bool ipc = key.rfind("kernel.shm", 0) == 0 || key.rfind("kernel.msg", 0) == 0 ||
               key.rfind("kernel.sem", 0) == 0 || key.rfind("fs.mqueue.", 0) == 0;
    bool uts = key == "kernel.hostname" || key == "kernel.domainname";
    if (!(net && own_net) && !(ipc && own_ipc) && !(uts && own_uts)) {
      return Status::invalid("launch: sysctl " + key +
                             " is not namespaced by a namespace of the process's own");
    }
  }
  plan.apply_sysctls = !spec.sysctls.empty();
  plan.apply_oom_score_adj = spec.oom_score_adj.has_value();
  ORCH_RETURN_IF_ERROR(prepareSecurity(spec, plan));

  if (!spec.cgroup_path.empty()) {
    ORCH_ASSIGN_OR_RETURN(CgroupLayout layout, detectCgroupLayout());
    ORCH_ASSIGN_OR_RETURN(Cgroup cg, Cgroup::create(layout, spec.cgroup_path, spec.resources));
    if (!spec.privileged) {
      if (Status s = cg.restrictDevices(); !s.isOk()) {
        (void)cg.remove();
        return s;
      }
    }
    plan.rootfs.cgroup_dirs = cgroupBinds(cg);
    plan.cgroup = std::move(cg);
  }
  plan.rootfs.own_net_ns = own_net;
  auto pid = launchChild(plan);
  if (!pid.ok() && plan.cgroup) (void)plan.cgroup->remove();
  return pid;
}

Result<ino_t> nsInode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::fromErrno("stat " + path);
  return st.st_ino;
}

Result<pid_t> execIn(const LaunchSpec& spec, pid_t target, const std::vector<std::string>& argv,
                     const StdioFds& stdio) {
  ORCH_RETURN_IF_ERROR(checkArgs(argv));
  ChildPlan plan;
  plan.spec = &spec;
  plan.argv = argv;
  ORCH_RETURN_IF_ERROR(prepareStdio(stdio, plan));
  // An exec gets a terminal when it is given one (kubectl exec -t), whatever the container has.
  plan.controlling_tty = ::isatty(plan.stdio.in) == 1;
  const std::string proc = "/proc/" + std::to_string(target);
  struct stat st;
  if (target <= 0 || ::stat(proc.c_str(), &st) != 0) {
    return Status::error(ESRCH, "process " + std::to_string(target));
  }
  for (const NsType& t : kNamespaces) {
    const std::string theirs = proc + "/ns/" + t.name;
    ORCH_ASSIGN_OR_RETURN(ino_t their_ino, nsInode(theirs));
    ORCH_ASSIGN_OR_RETURN(ino_t our_ino, nsInode(std::string("/proc/self/ns/") + t.name));
    if (their_ino == our_ino) continue;
    ORCH_ASSIGN_OR_RETURN(UniqueFd fd, openNs(theirs, t.name));
    if (t.flag == CLONE_NEWPID) {
      plan.join_pid = std::move(fd);
    } else {
      plan.join.emplace_back(t.flag, std::move(fd));
    }
  }
  ORCH_RETURN_IF_ERROR(prepareSecurity(spec, plan));
  if (!spec.cgroup_path.empty()) {
    ORCH_ASSIGN_OR_RETURN(CgroupLayout layout, detectCgroupLayout());
    plan.cgroup = Cgroup::open(layout, spec.cgroup_path);
  }
  return launchChild(plan);
}

}  // namespace

Result<pid_t> spawnProcess(const LaunchSpec& spec, const StdioFds& stdio) {
  return spawn(spec, stdio);
}

Result<pid_t> execInside(const LaunchSpec& spec, pid_t target_pid,
                         const std::vector<std::string>& argv, const StdioFds& stdio) {
  return execIn(spec, target_pid, argv, stdio);
}

}  // namespace orch::shim
