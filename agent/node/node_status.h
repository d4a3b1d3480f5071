#pragma once
// NodeStatusBuilder: computes a Node's status the way the kubelet's setNodeStatus does, on top
// of the status the Node has now (so condition transition times carry over):
// addresses, capacity, allocatable, nodeInfo, daemonEndpoints, images (when a source is
// given; at most 50, largest first, as the kubelet) and the four conditions.
// A part that cannot be computed keeps its previous value and is reported in the returned
// Status (the other parts are still updated). Ready is False ("missing node capacity for
// resources: ...") while cpu, memory or pods capacity is unknown, as in the kubelet.
// Threads: apply() may be called from any thread; the probe and sources must be thread-safe.

#include "agent/node/host_probe.h"
#include "agent/node/node_conditions.h"
#include "agent/node/node_info.h"
#include "common/api/node.h"
#include "common/api/time.h"

namespace orch::agent {

class NodeStatusBuilder {
 public:
  NodeStatusBuilder(NodeOptions opts, HostProbe& probe, NodeSources sources,
                    PressureThresholds thresholds = {});

  Status apply(api::NodeStatus& status, const api::Time& now) const;
  const NodeOptions& options() const { return opts_; }

 private:
  const NodeOptions opts_;
  HostProbe& probe_;
  const NodeSources sources_;
  const PressureThresholds thresholds_;
};

}  // namespace orch::agent
