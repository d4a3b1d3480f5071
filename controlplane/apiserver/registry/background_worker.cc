#include "controlplane/apiserver/registry/background_worker.h"

namespace orch::apiserver {

BackgroundWorker::BackgroundWorker(std::chrono::milliseconds interval, std::function<void()> pass)
    : interval_(interval), pass_(std::move(pass)) {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, interval_, [this] { return stop_ || poked_; });
      if (stop_) break;
      poked_ = false;
      lock.unlock();
      pass_();
      lock.lock();
    }
  });
}

BackgroundWorker::~BackgroundWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void BackgroundWorker::poke() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    poked_ = true;
  }
  cv_.notify_all();
}

}  // namespace orch::apiserver
