#pragma once
// What orch-shim remembers about each sandbox and container (persisted through
// RecordStore as JSON; the CRI configs are kept verbatim in protobuf's JSON mapping). The
// running state of the processes is not here: orch-monitor records it in the bundle
// (state.json), so it stays true across orch-shim restarts.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::shim {

struct SandboxRecord {
  std::string id;
  runtime::v1::PodSandboxConfig config;
  std::string runtime_handler;
  int64_t created_at_ns = 0;
  std::string cgroup_parent;  // the pod's cgroup (containers go below it)
  std::string netns_path;     // "" with host networking
  std::vector<std::string> ips;
  bool network_ready = false;  // CNI ADD done and not yet torn down
  bool shm_mounted = false;    // <dir>/shm is a tmpfs of ours
};

struct ContainerRecord {
  std::string id;
  std::string sandbox_id;
  runtime::v1::ContainerConfig config;
  std::string image_id;   // "sha256:..."
  std::string image_ref;  // repo digest when known, else the image id (ContainerStatus.image_ref)
  int64_t created_at_ns = 0;
  std::string log_path;  // absolute; "" = no log
};

nlohmann::json toJson(const SandboxRecord& r);
Result<SandboxRecord> sandboxRecordFromJson(const nlohmann::json& j);
nlohmann::json toJson(const ContainerRecord& r);
Result<ContainerRecord> containerRecordFromJson(const nlohmann::json& j);

// "<name>_<namespace>_<uid>_<attempt>", the key under which a sandbox name is reserved.
std::string sandboxName(const runtime::v1::PodSandboxMetadata& m);
// "<name>_<sandbox name>_<sandbox namespace>_<sandbox uid>_<attempt>".
std::string containerName(const runtime::v1::ContainerMetadata& m,
                          const runtime::v1::PodSandboxMetadata& sandbox);

}  // namespace orch::shim
