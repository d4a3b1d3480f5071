#pragma once
// NodeAgent: the agent's Node upkeep on two threads of its own.
//  - node thread: registers the Node (NodeRegistrar; retried with backoff from 100 ms doubling
//    up to 7 s, as the kubelet), runs a status round at once, then one every
//    nodeStatusUpdateFrequency (NodeStatusUpdater). updateStatusNow() cuts the wait short.
//    When the Node disappears (deleted by an admin), it registers it again (the kubelet would
//    keep failing until restarted).
//  - lease thread: renews kube-node-lease/<node> every leaseRenewInterval (LeaseRenewer); it
//    runs from the start, independently of registration, and adds the Node as the Lease's
//    owner once the Node exists.
// Errors never stop the loops; each one is passed to `on_error` (the daemon logs it).
// Lifecycle: start() once; stop() (or the destructor) wakes both threads and joins them; an
// API call in flight finishes first (bounded by the RestClient's request timeout).
// Threads: every public method may be called from any thread. The client, probe and clock
// must outlive the NodeAgent.

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "agent/node/host_probe.h"
#include "agent/node/lease_renewer.h"
#include "agent/node/loop_waker.h"
#include "agent/node/node_registrar.h"
#include "agent/node/node_status.h"
#include "agent/node/node_status_updater.h"
#include "common/base/clock.h"
#include "common/client/rest_client.h"

namespace orch::agent {

class NodeAgent {
 public:
  using ErrorFn = std::function<void(const Status&)>;

  NodeAgent(client::RestClient& client, NodeOptions opts, NodeSources sources, HostProbe& probe,
            Clock& clock = realClock(), ErrorFn on_error = {});
  ~NodeAgent();
  NodeAgent(const NodeAgent&) = delete;
  NodeAgent& operator=(const NodeAgent&) = delete;

  void start();
  void stop();

  // Asks the node thread for a status round now (e.g. when the runtime became ready).
  void updateStatusNow() { status_waker_.poke(); }

  bool registered() const { return registered_.load(); }
  const NodeOptions& options() const { return builder_.options(); }
  // The Node as registered (nullopt before), the last status post, the last Lease written.
  std::optional<api::Node> registeredNode() const;
  std::optional<api::Node> lastStatusPost() const { return updater_.lastPosted(); }
  std::optional<api::Lease> lastLease() const { return renewer_.lastLease(); }

 private:
  void runNode();
  void runLease();
  bool registerNode();  // false when stopping
  void report(const Status& st);

  ErrorFn on_error_;
  NodeStatusBuilder builder_;
  NodeRegistrar registrar_;
  NodeStatusUpdater updater_;
  LeaseRenewer renewer_;
  LoopWaker status_waker_;
  LoopWaker lease_waker_;

  std::atomic<bool> registered_{false};
  mutable std::mutex mu_;  // guards node_
  std::optional<api::Node> node_;
  std::thread node_thread_, lease_thread_;
  bool started_ = false;  // start/stop callers only
  std::mutex lifecycle_mu_;
};

}  // namespace orch::agent
