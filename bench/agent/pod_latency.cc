#include "pod_latency.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/api/node.h"
#include "common/api/pod.h"
#include "common/client/informer.h"
#include "common/client/kubeconfig.h"
#include "common/client/rest_client.h"

namespace orch::bench {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

double msSince(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::milli>(t1 - t0).count();
}

// Running times of pods, fed by an informer's handlers.
class RunningLog {
 public:
  void saw(const api::Pod& pod) {
    if (pod.status.phase != "Running") return;
    std::lock_guard l(mu_);
    if (running_.emplace(pod.metadata.name, Clock::now()).second) cv_.notify_all();
  }
  void gone(const api::Pod& pod) {
    std::lock_guard l(mu_);
    deleted_.insert(pod.metadata.name);
    cv_.notify_all();
  }
  // Waits until `names` all run; their Running times.
  Result<std::vector<Clock::time_point>> waitRunning(const std::vector<std::string>& names,
                                                     std::chrono::seconds timeout) {
    std::unique_lock l(mu_);
    bool ok = cv_.wait_for(l, timeout, [&] {
      return std::all_of(names.begin(), names.end(),
                         [&](const std::string& n) { return running_.count(n) != 0; });
    });
    if (!ok) return Status::error(ETIMEDOUT, "pods did not all reach Running");
    std::vector<Clock::time_point> out;
    for (const auto& n : names) out.push_back(running_.at(n));
    return out;
  }
  Status waitDeleted(const std::vector<std::string>& names, std::chrono::seconds timeout) {
    std::unique_lock l(mu_);
    bool ok = cv_.wait_for(l, timeout, [&] {
      return std::all_of(names.begin(), names.end(),
                         [&](const std::string& n) { return deleted_.count(n) != 0; });
    });
    return ok ? Status::ok() : Status::error(ETIMEDOUT, "pods were not all deleted");
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Clock::time_point> running_;
  std::set<std::string> deleted_;
};

api::Pod benchPod(const std::string& name, const std::string& node) {
  api::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "default";
  pod.spec.nodeName = node;
  pod.spec.terminationGracePeriodSeconds = 1;  // sleep ignores TERM: killed after 1 s
  api::Container c;
  c.name = "main";
  c.image = "busybox";
  c.imagePullPolicy = "IfNotPresent";
  c.command = {"sleep", "3600"};
  pod.spec.containers.push_back(std::move(c));
  return pod;
}

Status waitNodeReady(client::RestClient& rest, const std::string& node,
                     std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto n = rest.get<api::Node>("", node);
    if (n.ok()) {
      for (const auto& c : n->status.conditions)
        if (c.type == "Ready" && c.status == "True") return Status::ok();
    }
    std::this_thread::sleep_for(100ms);
  }
  return Status::error(ETIMEDOUT, "node " + node + " did not become Ready");
}

Status deleteAll(client::RestClient& rest, RunningLog& log, const std::vector<std::string>& names,
                 std::chrono::seconds timeout) {
  for (const auto& n : names) {
    // Graceful: the pod leaves the API once the agent confirms it stopped.
    ORCH_RETURN_IF_ERROR(rest.remove<api::Pod>("default", n));
  }
  return log.waitDeleted(names, timeout);
}

}  // namespace

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

Result<LatencyRun> measurePodLatency(const LatencyPlan& plan) {
  ORCH_ASSIGN_OR_RETURN(auto config, client::loadKubeconfig(plan.kubeconfig));
  ORCH_ASSIGN_OR_RETURN(auto rest, client::RestClient::create(config));
  ORCH_RETURN_IF_ERROR(waitNodeReady(*rest, plan.node_name, plan.timeout));

  RunningLog log;
  client::Informer<api::Pod> pods(*rest, {.namespace_ = "default"});
  pods.addEventHandler({.onAdd = [&](const api::Pod& p) { log.saw(p); },
                        .onUpdate = [&](const api::Pod&, const api::Pod& p) { log.saw(p); },
                        .onDelete = [&](const api::Pod& p) { log.gone(p); }});
  pods.start();
  if (!pods.waitForSync(std::chrono::duration_cast<std::chrono::milliseconds>(plan.timeout)))
    return Status::error(ETIMEDOUT, "pod informer did not sync");

  if (plan.when_idle) plan.when_idle();
  LatencyRun run;
  std::vector<std::string> names;
  for (int i = 0; i < plan.one_by_one_pods; ++i) {
    const std::string name = "single-" + std::to_string(i);
    const auto t0 = Clock::now();
    ORCH_RETURN_IF_ERROR(rest->create(benchPod(name, plan.node_name)).status());
    ORCH_ASSIGN_OR_RETURN(auto t1, log.waitRunning({name}, plan.timeout));
    run.one_by_one_ms.push_back(msSince(t0, t1[0]));
    names.push_back(name);
  }
  ORCH_RETURN_IF_ERROR(deleteAll(*rest, log, names, plan.timeout));

  names.clear();
  std::vector<Clock::time_point> sent;
  for (int i = 0; i < plan.burst_pods; ++i) {
    names.push_back("burst-" + std::to_string(i));
    sent.push_back(Clock::now());
    ORCH_RETURN_IF_ERROR(rest->create(benchPod(names.back(), plan.node_name)).status());
  }
  ORCH_ASSIGN_OR_RETURN(auto running, log.waitRunning(names, plan.timeout));
  for (size_t i = 0; i < names.size(); ++i) run.burst_ms.push_back(msSince(sent[i], running[i]));
  if (!running.empty())
    run.burst_wall_ms = msSince(sent.front(), *std::max_element(running.begin(), running.end()));
  if (plan.with_pods_running) plan.with_pods_running();

  const auto d0 = Clock::now();
  ORCH_RETURN_IF_ERROR(deleteAll(*rest, log, names, plan.timeout));
  run.delete_all_ms = msSince(d0, Clock::now());
  pods.stop();
  return run;
}

}  // namespace orch::bench
