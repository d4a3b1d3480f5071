#pragma once
// A container's volumeMounts resolved against the pod's volumes, as the kubelet's makeMounts:
//   - the volume must exist: EINVAL `cannot find volume "v" to mount into container "c"`;
//   - mountPath not starting with "/" gets one;
//   - readonly = volumeMount.readOnly || the volume is read-only (configMap, secret, ...);
//   - mountPropagation None/unset → kPrivate, HostToContainer, Bidirectional; other → EINVAL;
//   - subPath (or subPathExpr expanded with `env`; a missing or empty variable is EINVAL
//     "missing value for A, B") must be relative and free of ".." components; it is created
//     as a directory (with the volume root's mode) when absent, component by component,
//     refusing symlinks; an existing subPath is resolved and must stay inside the volume (a
//     symlink escaping the volume is refused), and host_path is the resolved path.
// Side effect: creates missing subPath directories. Thread-safe.

#include <vector>

#include "agent/envvars/expand.h"
#include "agent/volume/container_mount.h"
#include "agent/volume/pod_volumes.h"
#include "common/api/container.h"
#include "common/base/status.h"

namespace orch::agent {

Result<std::vector<ContainerMount>> mountsFor(const api::Container& container,
                                              const PodVolumes& volumes,
                                              const VarLookup& env = nullptr);

// The subPath rules above for one volume root; returns the host path to mount.
Result<std::string> prepareSubPath(const std::string& volume_path, const std::string& sub_path);

}  // namespace orch::agent
