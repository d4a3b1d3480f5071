#pragma once
// PodSyncer: one round of bringing a pod's runtime state to its spec (the kubelet's SyncPod /
// SyncTerminatingPod / cleanup), then deriving and queueing its API status.
//
//   syncPod:       volumes → computePodActions → kill what must go (preStop, grace) → sandbox
//                  (re)creation → images (pull policy, pull secrets) → init containers one by
//                  one, sidecars, app containers (env, mounts, postStart) → status.
//   terminatePod:  a pod being deleted (deletionTimestamp): preStop hooks, stop every
//                  container with the grace period, stop the sandbox, final status, then the
//                  deletion confirmation through the StatusManager.
//   cleanupPod:    a pod gone from the API, or containers/sandboxes of no known pod: stop and
//                  remove everything of that uid, tear its volumes down.
//
// Threads: calls for different pods may run concurrently; calls for one pod must not (the
// pod workers serialize them).

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "agent/cm/pod_cgroups.h"
#include "agent/envvars/environment.h"
#include "agent/kuberuntime/container_config.h"
#include "agent/kuberuntime/crash_backoff.h"
#include "agent/kuberuntime/pod_actions.h"
#include "agent/kuberuntime/sandbox_config.h"
#include "agent/prober/prober_manager.h"
#include "agent/runtime/cri_runtime.h"
#include "agent/status/pod_status_builder.h"
#include "agent/status/status_manager.h"
#include "agent/volume/volume_manager.h"

namespace orch::agent {

struct PodSyncerOptions {
  std::string root_dir = "/var/lib/orch/agent";
  std::string cgroup_root = "/kubepods";  // see agent/cm/pod_cgroups.h for the layout
  // Makes and removes the pods' cgroups; null: the runtime makes them (tests without cgroups).
  PodCgroups* pod_cgroups = nullptr;
  SandboxConfigOptions sandbox;  // pod logs dir, DNS (cgroup_parent set per pod)
  ContainerConfigOptions container;
  std::string runtime_name = "orch-shim";  // containerID prefix ("containerd://...")
  std::vector<std::string> host_ips;
  EnvContext env;  // getters, services, node allocatable (pod IPs are filled per pod)
  // Secrets by namespace/name for imagePullSecrets; unset: no credentials.
  SecretGetter get_secret;
};

class PodSyncer {
 public:
  PodSyncer(CriRuntime& runtime, VolumeManager& volumes, ProberManager* prober,
            StatusManager& status, Clock& clock, PodSyncerOptions opts);

  // One round for a pod that should run. Returns when it wants to be synced again at the
  // latest (crash-loop or image-pull back-off), nullopt when only events matter.
  Result<std::optional<Clock::Duration>> syncPod(const api::Pod& pod);
  // A pod with a deletionTimestamp: stops everything, reports the final status and confirms.
  Status terminatePod(const api::Pod& pod);
  // Removes every sandbox and container of `uid` from the runtime and its volumes.
  Status cleanupPod(const std::string& uid);

  // A liveness / startup probe failed for this container instance (from the prober).
  void livenessFailed(const std::string& pod_uid, const std::string& container_id);

 private:
  struct StartContext {
    std::string sandbox_id;
    runtime::v1::PodSandboxConfig sandbox_config;
    std::vector<std::string> pod_ips;
    PodVolumes volumes;
  };
  Status startContainer(const api::Pod& pod, const api::Container& spec, const ContainerToStart& t,
                        const StartContext& ctx, std::map<std::string, WaitingReason>& waiting,
                        std::optional<Clock::Duration>& retry);
  Result<std::string> ensureImage(const api::Pod& pod, const api::Container& spec,
                                  const runtime::v1::PodSandboxConfig& sandbox_config,
                                  runtime::v1::Image* image_out);
  Status killContainer(const api::Pod& pod, const std::string& id, const std::string& name,
                       int64_t grace_seconds);
  Status killAll(const api::Pod& pod, const PodRuntimeStatus& rt, int64_t grace_seconds);
  const api::Container* specOf(const api::Pod& pod, const std::string& name) const;
  void reportStatus(const api::Pod& pod, const PodActions* actions,
                    const std::map<std::string, WaitingReason>& waiting, bool final);
  ProbeResults probeResults(const std::string& pod_uid);
  Result<std::string> podCgroupParent(const api::Pod& pod);

  CriRuntime& runtime_;
  VolumeManager& volumes_;
  ProberManager* prober_;
  StatusManager& status_;
  Clock& clock_;
  PodSyncerOptions opts_;
  BackoffPolicy crash_backoff_;
  BackoffPolicy pull_backoff_;
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> liveness_failed_;  // pod uid → container ids
};

// The grace period a pod is stopped with: deletionGracePeriodSeconds, else the spec's
// terminationGracePeriodSeconds, else 30; never below 2 s once containers run (as upstream's
// minimumGracePeriodInSeconds) unless it is 0.
int64_t podGracePeriod(const api::Pod& pod);

}  // namespace orch::agent
