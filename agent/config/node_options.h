#pragma once
// The bridge from AgentConfig to agent/node: the NodeOptions a NodeAgent needs.
//   nodeName, hostname, nodeIPs, nodeLabels, registerWithTaints, maxPods, rootDir, port,
//   nodeStatusUpdateFrequency, nodeStatusReportFrequency, nodeLeaseDurationSeconds as given;
//   leaseRenewInterval = 1/4 of the lease duration (the kubelet's renew interval);
//   reserved = kubeReserved + systemReserved (subtracted from capacity for allocatable).

#include "agent/config/agent_config.h"
#include "agent/node/node_info.h"

namespace orch::agent {

NodeOptions toNodeOptions(const AgentConfig& config);

}  // namespace orch::agent
