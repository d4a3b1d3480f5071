#pragma once
// Writes pod statuses to the apiserver: only when a pod's status differs from what was last
// written, through the status subresource, re-reading the pod and retrying on 409 Conflict.
// A pod the agent has finished terminating gets its final status and then the deletion
// confirmation (DELETE with gracePeriodSeconds=0 and the pod's uid as precondition), which lets
// the apiserver remove a gracefully deleted pod.
//
// Threads: setPodStatus/terminated may be called from any thread; one worker thread writes.

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/api/pod.h"
#include "common/client/rest_client.h"

namespace orch::agent {

class StatusManager {
 public:
  explicit StatusManager(client::RestClient* client);  // nullptr: no apiserver (static pods only)
  ~StatusManager();

  void start();
  void stop();

  // The status the pod should have (namespace/name/uid taken from `pod`).
  void setPodStatus(const api::Pod& pod, const api::PodStatus& status);
  // The pod is fully stopped: write its last status, then confirm the deletion.
  void terminated(const api::Pod& pod, const api::PodStatus& final_status);
  // Forget a pod (it is gone from the API).
  void remove(const std::string& pod_uid);
  // The last status set for the pod, if any.
  std::optional<api::PodStatus> cached(const std::string& pod_uid) const;

  // One attempt for one pod (tests and the worker).
  Status syncOne(const std::string& pod_uid);

 private:
  struct Entry {
    std::string ns, name, uid;
    api::PodStatus status;
    std::string written;  // JSON of the status last written successfully
    bool terminated = false;
    bool confirmed = false;
  };
  void loop();

  client::RestClient* client_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> pods_;
  std::set<std::string> dirty_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace orch::agent
