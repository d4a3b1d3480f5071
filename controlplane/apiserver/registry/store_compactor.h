#pragma once
// Keeps etcd's history bounded the way kube-apiserver does (--etcd-compaction-interval):
// every interval it compacts at the revision it saw one interval earlier, so watchers and
// paginated lists always have at least one interval of history. (The embedded SQLite store
// compacts itself.)

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "controlplane/store/store.h"

namespace orch::apiserver {

class StoreCompactor {
 public:
  // Starts the compaction thread; `store` outlives the compactor. interval 0 = never.
  StoreCompactor(store::Store& store, std::chrono::milliseconds interval);
  ~StoreCompactor();  // stops and joins
  StoreCompactor(const StoreCompactor&) = delete;
  StoreCompactor& operator=(const StoreCompactor&) = delete;

  // One step: compacts at the revision remembered by the previous step (if any), then
  // remembers the current one. Returns the revision compacted at (0 = none).
  int64_t step();

 private:
  store::Store& store_;
  const std::chrono::milliseconds interval_;
  int64_t remembered_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace orch::apiserver
