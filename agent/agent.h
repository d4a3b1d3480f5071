#pragma once
// orch-agent's wiring: the CRI runtime, the Node upkeep, the pod sources (apiserver + static
// manifests), the pod workers and their syncer (volumes, probes, status), the PLEG, and the
// :10250 / :10248 servers — built from an AgentConfig, started and stopped as one.
// Without a kubeconfig the agent runs standalone: static pods only, no Node, no statuses.

#include <memory>

#include "agent/config/agent_config.h"
#include "common/base/status.h"

namespace orch::agent {

class Agent {
 public:
  static Result<std::unique_ptr<Agent>> create(const AgentConfig& config);
  ~Agent();

  Status start();
  void stop();

  struct Parts;

 private:
  explicit Agent(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace orch::agent
