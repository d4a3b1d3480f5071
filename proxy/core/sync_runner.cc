#include "proxy/core/sync_runner.h"

#include <algorithm>

namespace orch::proxy {

std::optional<Clock::TimePoint> SyncSchedule::nextRun() const {
  std::optional<Clock::TimePoint> want;
  auto earliest = [&](Clock::TimePoint t) { want = want ? std::min(*want, t) : t; };
  // A request wants "now": the earliest possible instant, bounded below by min_interval.
  if (pending_) earliest(Clock::TimePoint::min());
  if (retry_at_) earliest(*retry_at_);
  if (opts_.sync_period.count() > 0 && last_full_) earliest(*last_full_ + opts_.sync_period);
  if (!want) return std::nullopt;
  if (last_start_) return std::max(*want, *last_start_ + opts_.min_interval);
  return want;
}

bool SyncSchedule::begin(Clock::TimePoint now) {
  bool periodic =
      opts_.sync_period.count() > 0 && last_full_ && now >= *last_full_ + opts_.sync_period;
  current_full_ = need_full_ || periodic;
  current_start_ = now;
  last_start_ = now;
  pending_ = false;
  retry_at_.reset();
  return current_full_;
}

void SyncSchedule::end(Clock::TimePoint now, bool ok) {
  if (ok) {
    if (current_full_) {
      last_full_ = current_start_;
      need_full_ = false;
    }
    return;
  }
  need_full_ = true;
  retry_at_ = now + opts_.retry_interval;
}

SyncRunner::SyncRunner(SyncRunnerOptions opts, SyncFn fn, Clock& clock)
    : schedule_(opts), fn_(std::move(fn)), clock_(clock) {}

SyncRunner::~SyncRunner() {
  stop();
}

void SyncRunner::start() {
  std::lock_guard l(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { loop(); });
}

void SyncRunner::run() {
  std::lock_guard l(mu_);
  schedule_.request();
  cv_.notify_all();
}

void SyncRunner::stop() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

int SyncRunner::runs() const {
  std::lock_guard l(mu_);
  return runs_;
}

int SyncRunner::failures() const {
  std::lock_guard l(mu_);
  return failures_;
}

void SyncRunner::loop() {
  std::unique_lock l(mu_);
  while (!stopping_) {
    auto next = schedule_.nextRun();
    if (!next) {
      // Nothing due: wait for a request (the clock's wait so a fake clock sees a waiter).
      clock_.waitUntil(cv_, l, clock_.now() + std::chrono::hours(24),
                       [&] { return stopping_ || schedule_.nextRun().has_value(); });
      continue;
    }
    if (clock_.now() < *next) {
      const auto at = *next;
      // Wake at the due time, or earlier when stopping or when a request moves it closer.
      clock_.waitUntil(cv_, l, at, [&] {
        auto n = schedule_.nextRun();
        return stopping_ || (n && *n < at);
      });
      continue;
    }
    bool full = schedule_.begin(clock_.now());
    ++runs_;
    l.unlock();
    Status st = fn_(full);
    l.lock();
    if (!st.isOk()) ++failures_;
    schedule_.end(clock_.now(), st.isOk());
  }
}

}  // namespace orch::proxy
