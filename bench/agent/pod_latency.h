#pragma once
// Pod start latency as the API sees it: the time from sending a Pod's create to the apiserver
// until a watch shows it Running (status.phase), over a real orch-apiserver and orch-agent.
// Runs inside the node's network namespace (the apiserver listens on its loopback): the REST
// client and its watch threads are made on a thread that entered it.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::bench {

struct LatencyRun {
  std::vector<double> burst_ms;       // all pods created back to back
  std::vector<double> one_by_one_ms;  // each created once the previous one runs
  double burst_wall_ms = 0;           // first create to last Running
  double delete_all_ms = 0;           // graceful delete of every pod until the agent confirmed all
};

struct LatencyPlan {
  std::string kubeconfig;
  std::string node_name;
  int burst_pods = 100;
  int one_by_one_pods = 20;
  std::chrono::seconds timeout{300};  // for each wait
  // Called with the Node Ready and no pod yet, and once the burst's pods all run (before
  // they are deleted): the RSS samples.
  std::function<void()> when_idle, with_pods_running;
};

// Waits for the Node to be Ready, calls when_idle, runs the one-by-one pods, deletes them, runs the
// burst, calls with_pods_running, deletes them all. Must be called on a thread inside the node's
// network namespace.
Result<LatencyRun> measurePodLatency(const LatencyPlan& plan);

// The q-quantile (0..1) of `v`, nearest rank; 0 for an empty vector.
double quantile(std::vector<double> v, double q);

}  // namespace orch::bench
