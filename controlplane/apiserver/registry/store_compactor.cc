#include "controlplane/apiserver/registry/store_compactor.h"

namespace orch::apiserver {

StoreCompactor::StoreCompactor(store::Store& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {
  if (interval_.count() <= 0) return;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      (void)step();
      lock.lock();
      cv_.wait_for(lock, interval_, [this] { return stop_; });
    }
  });
}

StoreCompactor::~StoreCompactor() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t StoreCompactor::step() {
  int64_t compacted = 0;
  // A failed compaction (store down, already compacted further) is retried next interval.
  if (remembered_ > 0 && store_.compact(remembered_).isOk()) compacted = remembered_;
  auto now = store_.currentRevision();
  if (now.ok()) remembered_ = *now;
  return compacted;
}

}  // namespace orch::apiserver
