#pragma once
// One mount of a container, resolved from its volumeMounts and the pod's volumes; the
// kuberuntime layer turns it into a CRI Mount. Plain data.

#include <string>

namespace orch::agent {

enum class MountPropagation {
  kPrivate,          // "None" or unset (CRI PROPAGATION_PRIVATE)
  kHostToContainer,  // CRI PROPAGATION_HOST_TO_CONTAINER (rslave)
  kBidirectional,    // CRI PROPAGATION_BIDIRECTIONAL (rshared)
};

struct ContainerMount {
  std::string name;            // the volume's name (for messages)
  std::string container_path;  // absolute path inside the container
  std::string host_path;       // what the runtime bind-mounts (a directory or a file)
  bool readonly = false;
  MountPropagation propagation = MountPropagation::kPrivate;
  bool operator==(const ContainerMount&) const = default;
};

}  // namespace orch::agent
