#pragma once
// The CRI calls the benchmark times, the same requests for every runtime: a pod (metadata
// bench-<i>, cgroup parent from the node, log directory made beforehand as the kubelet does)
// with one busybox container running `sleep 3600`.
//   start: RunPodSandbox, CreateContainer, StartContainer — each RPC timed on its own; then,
//          untimed, ContainerStatus must say RUNNING and PodSandboxStatus must show an IP.
//   stop:  StopContainer (timeout 0), RemoveContainer, StopPodSandbox, RemovePodSandbox.
// Every RPC has a 120 s deadline. A failed call is an error naming the call and the pod;
// start() rolls back what it made (best effort) before returning it.

#include <memory>
#include <string>

#include "bench_node.h"
#include "common/base/status.h"
#include "common/cri/cri_client.h"

namespace orch::bench {

inline constexpr const char* kBusyboxImage = "docker.io/library/busybox:latest";

// Milliseconds per RPC; 0 for a call not made.
struct PodTimes {
  double run = 0, create = 0, start = 0;
  double stop_container = 0, remove_container = 0, stop_pod = 0, remove_pod = 0;
  double podStart() const { return run + create + start; }
  double stopRemove() const { return stop_container + remove_container + stop_pod + remove_pod; }
  double total() const { return podStart() + stopRemove(); }
};

struct StartedPod {
  int index = 0;
  std::string sandbox_id, container_id, ip;
};

class PodCycle {
 public:
  // `label` makes pod uids unique per runtime.
  PodCycle(cri::CriClient& client, const BenchNode& node, std::string label)
      : client_(client), node_(node), label_(std::move(label)) {}

  Result<StartedPod> start(int index, PodTimes& times);
  Status stop(const StartedPod& pod, PodTimes& times);
  // Stops and removes every sandbox the runtime lists (best effort, for cleanup); returns
  // the first error, if any.
  Status removeAll();

 private:
  cri::CriClient& client_;
  const BenchNode& node_;
  std::string label_;
};

}  // namespace orch::bench
