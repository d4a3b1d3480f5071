#pragma once
// CountingStore: a store::Store decorator (over SqliteStore in the tests) that counts watch()
// calls and lets a test end the watches it handed out with an injected error, to drive the
// watch cache's recovery paths.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "controlplane/store/store.h"

namespace orch::testing {

class CountingStore final : public store::Store {
 public:
  explicit CountingStore(store::Store& inner) : inner_(inner) {}

  int watchCalls() const { return watch_calls_.load(); }
  // Ends every open watch made so far with `error` (after nothing: pending events are dropped).
  void failWatches(const Status& error) {
    std::lock_guard lock(mu_);
    for (auto& w : injectors_) {
      if (auto p = w.lock()) p->fail(error);
    }
  }

  Result<store::KeyValue> get(std::string_view key, int64_t revision) override {
    return inner_.get(key, revision);
  }
  Result<store::ListResult> list(std::string_view prefix, int64_t revision, int64_t limit,
                                 std::string_view continue_after) override {
    return inner_.list(prefix, revision, limit, continue_after);
  }
  Result<store::KeyValue> create(std::string_view key, std::string_view value) override {
    return inner_.create(key, value);
  }
  Result<store::KeyValue> update(std::string_view key, std::string_view value,
                                 int64_t expected) override {
    return inner_.update(key, value, expected);
  }
  Result<store::DeleteResult> remove(std::string_view key, int64_t expected) override {
    return inner_.remove(key, expected);
  }
  Status compact(int64_t revision) override { return inner_.compact(revision); }
  Result<int64_t> currentRevision() override { return inner_.currentRevision(); }

  Result<std::unique_ptr<store::Watch>> watch(std::string_view prefix, int64_t from) override {
    auto w = inner_.watch(prefix, from);
    if (!w.ok()) {
      watch_calls_++;
      return w.status();
    }
    auto inj = std::make_shared<Injectable>(std::move(w).value());
    std::lock_guard lock(mu_);
    injectors_.push_back(inj);
    // Counted once failWatches() can reach it: a test that sees the count then fails it.
    watch_calls_++;
    return std::unique_ptr<store::Watch>(std::make_unique<Handle>(inj));
  }

 private:
  struct Injectable {
    explicit Injectable(std::unique_ptr<store::Watch> w) : inner(std::move(w)) {}
    void fail(const Status& e) {
      {
        std::lock_guard lock(mu);
        if (!error) error = e;
      }
      inner->cancel();  // wakes a consumer blocked in next()
    }
    Result<std::vector<store::Event>> next(std::chrono::milliseconds timeout) {
      {
        std::lock_guard lock(mu);
        if (error) return *error;
      }
      auto r = inner->next(timeout);
      std::lock_guard lock(mu);
      if (error) return *error;
      return r;
    }
    std::mutex mu;
    std::optional<Status> error;
    std::unique_ptr<store::Watch> inner;
  };
  struct Handle final : store::Watch {
    explicit Handle(std::shared_ptr<Injectable> i) : inj(std::move(i)) {}
    Result<std::vector<store::Event>> next(std::chrono::milliseconds t) override {
      return inj->next(t);
    }
    void cancel() override { inj->inner->cancel(); }
    std::shared_ptr<Injectable> inj;
  };

  store::Store& inner_;
  std::atomic<int> watch_calls_{0};
  std::mutex mu_;
  std::vector<std::weak_ptr<Injectable>> injectors_;
};

}  // namespace orch::testing
