// The bounded-frequency sync runner: the schedule alone with explicit times, then the thread
// driven by a FakeClock (no sleeps in the logic under test; polls only wait for the thread).
#include "proxy/core/sync_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "tests/fakes/fake_clock.h"
#include "tests/support/eventually.h"

namespace orch::proxy {
namespace {

using namespace std::chrono_literals;
using TP = Clock::TimePoint;

const TP t0 = TP{} + 1000s;

SyncRunnerOptions opts(Clock::Duration min = 1s, Clock::Duration period = 30s,
                       Clock::Duration retry = 5s) {
  return SyncRunnerOptions{min, period, retry};
}

TEST(SyncScheduleTest, NothingDueUntilRequested) {
  SyncSchedule s(opts());
  EXPECT_FALSE(s.nextRun().has_value());
  s.request();
  ASSERT_TRUE(s.nextRun().has_value());
  EXPECT_LE(*s.nextRun(), t0);  // at once
  EXPECT_TRUE(s.begin(t0));     // the first run is full
  EXPECT_FALSE(s.pending());
  s.end(t0 + 100ms, true);
  // Next: the periodic resync one sync period after the first full one.
  EXPECT_EQ(s.nextRun(), t0 + 30s);
}

TEST(SyncScheduleTest, MinIntervalBoundsRequests) {
  SyncSchedule s(opts());
  s.request();
  s.begin(t0);
  s.end(t0 + 10ms, true);
  s.request();
  s.request();  // coalesces
  EXPECT_EQ(s.nextRun(), t0 + 1s);
  EXPECT_FALSE(s.begin(t0 + 1s));  // a partial sync
  s.end(t0 + 1s + 10ms, true);
  EXPECT_EQ(s.nextRun(), t0 + 30s);  // no request left: the periodic one
  // A request long after the last run is due at once.
  s.request();
  EXPECT_LE(*s.nextRun(), t0 + 5s);
}

TEST(SyncScheduleTest, PeriodicRunIsFull) {
  SyncSchedule s(opts());
  s.request();
  s.begin(t0);
  s.end(t0, true);
  s.request();
  EXPECT_FALSE(s.begin(t0 + 10s));
  s.end(t0 + 10s, true);
  EXPECT_EQ(s.nextRun(), t0 + 30s);  // counted from the last full one
  EXPECT_TRUE(s.begin(t0 + 30s));
  s.end(t0 + 30s, true);
  EXPECT_EQ(s.nextRun(), t0 + 60s);
}

TEST(SyncScheduleTest, FailureRetriesFull) {
  SyncSchedule s(opts());
  s.request();
  s.begin(t0);
  s.end(t0, true);
  s.request();
  EXPECT_FALSE(s.begin(t0 + 2s));
  s.end(t0 + 2s, false);
  EXPECT_EQ(s.nextRun(), t0 + 7s);  // retry_interval after the failure
  EXPECT_TRUE(s.begin(t0 + 7s));    // and it is full
  s.end(t0 + 7s, false);
  // A request brings the retry forward, still bounded by min_interval, still full.
  s.request();
  EXPECT_EQ(s.nextRun(), t0 + 8s);
  EXPECT_TRUE(s.begin(t0 + 8s));
  s.end(t0 + 8s, true);
  EXPECT_EQ(s.nextRun(), t0 + 38s);
}

TEST(SyncScheduleTest, NoPeriodicResyncWithZeroPeriod) {
  SyncSchedule s(opts(1s, 0s));
  s.request();
  s.begin(t0);
  s.end(t0, true);
  EXPECT_FALSE(s.nextRun().has_value());
}

class SyncRunnerTest : public ::testing::Test {
 protected:
  void record(bool full) {
    std::lock_guard l(mu_);
    runs_.push_back(full);
  }
  std::vector<bool> runs() {
    std::lock_guard l(mu_);
    return runs_;
  }
  // Waits until the runner thread is parked on the clock (so advancing time is seen).
  bool parked() {
    return testing::eventually([&] { return clock_.waiting() > 0; }, 500, 2ms);
  }

  testing::FakeClock clock_;
  std::mutex mu_;
  std::vector<bool> runs_;
};

TEST_F(SyncRunnerTest, RunsOnRequestThenBoundedThenPeriodic) {
  SyncRunner r(
      opts(),
      [&](bool full) {
        record(full);
        return Status::ok();
      },
      clock_);
  r.start();
  ASSERT_TRUE(parked());
  EXPECT_TRUE(runs().empty());
  r.run();
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 1; }, 500, 2ms));
  EXPECT_TRUE(runs()[0]);
  // Requests within min_interval wait for the clock, and coalesce.
  r.run();
  r.run();
  ASSERT_TRUE(parked());
  EXPECT_EQ(runs().size(), 1u);
  clock_.advance(1s);
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 2; }, 500, 2ms));
  EXPECT_FALSE(runs()[1]);
  ASSERT_TRUE(parked());
  clock_.advance(30s);
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 3; }, 500, 2ms));
  EXPECT_TRUE(runs()[2]);  // the periodic full resync
  r.stop();
  EXPECT_EQ(r.runs(), 3);
  EXPECT_EQ(r.failures(), 0);
}

TEST_F(SyncRunnerTest, ErrorRetriesWithFullSync) {
  std::atomic<int> calls{0};
  SyncRunner r(
      opts(1s, 30s, 5s),
      [&](bool full) {
        record(full);
        return ++calls == 2 ? Status::invalid("boom") : Status::ok();
      },
      clock_);
  r.start();
  r.run();
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 1; }, 500, 2ms));
  ASSERT_TRUE(parked());
  clock_.advance(2s);
  r.run();
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 2; }, 500, 2ms));
  EXPECT_FALSE(runs()[1]);  // partial, and it fails
  ASSERT_TRUE(parked());
  ASSERT_TRUE(testing::eventually([&] { return r.failures() == 1; }, 500, 2ms));
  clock_.advance(5s);
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 3; }, 500, 2ms));
  EXPECT_TRUE(runs()[2]);  // the retry is full
  r.stop();
}

TEST_F(SyncRunnerTest, RequestsDuringARunCoalesceIntoOne) {
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  SyncRunner r(
      opts(0s),
      [&](bool full) {
        record(full);
        std::unique_lock l(gate_mu);
        gate_cv.wait(l, [&] { return open; });
        return Status::ok();
      },
      clock_);
  r.start();
  r.run();
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 1; }, 500, 2ms));
  // The first run is blocked inside fn: these requests must not start runs of their own.
  for (int i = 0; i < 5; ++i) r.run();
  {
    std::lock_guard l(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  ASSERT_TRUE(testing::eventually([&] { return runs().size() == 2; }, 500, 2ms));
  ASSERT_TRUE(parked());  // idle again: nothing more is due
  EXPECT_EQ(runs().size(), 2u);
  EXPECT_EQ(r.runs(), 2);
  r.stop();
}

TEST_F(SyncRunnerTest, StopWithoutRunAndTwice) {
  SyncRunner r(
      opts(), [&](bool) { return Status::ok(); }, clock_);
  r.start();
  r.stop();
  r.stop();
  EXPECT_EQ(r.runs(), 0);
}

}  // namespace
}  // namespace orch::proxy
