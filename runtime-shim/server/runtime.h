#pragma once
// orch-shim's runtime core: sandboxes and containers as CRI's RuntimeService defines them,
// independent of gRPC (grpc_services.h adapts). State lives in records under the state
// dir (records.h) and in the monitors' bundles, so a restarted orch-shim (even after
// kill -9) recovers every sandbox and container and their processes keep running.
//
// Threads: every method may be called concurrently. A map lock guards the tables; each
// sandbox and container has its own operation lock, held while it is changed, so slow work
// (CNI, stopping with a grace period) on one object never blocks the others.
// Errors: ENOENT for unknown ids (→ NotFound), EINVAL for bad requests (→ InvalidArgument),
// EEXIST for a reserved name, others as they come.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/base/status.h"
#include "common/cri/api.pb.h"
#include "runtime-shim/image/image_store.h"
#include "runtime-shim/monitor/monitor_client.h"
#include "runtime-shim/server/pod_network.h"
#include "runtime-shim/server/record_store.h"
#include "runtime-shim/server/records.h"

namespace orch::shim {

struct RuntimeOptions {
  std::string state_dir = "/var/lib/orch/shim";
  std::string cgroup_parent = "/orch";  // pods without a kubelet-given cgroup parent go below
  std::string pause_binary;             // orch-pause
  std::string monitor_binary;           // orch-monitor
  NetworkOptions network;
};

class Runtime {
 public:
  // Loads the records under state_dir and adopts what still runs.
  static Result<std::unique_ptr<Runtime>> create(RuntimeOptions opts, ImageStore* images);

  Status runPodSandbox(const runtime::v1::RunPodSandboxRequest& req,
                       runtime::v1::RunPodSandboxResponse* resp);
  Status stopPodSandbox(const std::string& id);
  Status removePodSandbox(const std::string& id);
  Status podSandboxStatus(const runtime::v1::PodSandboxStatusRequest& req,
                          runtime::v1::PodSandboxStatusResponse* resp);
  Status listPodSandbox(const runtime::v1::ListPodSandboxRequest& req,
                        runtime::v1::ListPodSandboxResponse* resp);

  Status createContainer(const runtime::v1::CreateContainerRequest& req,
                         runtime::v1::CreateContainerResponse* resp);
  Status startContainer(const std::string& id);
  Status stopContainer(const std::string& id, int64_t timeout_seconds);
  Status removeContainer(const std::string& id);
  Status listContainers(const runtime::v1::ListContainersRequest& req,
                        runtime::v1::ListContainersResponse* resp);
  Status containerStatus(const runtime::v1::ContainerStatusRequest& req,
                         runtime::v1::ContainerStatusResponse* resp);
  Status updateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& req);
  Status reopenContainerLog(const std::string& id);
  Status execSync(const runtime::v1::ExecSyncRequest& req, runtime::v1::ExecSyncResponse* resp);

  Status containerStats(const std::string& id, runtime::v1::ContainerStats* out);
  Status listContainerStats(const runtime::v1::ListContainerStatsRequest& req,
                            runtime::v1::ListContainerStatsResponse* resp);
  Status podSandboxStats(const std::string& id, runtime::v1::PodSandboxStats* out);
  Status listPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& req,
                             runtime::v1::ListPodSandboxStatsResponse* resp);

  // RuntimeReady / NetworkReady conditions.
  void status(runtime::v1::StatusResponse* resp);

 private:
  // `op` serialises the operations on one sandbox or container, some of which wait long
  // (a stop's grace period, CNI teardown). `state` guards `rec` once the entry is published:
  // its fields change only under both locks, and the read-only calls (List*, *Status, stats)
  // take `state` alone, so they never wait behind a slow operation of another pod.
  struct SandboxEntry {
    std::mutex op, state;
    SandboxRecord rec;
    std::string name;
  };
  struct ContainerEntry {
    std::mutex op, state;
    ContainerRecord rec;
    std::string name;
  };
  using SandboxPtr = std::shared_ptr<SandboxEntry>;
  using ContainerPtr = std::shared_ptr<ContainerEntry>;

  Runtime(RuntimeOptions opts, ImageStore* images);
  Status recover();

  Result<SandboxPtr> findSandbox(const std::string& id_or_prefix);
  Result<ContainerPtr> findContainer(const std::string& id_or_prefix);
  std::vector<SandboxPtr> allSandboxes();
  std::vector<ContainerPtr> allContainers();
  // Reserves a name for `id`; EEXIST naming the holder when taken.
  Status reserveName(const std::string& name, const std::string& id);
  void releaseName(const std::string& name);

  std::string sandboxDir(const std::string& id) const { return sandbox_store_.dirOf(id); }
  std::string bundleOf(const std::string& id) const { return container_store_.dirOf(id); }
  // Pause process state (kExited when never started).
  ProcessState pauseState(const SandboxRecord& rec) const;
  ProcessState containerState(const std::string& id) const;
  // Ready: the pause process runs and the network (unless host networking) is attached.
  static bool sandboxReady(const SandboxRecord& rec, const ProcessState& pause) {
    return pause.phase == ProcessState::Phase::kRunning &&
           (rec.network_ready || rec.netns_path.empty());
  }
  PodNetworkRequest networkRequest(const SandboxRecord& rec) const;

  // Stops every container of the sandbox (SIGKILL) and the pause process, tears the
  // network down and unmounts /dev/shm. Called with the sandbox's op lock held.
  Status stopSandboxLocked(SandboxEntry& sb);
  Status stopContainerLocked(ContainerEntry& c, int64_t timeout_seconds);
  Status removeContainerLocked(ContainerEntry& c);

  void fillContainerStatus(const ContainerEntry& c, runtime::v1::ContainerStatus* out) const;
  Status fillContainerStats(const ContainerEntry& c, runtime::v1::ContainerStats* out) const;
  Status fillPodSandboxStats(const SandboxEntry& sb, runtime::v1::PodSandboxStats* out);

  RuntimeOptions opts_;
  ImageStore* images_;
  MonitorClient monitor_;
  PodNetworkManager network_;
  RecordStore sandbox_store_;
  RecordStore container_store_;

  std::mutex mu_;
  std::map<std::string, SandboxPtr> sandboxes_;
  std::map<std::string, ContainerPtr> containers_;
  std::map<std::string, std::string> names_;  // reserved name → id
};

}  // namespace orch::shim
