#include "agent/config/node_options.h"

namespace orch::agent {

NodeOptions toNodeOptions(const AgentConfig& c) {
  NodeOptions o;
  o.nodeName = c.nodeName;
  o.hostname = c.hostname;
  o.nodeIPs = c.nodeIPs;
  o.nodeLabels = c.nodeLabels;
  o.registerWithTaints = c.registerWithTaints;
  o.maxPods = c.maxPods;
  o.rootDir = c.rootDir;
  o.port = c.port;
  o.nodeStatusUpdateFrequency = c.nodeStatusUpdateFrequency;
  o.nodeStatusReportFrequency = c.nodeStatusReportFrequency;
  o.nodeLeaseDurationSeconds = c.nodeLeaseDurationSeconds;
  o.leaseRenewInterval = std::chrono::milliseconds(c.nodeLeaseDurationSeconds * 1000 / 4);
  o.reserved = c.kubeReserved;
  for (const auto& [name, q] : c.systemReserved) o.reserved[name] += q;
  return o;
}

}  // namespace orch::agent
