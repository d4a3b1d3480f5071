#include "agent/node/node_status.h"

#include <algorithm>

namespace orch::agent {
namespace {

constexpr size_t kMaxImages = 50;  // the kubelet's nodeStatusMaxImages

void note(Status& first, const Status& st) {
  if (first.isOk() && !st.isOk()) first = st;
}

}  // namespace

NodeStatusBuilder::NodeStatusBuilder(NodeOptions opts, HostProbe& probe, NodeSources sources,
                                     PressureThresholds thresholds)
    : opts_(std::move(opts)),
      probe_(probe),
      sources_(std::move(sources)),
      thresholds_(thresholds) {}

Status NodeStatusBuilder::apply(api::NodeStatus& status, const api::Time& now) const {
  Status first;

  if (auto addrs = nodeAddresses(opts_, probe_); addrs.ok()) {
    status.addresses = std::move(addrs).value();
  } else {
    note(first, addrs.status());
  }

  if (auto cap = nodeCapacity(opts_, probe_); cap.ok()) {
    status.allocatable = nodeAllocatable(*cap, opts_.reserved);
    status.capacity = std::move(cap).value();
  } else {
    note(first, cap.status());
  }

  std::string runtime_version = status.nodeInfo.containerRuntimeVersion;
  if (sources_.runtimeVersion) {
    auto v = sources_.runtimeVersion();
    if (v.ok()) {
      runtime_version = containerRuntimeVersionString(*v);
    } else {
      note(first, v.status().withContext("container runtime version"));
    }
  }
  if (auto ids = probe_.systemIds(); ids.ok()) {
    api::Json unknown = std::move(status.nodeInfo.unknown_fields);
    status.nodeInfo = nodeSystemInfo(opts_, *ids, runtime_version);
    status.nodeInfo.unknown_fields = std::move(unknown);
  } else {
    note(first, ids.status().withContext("node system info"));
    status.nodeInfo.containerRuntimeVersion = runtime_version;
  }

  status.daemonEndpoints.kubeletEndpoint.Port = opts_.port;

  if (sources_.images) {
    auto images = sources_.images();
    std::stable_sort(images.begin(), images.end(),
                     [](const auto& a, const auto& b) { return a.sizeBytes > b.sizeBytes; });
    if (images.size() > kMaxImages) images.resize(kMaxImages);
    status.images = std::move(images);
  }

  Readiness readiness =
      sources_.readiness ? sources_.readiness()
                         : Readiness{false, "NoReadinessSource", "no readiness source configured"};
  std::string missing;
  for (const char* r : {"cpu", "memory", "pods"}) {
    if (!status.capacity.contains(r)) missing += std::string(missing.empty() ? "" : ", ") + r;
  }
  if (!missing.empty()) {
    const bool had_error = !readiness.ready && !readiness.message.empty();
    readiness.ready = false;
    readiness.message = "missing node capacity for resources: " + missing +
                        (had_error ? ", " + readiness.message : "");
  }
  const Pressure pressure = computePressure(probe_.memory(), probe_.filesystem(opts_.rootDir),
                                            probe_.pids(), thresholds_);
  setNodeConditions(status.conditions, readiness, pressure, now);
  return first;
}

}  // namespace orch::agent
