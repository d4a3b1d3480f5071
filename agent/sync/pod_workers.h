#pragma once
// Pod workers: every change of a pod (its object, a PLEG event, a probe result, a back-off
// timer, the periodic resync) queues its uid; a few worker threads take uids from one work
// queue, which never hands the same uid to two workers at once, so each pod is synced by one
// thread at a time while different pods proceed in parallel. A round: the pod's current
// object decides — run it (syncPod), terminate it (deletionTimestamp), or, once gone from
// every source, clean it up. Failed rounds are retried with the queue's rate limit.
// Housekeeping (every 10 s) queues pods the runtime has but no source knows (orphans; only
// once the apiserver's pods were listed) and resyncs every known pod.

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "agent/pods/pod_sources.h"
#include "agent/sync/pod_syncer.h"
#include "common/client/work_queue.h"

namespace orch::agent {

class PodWorkers {
 public:
  PodWorkers(PodSources& sources, PodSyncer& syncer, CriRuntime& runtime, size_t threads = 4);
  ~PodWorkers();

  void start();
  void stop();
  void enqueue(const std::string& uid);
  // One housekeeping pass (tests; the loop runs it every 10 s).
  void housekeeping();

 private:
  void work();
  void housekeepingLoop();

  PodSources& sources_;
  PodSyncer& syncer_;
  CriRuntime& runtime_;
  size_t threads_;
  client::WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::thread housekeeper_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace orch::agent
