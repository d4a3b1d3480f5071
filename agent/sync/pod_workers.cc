#include "agent/sync/pod_workers.h"

#include "agent/kuberuntime/pod_runtime_status.h"
#include "common/base/log.h"

namespace orch::agent {

namespace {
constexpr auto kHousekeepingPeriod = std::chrono::seconds(10);
}

PodWorkers::PodWorkers(PodSources& sources, PodSyncer& syncer, CriRuntime& runtime, size_t threads)
    : sources_(sources), syncer_(syncer), runtime_(runtime), threads_(threads) {}

PodWorkers::~PodWorkers() {
  stop();
}

void PodWorkers::start() {
  for (size_t i = 0; i < threads_; ++i) workers_.emplace_back([this] { work(); });
  housekeeper_ = std::thread([this] { housekeepingLoop(); });
}

void PodWorkers::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  queue_.shutDown();
  for (auto& t : workers_) t.join();
  workers_.clear();
  if (housekeeper_.joinable()) housekeeper_.join();
}

void PodWorkers::enqueue(const std::string& uid) {
  queue_.add(uid);
}

void PodWorkers::work() {
  while (auto uid = queue_.get()) {
    auto pod = sources_.get(*uid);
    Status st;
    if (pod && pod->metadata.deletionTimestamp) {
      st = syncer_.terminatePod(*pod);
    } else if (pod) {
      auto next = syncer_.syncPod(*pod);
      if (!next.ok())
        st = next.status();
      else if (*next)
        queue_.addAfter(*uid, std::max<Clock::Duration>(**next, std::chrono::milliseconds(100)));
    } else if (sources_.synced()) {
      st = syncer_.cleanupPod(*uid);
    }
    if (st.isOk()) {
      queue_.forget(*uid);
    } else {
      log::warn("pod sync failed",
                {{"pod", pod ? pod->metadata.namespace_ + "/" + pod->metadata.name : *uid},
                 {"error", st.message()}});
      queue_.addRateLimited(*uid);
    }
    queue_.done(*uid);
  }
}

void PodWorkers::housekeeping() {
  std::set<std::string> known;
  for (const auto& p : sources_.all()) {
    known.insert(p.metadata.uid);
    queue_.add(p.metadata.uid);
  }
  if (!sources_.synced()) return;
  auto runtime_pods = listRuntimePods(runtime_);
  if (!runtime_pods.ok()) return;
  for (const auto& rp : *runtime_pods)
    if (!known.count(rp.uid)) queue_.add(rp.uid);
}

void PodWorkers::housekeepingLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, kHousekeepingPeriod, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    housekeeping();
    lock.lock();
  }
}

}  // namespace orch::agent
