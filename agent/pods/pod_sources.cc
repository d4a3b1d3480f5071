#include "agent/pods/pod_sources.h"

#include <set>

#include "agent/pods/static_pods.h"
#include "common/base/log.h"
#include "common/client/api_errors.h"

namespace orch::agent {

namespace {
constexpr auto kScanPeriod = std::chrono::seconds(20);
}

PodSources::PodSources(client::RestClient* client, std::string node_name, std::string manifest_dir,
                       OnChange on_change)
    : client_(client),
      node_name_(std::move(node_name)),
      manifest_dir_(std::move(manifest_dir)),
      on_change_(std::move(on_change)) {}

PodSources::~PodSources() {
  stop();
}

void PodSources::start() {
  if (client_ != nullptr) {
    client::InformerOptions opts;
    opts.fieldSelector = "spec.nodeName=" + node_name_;
    informer_ = std::make_unique<client::Informer<api::Pod>>(*client_, opts);
    // The agent never reads managedFields (status goes out on a fresh GET): not kept.
    informer_->setTransform(client::stripManagedFields<api::Pod>);
    informer_->addEventHandler({
        .onAdd = [this](const api::Pod& p) { upsert(p); },
        .onUpdate = [this](const api::Pod&, const api::Pod& p) { upsert(p); },
        .onDelete = [this](const api::Pod& p) { removeUid(p.metadata.uid); },
    });
    informer_->start();
  }
  // Without a manifest dir there are no static pods, and no mirror pods to look after.
  if (manifest_dir_.empty()) return;
  if (auto watch = DirWatch::open(manifest_dir_); watch.ok())
    manifest_watch_.emplace(std::move(*watch));
  scan_thread_ = std::thread([this] { scanLoop(); });
}

void PodSources::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (manifest_watch_) manifest_watch_->interrupt();
  if (scan_thread_.joinable()) scan_thread_.join();
  if (informer_) informer_->stop();
}

bool PodSources::synced() const {
  return !informer_ || informer_->hasSynced();
}

void PodSources::upsert(const api::Pod& pod) {
  if (isMirrorPod(pod)) return;
  {
    std::lock_guard lock(mu_);
    api_pods_[pod.metadata.uid] = pod;
  }
  on_change_(pod.metadata.uid);
}

void PodSources::removeUid(const std::string& uid) {
  {
    std::lock_guard lock(mu_);
    api_pods_.erase(uid);
  }
  on_change_(uid);
}

std::optional<api::Pod> PodSources::get(const std::string& uid) const {
  std::lock_guard lock(mu_);
  if (auto it = api_pods_.find(uid); it != api_pods_.end()) return it->second;
  if (auto it = static_pods_.find(uid); it != static_pods_.end()) return it->second;
  return std::nullopt;
}

std::vector<api::Pod> PodSources::all() const {
  std::lock_guard lock(mu_);
  std::vector<api::Pod> out;
  for (const auto& [uid, p] : api_pods_) out.push_back(p);
  for (const auto& [uid, p] : static_pods_) out.push_back(p);
  return out;
}

void PodSources::scanStaticPods() {
  if (manifest_dir_.empty()) return;
  StaticPodScan scan = readStaticPods(manifest_dir_, node_name_);
  std::vector<std::string> changed;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, api::Pod> next;
    for (auto& p : scan.pods) {
      if (!static_pods_.count(p.metadata.uid)) changed.push_back(p.metadata.uid);
      next[p.metadata.uid] = std::move(p);
    }
    for (const auto& [uid, p] : static_pods_)
      if (!next.count(uid)) changed.push_back(uid);
    static_pods_ = std::move(next);
    std::map<std::string, std::string> errors(scan.errors.begin(), scan.errors.end());
    for (const auto& [file, why] : errors)
      if (last_errors_[file] != why)
        log::warn("bad static pod manifest", {{"file", file}, {"error", why}});
    last_errors_ = std::move(errors);
  }
  for (const auto& uid : changed) on_change_(uid);
}

void PodSources::syncMirrorPods() {
  if (client_ == nullptr || manifest_dir_.empty()) return;
  std::vector<api::Pod> statics;
  {
    std::lock_guard lock(mu_);
    for (const auto& [uid, p] : static_pods_) statics.push_back(p);
  }
  // Mirror pods of static pods that are gone (their manifest was removed or edited).
  std::set<std::string> hashes;
  for (const auto& p : statics) hashes.insert(p.metadata.annotations.at(kConfigHashAnnotation));
  client::ListOptions opts;
  opts.fieldSelector = "spec.nodeName=" + node_name_;
  if (auto pods = client_->list<api::Pod>("", opts); pods.ok()) {
    for (const auto& p : pods->items) {
      auto it = p.metadata.annotations.find(kConfigMirrorAnnotation);
      if (it == p.metadata.annotations.end() || hashes.count(it->second)) continue;
      client::DeleteOptions del{.gracePeriodSeconds = 0, .preconditionUid = p.metadata.uid};
      (void)client_->remove<api::Pod>(p.metadata.namespace_, p.metadata.name, del);
    }
  }
  if (statics.empty()) return;
  auto node = client_->get<api::Node>("", node_name_);
  if (!node.ok()) return;  // registered later; the next round creates the mirrors
  for (const auto& pod : statics) {
    const std::string& hash = pod.metadata.annotations.at(kConfigHashAnnotation);
    auto existing = client_->get<api::Pod>(pod.metadata.namespace_, pod.metadata.name);
    if (existing.ok()) {
      auto it = existing->metadata.annotations.find(kConfigMirrorAnnotation);
      if (it != existing->metadata.annotations.end() && it->second == hash) continue;
      client::DeleteOptions opts{.gracePeriodSeconds = 0,
                                 .preconditionUid = existing->metadata.uid};
      if (Status st = client_->remove<api::Pod>(pod.metadata.namespace_, pod.metadata.name, opts);
          !st.isOk() && !client::isNotFound(st))
        continue;
    } else if (!client::isNotFound(existing.status())) {
      continue;
    }
    auto created = client_->create(mirrorPodOf(pod, node->metadata.uid));
    if (created.ok()) {
      on_change_(pod.metadata.uid);  // its status can be written now
    } else if (!client::isAlreadyExists(created.status())) {
      log::warn("cannot create mirror pod",
                {{"pod", pod.metadata.name}, {"error", created.status().message()}});
    }
  }
}

void PodSources::scanLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    scanStaticPods();
    syncMirrorPods();
    if (manifest_watch_) {
      // A change in the directory wakes the next scan at once; kScanPeriod still bounds it.
      manifest_watch_->wait(kScanPeriod);
      lock.lock();
    } else {
      lock.lock();
      cv_.wait_for(lock, kScanPeriod, [this] { return stopping_; });
    }
  }
}

}  // namespace orch::agent
