#pragma once
// CRI requests → LaunchSpec (pure functions, no I/O except reading the image's
// /etc/passwd and /etc/group from its layers). The semantics follow containerd's CRI plugin:
// command/args merged with the image's Entrypoint/Cmd, env over the image's Env, the pod's
// namespaces joined through its pause process, the pod's resolv.conf / hostname / hosts and
// /dev/shm mounted in, capabilities from containerd's default set with add/drop, masked and
// read-only paths defaulted when the kubelet sends none.

#include <sys/types.h>

#include <string>

#include "common/base/status.h"
#include "common/cri/api.pb.h"
#include "runtime-shim/container/launch_spec.h"
#include "runtime-shim/image/image_store.h"
#include "runtime-shim/server/records.h"

namespace orch::shim {

// What a container spec needs to know about its pod.
struct SandboxContext {
  const SandboxRecord* record = nullptr;
  std::string dir;      // the sandbox's directory (resolv.conf, hostname, hosts, shm)
  pid_t pause_pid = 0;  // for /proc/<pid>/ns/{ipc,uts,pid}
};

// The pause process of a sandbox: new ipc/uts/pid namespaces unless the pod uses the
// host's, the pod's network namespace, its hostname and sysctls, in the pod's cgroup.
LaunchSpec buildSandboxSpec(const SandboxRecord& sandbox, const std::string& pause_binary);

// A container of the sandbox. `target_pid` is the pid of the container named by
// NamespaceOption.target_id (pid mode TARGET), else 0. Bundle paths (upper/work/rootfs) are
// placed in `bundle`. EINVAL naming the CRI field for unusable input (no command, bad user,
// relative mount paths, unknown capability names).
Result<LaunchSpec> buildContainerSpec(const runtime::v1::ContainerConfig& config,
                                      const ImageRecord& image, const SandboxContext& sandbox,
                                      const std::string& bundle, const std::string& log_path,
                                      pid_t target_pid);

// CRI resources as the launcher applies them.
ResourceSpec resourceSpecOf(const runtime::v1::LinuxContainerResources& r);

// The cgroup path of a sandbox (`cgroup_parent` from the kubelet, else <default>/<id>).
std::string sandboxCgroupParent(const runtime::v1::PodSandboxConfig& config,
                                const std::string& default_parent, const std::string& sandbox_id);

}  // namespace orch::shim
