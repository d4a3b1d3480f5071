#pragma once
// Linux security settings of sandboxes and containers, as the kubelet derives them
// (kuberuntime/security_context.go, security_context_others.go, helpers.go). Pure.

#include <cstdint>
#include <optional>
#include <string>

#include "common/api/pod.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

// network: NODE with hostNetwork else POD; ipc: NODE with hostIPC else POD; pid: NODE with
// hostPID, POD with shareProcessNamespace, else CONTAINER.
runtime::v1::NamespaceOption namespaceOptionsForPod(const api::Pod& pod);

// The user an image runs as, from ImageStatus: a numeric uid, else a user name; neither
// means root (uid 0), as upstream.
struct ImageUser {
  std::optional<int64_t> uid;
  std::string username;
};
ImageUser imageUserOf(const runtime::v1::Image* image);

// The effective runAsUser / runAsGroup / runAsNonRoot: the container's, else the pod's.
struct EffectiveUser {
  std::optional<int64_t> run_as_user, run_as_group;
  bool run_as_non_root = false;
};
EffectiveUser effectiveUser(const api::Pod& pod, const api::Container& container);

// runAsNonRoot against the user the container would run as. EPERM with the kubelet's
// messages: "container's runAsUser breaks non-root policy", "container has runAsNonRoot and
// image will run as root", "... image has non-numeric user (<name>), cannot verify user is
// non-root".
Status verifyRunAsNonRoot(const api::Pod& pod, const api::Container& container,
                          const ImageUser& image_user);

// The seccomp profile of a container: the container's seccompProfile, else the pod's, else
// RuntimeDefault when `seccomp_default` (--seccomp-default) or Unconfined. Localhost
// profiles become <seccomp_root>/<localhostProfile> (seccomp_root is <root-dir>/seccomp).
// EINVAL for Localhost without localhostProfile.
Result<runtime::v1::SecurityProfile> seccompProfile(const api::Pod& pod,
                                                    const api::Container& container,
                                                    const std::string& seccomp_root,
                                                    bool seccomp_default);

// The container's LinuxContainerSecurityContext: capabilities, privileged, run_as_user
// (else the image's uid, else run_as_username), run_as_group, readonly_rootfs, supplemental
// groups (pod fsGroup, then pod supplementalGroups), supplemental groups policy, no_new_privs
// (allowPrivilegeEscalation: false), seccomp, namespace options. Masked / read-only paths
// are left empty: the runtime applies its defaults (so procMount: Unmasked is not honoured).
Result<runtime::v1::LinuxContainerSecurityContext> containerSecurityContext(
    const api::Pod& pod, const api::Container& container, const ImageUser& image_user,
    const std::string& seccomp_root, bool seccomp_default);

// Whether any container (app or init) of the pod is privileged.
bool hasPrivilegedContainer(const api::Pod& pod);

}  // namespace orch::agent
