#pragma once
// A Proxier that programs nothing: it records every sync (state and change set), can be told
// to fail, and counts cleanups. Thread-safe: tests read it while the sync loop writes.

#include <condition_variable>
#include <mutex>
#include <vector>

#include "proxy/core/proxier.h"

namespace orch::testing {

class FakeProxier final : public proxy::Proxier {
 public:
  struct Sync {
    proxy::ProxyState state;
    proxy::ChangeSet changes;
  };

  Status sync(const proxy::ProxyState& state, const proxy::ChangeSet& changes) override {
    std::lock_guard l(mu_);
    syncs_.push_back(Sync{state, changes});
    if (fail_next_ > 0) {
      --fail_next_;
      return Status::error(EIO, "fake sync failure");
    }
    last_ok_ = state;
    return Status::ok();
  }
  Status cleanup() override {
    std::lock_guard l(mu_);
    ++cleanups_;
    return Status::ok();
  }
  std::map<std::string, uint64_t> ruleCounts() const override {
    std::lock_guard l(mu_);
    return {{"services", last_ok_.services.size()}};
  }

  // The next `n` syncs fail with EIO.
  void failNext(int n) {
    std::lock_guard l(mu_);
    fail_next_ = n;
  }
  std::vector<Sync> syncs() const {
    std::lock_guard l(mu_);
    return syncs_;
  }
  size_t syncCount() const {
    std::lock_guard l(mu_);
    return syncs_.size();
  }
  proxy::ProxyState lastSynced() const {
    std::lock_guard l(mu_);
    return last_ok_;
  }
  int cleanups() const {
    std::lock_guard l(mu_);
    return cleanups_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<Sync> syncs_;
  proxy::ProxyState last_ok_;
  int fail_next_ = 0;
  int cleanups_ = 0;
};

}  // namespace orch::testing
