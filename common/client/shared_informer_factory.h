#pragma once
// Hands out one informer per (kind, namespace, label selector, field selector), so every
// controller in a process shares one cache and one watch per resource, and starts and stops
// them together (client-go's SharedInformerFactory).
//
// Threads: all methods may be called from any thread. informerFor() after start() returns a
// new informer that is not running until start() is called again.

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <typeinfo>

#include "common/client/informer.h"

namespace orch::client {

class SharedInformerFactory {
 public:
  // `defaults` supplies resync period, page size, backoff and clock for every informer.
  SharedInformerFactory(RestClient& client, InformerOptions defaults = {})
      : client_(client), defaults_(std::move(defaults)) {}
  ~SharedInformerFactory() { stop(); }
  SharedInformerFactory(const SharedInformerFactory&) = delete;
  SharedInformerFactory& operator=(const SharedInformerFactory&) = delete;

  template <api::KindType T>
  std::shared_ptr<Informer<T>> informerFor(const std::string& namespace_ = "",
                                           const std::string& label_selector = "",
                                           const std::string& field_selector = "") {
    const std::string key = std::string(typeid(T).name()) + "\n" + namespace_ + "\n" +
                            label_selector + "\n" + field_selector;
    std::lock_guard l(mu_);
    if (auto it = informers_.find(key); it != informers_.end()) {
      return std::static_pointer_cast<Informer<T>>(it->second);
    }
    InformerOptions o = defaults_;
    o.namespace_ = namespace_;
    o.labelSelector = label_selector;
    o.fieldSelector = field_selector;
    auto inf = std::make_shared<Informer<T>>(client_, std::move(o));
    informers_[key] = inf;
    return inf;
  }

  // Starts every informer not yet started.
  void start() {
    std::lock_guard l(mu_);
    for (auto& [k, inf] : informers_) inf->start();
  }
  // Stops (and joins) every informer.
  void stop() {
    std::lock_guard l(mu_);
    for (auto& [k, inf] : informers_) inf->stop();
  }
  // Polls (real time) until every informer has synced or `timeout` passes.
  bool waitForCacheSync(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      bool all = true;
      {
        std::lock_guard l(mu_);
        for (auto& [k, inf] : informers_) all = all && inf->hasSynced();
      }
      if (all) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  size_t size() const {
    std::lock_guard l(mu_);
    return informers_.size();
  }

 private:
  RestClient& client_;
  const InformerOptions defaults_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<InformerBase>> informers_;
};

}  // namespace orch::client
