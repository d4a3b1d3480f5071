#pragma once
// The bounded-frequency sync runner (kube-proxy's BoundedFrequencyRunner, as its proxiers
// use it):
//  - run() asks for a sync; requests made while one is pending or running coalesce into
//    one run;
//  - two runs start at least `min_interval` apart;
//  - a full resync runs at least every `sync_period` even without requests;
//  - after a failed run the next one is full, and one is scheduled `retry_interval` after
//    the failure (earlier if a request comes, subject to min_interval).
//
// SyncSchedule is the decision logic alone (pure, driven by explicit times); SyncRunner runs
// it on a thread with an injected Clock.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "common/base/clock.h"
#include "common/base/status.h"

namespace orch::proxy {

struct SyncRunnerOptions {
  Clock::Duration min_interval = std::chrono::seconds(1);
  Clock::Duration sync_period = std::chrono::seconds(30);  // 0: no periodic resync
  Clock::Duration retry_interval = std::chrono::seconds(30);
};

class SyncSchedule {
 public:
  explicit SyncSchedule(SyncRunnerOptions opts) : opts_(opts) {}

  // A sync was asked for.
  void request() { pending_ = true; }
  // When the next run should start; nullopt: none is due (no request, no periodic resync,
  // no retry) until request().
  std::optional<Clock::TimePoint> nextRun() const;
  // A run starts at `now`; returns whether it must be a full resync. Clears the request.
  bool begin(Clock::TimePoint now);
  // The run that began last ended at `now`.
  void end(Clock::TimePoint now, bool ok);

  bool pending() const { return pending_; }

 private:
  SyncRunnerOptions opts_;
  bool pending_ = false;
  bool need_full_ = true;
  std::optional<Clock::TimePoint> last_start_, last_full_, retry_at_;
  Clock::TimePoint current_start_{};
  bool current_full_ = false;
};

class SyncRunner {
 public:
  // `fn(full)` performs one sync; an error schedules a full retry.
  using SyncFn = std::function<Status(bool full)>;

  SyncRunner(SyncRunnerOptions opts, SyncFn fn, Clock& clock = realClock());
  ~SyncRunner();  // stop()
  SyncRunner(const SyncRunner&) = delete;
  SyncRunner& operator=(const SyncRunner&) = delete;

  // Starts the thread; the first sync runs once run() is called.
  void start();
  // Asks for a sync (any thread; cheap; never blocks on a running sync).
  void run();
  // Ends the thread after the run in progress, if any. Idempotent.
  void stop();

  // Runs started / failed so far (tests, metrics).
  int runs() const;
  int failures() const;

 private:
  void loop();

  SyncSchedule schedule_;  // under mu_
  SyncFn fn_;
  Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  int runs_ = 0, failures_ = 0;
  std::thread thread_;
};

}  // namespace orch::proxy
