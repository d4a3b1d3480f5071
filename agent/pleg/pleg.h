#pragma once
// The pod lifecycle event generator: relists the runtime's sandboxes and containers (every
// second by default) and tells the pod workers which pods changed — a container started,
// exited, was removed, or a sandbox changed state — so exits are noticed quickly without
// watching the runtime. Pods are identified by the io.kubernetes.pod.uid label the agent puts
// on everything it creates.
//
// Threads: start() runs the relist loop on its own thread; onChange runs there. relist() may
// be called directly (tests). healthy() is false when no relist succeeded for 3 minutes (the
// kubelet's PLEG health threshold), which turns the Node NotReady.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "agent/runtime/cri_runtime.h"
#include "common/base/clock.h"

namespace orch::agent {

class Pleg {
 public:
  using OnChange = std::function<void(const std::string& pod_uid)>;
  Pleg(CriRuntime& runtime, Clock& clock, OnChange on_change,
       std::chrono::milliseconds period = std::chrono::seconds(1));
  ~Pleg();

  void start();
  void stop();
  // One relist: compares with the previous one and reports every pod whose sandboxes or
  // containers changed (appeared, changed state, disappeared). The first relist reports every
  // pod the runtime has.
  Status relist();
  bool healthy() const;

 private:
  void loop();

  CriRuntime& runtime_;
  Clock& clock_;
  OnChange on_change_;
  std::chrono::milliseconds period_;
  // "s/<id>" or "c/<id>" → {pod uid, state}.
  std::map<std::string, std::pair<std::string, int>> last_;
  std::atomic<int64_t> last_ok_ns_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orch::agent
