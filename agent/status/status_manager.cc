#include "agent/status/status_manager.h"

#include "common/api/codec.h"
#include "common/client/api_errors.h"

namespace orch::agent {

namespace {
constexpr int kConflictRetries = 5;

std::string statusJson(const api::PodStatus& s) {
  return api::encode(s).dump();
}
}  // namespace

StatusManager::StatusManager(client::RestClient* client) : client_(client) {}

StatusManager::~StatusManager() {
  stop();
}

void StatusManager::start() {
  thread_ = std::thread([this] { loop(); });
}

void StatusManager::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StatusManager::setPodStatus(const api::Pod& pod, const api::PodStatus& status) {
  std::lock_guard lock(mu_);
  Entry& e = pods_[pod.metadata.uid];
  e.ns = pod.metadata.namespace_;
  e.name = pod.metadata.name;
  e.uid = pod.metadata.uid;
  e.status = status;
  if (statusJson(status) != e.written) {
    dirty_.insert(e.uid);
    cv_.notify_all();
  }
}

void StatusManager::terminated(const api::Pod& pod, const api::PodStatus& final_status) {
  setPodStatus(pod, final_status);
  std::lock_guard lock(mu_);
  Entry& e = pods_[pod.metadata.uid];
  e.terminated = true;
  dirty_.insert(e.uid);
  cv_.notify_all();
}

void StatusManager::remove(const std::string& pod_uid) {
  std::lock_guard lock(mu_);
  pods_.erase(pod_uid);
  dirty_.erase(pod_uid);
}

std::optional<api::PodStatus> StatusManager::cached(const std::string& pod_uid) const {
  std::lock_guard lock(mu_);
  auto it = pods_.find(pod_uid);
  if (it == pods_.end()) return std::nullopt;
  return it->second.status;
}

Status StatusManager::syncOne(const std::string& pod_uid) {
  Entry e;
  {
    std::lock_guard lock(mu_);
    auto it = pods_.find(pod_uid);
    if (it == pods_.end()) return Status::ok();
    e = it->second;
  }
  if (client_ == nullptr) return Status::ok();
  std::string wanted = statusJson(e.status);
  if (wanted != e.written) {
    Status last;
    for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
      auto current = client_->get<api::Pod>(e.ns, e.name);
      if (!current.ok()) {
        if (client::isNotFound(current.status())) return Status::ok();  // gone: nothing to report
        return current.status();
      }
      if (current->metadata.uid != e.uid) {
        // A static pod's status goes to its mirror pod, which names the static pod's uid
        // (its config hash); anything else is a new pod that only shares the name.
        auto mirror = current->metadata.annotations.find("kubernetes.io/config.mirror");
        if (mirror == current->metadata.annotations.end() || mirror->second != e.uid)
          return Status::ok();
      }
      current->status = e.status;
      auto updated = client_->updateStatus(*current);
      if (updated.ok()) {
        last = Status::ok();
        break;
      }
      last = updated.status();
      if (!client::isConflict(last)) return last;
    }
    if (!last.isOk()) return last;
    std::lock_guard lock(mu_);
    if (auto it = pods_.find(pod_uid); it != pods_.end()) it->second.written = wanted;
  }
  if (e.terminated && !e.confirmed) {
    client::DeleteOptions opts{.gracePeriodSeconds = 0, .preconditionUid = e.uid};
    Status st = client_->remove<api::Pod>(e.ns, e.name, opts);
    if (!st.isOk() && !client::isNotFound(st) && !client::isConflict(st)) return st;
    std::lock_guard lock(mu_);
    if (auto it = pods_.find(pod_uid); it != pods_.end()) it->second.confirmed = true;
  }
  return Status::ok();
}

void StatusManager::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::seconds(10), [this] { return stopping_ || !dirty_.empty(); });
    if (stopping_) break;
    std::set<std::string> batch;
    batch.swap(dirty_);
    lock.unlock();
    bool failed = false;
    for (const auto& uid : batch) {
      // A failed write stays dirty and is retried on the next round.
      if (!syncOne(uid).isOk()) {
        failed = true;
        std::lock_guard relock(mu_);
        dirty_.insert(uid);
      }
    }
    lock.lock();
    // Back off only after a failure (the apiserver is down or refusing); statuses that changed
    // meanwhile go out at once, or a burst of pods would be written one round per second.
    if (failed) cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }
}

}  // namespace orch::agent
