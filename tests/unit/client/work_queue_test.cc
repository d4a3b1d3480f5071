#include "common/client/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/fakes/fake_clock.h"

namespace orch::client {
namespace {

using namespace std::chrono_literals;
using orch::testing::FakeClock;

// Polls `pred` for up to 10 s of real time.
template <class F>
bool eventually(F pred) {
  for (int i = 0; i < 2000; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

WorkQueue::Options withClock(FakeClock& c) {
  WorkQueue::Options o;
  o.clock = &c;
  return o;
}

TEST(WorkQueue, AddDeduplicatesQueuedKeys) {
  FakeClock clock;
  WorkQueue q(withClock(clock));
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, KeyAddedWhileProcessingIsRequeuedAfterDone) {
  FakeClock clock;
  WorkQueue q(withClock(clock));
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  q.add("a");  // while processing: not handed to a second worker
  q.add("a");
  EXPECT_EQ(q.len(), 0u);
  q.done("a");
  EXPECT_EQ(q.len(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, BackoffGrowsExponentiallyAndForgetResets) {
  ItemExponentialBackoff b(5ms, 1000s);
  EXPECT_EQ(b.when("k"), 5ms);
  EXPECT_EQ(b.when("k"), 10ms);
  EXPECT_EQ(b.when("k"), 20ms);
  EXPECT_EQ(b.when("k"), 40ms);
  EXPECT_EQ(b.numRequeues("k"), 4);
  EXPECT_EQ(b.when("other"), 5ms);
  b.forget("k");
  EXPECT_EQ(b.numRequeues("k"), 0);
  EXPECT_EQ(b.when("k"), 5ms);
  ItemExponentialBackoff capped(5ms, 30ms);
  for (int i = 0; i < 3; ++i) (void)capped.when("k");
  EXPECT_EQ(capped.when("k"), 30ms);
  for (int i = 0; i < 100; ++i) (void)capped.when("k");
  EXPECT_EQ(capped.when("k"), 30ms);  // no overflow far past the cap
}

TEST(WorkQueue, RateLimitedAddWaitsForTheBackoff) {
  FakeClock clock;
  WorkQueue q(withClock(clock));
  q.addRateLimited("k");  // 5 ms
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.delayed(), 1u);
  EXPECT_EQ(q.numRequeues("k"), 1);
  clock.advance(4ms);
  EXPECT_EQ(q.len(), 0u);
  std::optional<std::string> got;
  std::thread t([&] { got = q.get(); });
  clock.advance(1ms);
  t.join();
  EXPECT_EQ(got, "k");
  q.done("k");

  q.addRateLimited("k");  // 10 ms now
  clock.advance(9ms);
  EXPECT_EQ(q.delayed(), 1u);
  std::thread t2([&] { got = q.get(); });
  ASSERT_TRUE(eventually([&] { return clock.waiting() > 0; }));
  clock.advance(1ms);
  t2.join();
  EXPECT_EQ(got, "k");
  q.done("k");
  q.forget("k");
  EXPECT_EQ(q.numRequeues("k"), 0);
}

TEST(WorkQueue, AddAfterKeepsTheEarliestTimeAndDedups) {
  FakeClock clock;
  WorkQueue q(withClock(clock));
  q.addAfter("k", 10s);
  q.addAfter("k", 2s);   // earlier: replaces
  q.addAfter("k", 20s);  // later: ignored
  EXPECT_EQ(q.delayed(), 1u);
  std::optional<std::string> got;
  std::thread t([&] { got = q.get(); });
  ASSERT_TRUE(eventually([&] { return clock.waiting() > 0; }));
  clock.advance(2s);
  t.join();
  EXPECT_EQ(got, "k");
  EXPECT_EQ(q.delayed(), 0u);
  q.addAfter("now", 0s);
  EXPECT_EQ(q.len(), 1u);
}

TEST(WorkQueue, ShutDownWakesAllGetters) {
  WorkQueue q;
  std::atomic<int> woke{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i) {
    ts.emplace_back([&] {
      if (!q.get().has_value()) ++woke;
    });
  }
  q.shutDown();
  for (auto& t : ts) t.join();
  EXPECT_EQ(woke.load(), 3);
  EXPECT_TRUE(q.shuttingDown());
  q.add("late");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_FALSE(q.get().has_value());
}

TEST(WorkQueue, ShutDownWithDrainWaitsForProcessingKeys) {
  WorkQueue q;
  q.add("a");
  ASSERT_EQ(q.get(), "a");
  std::atomic<bool> drained{false};
  std::thread t([&] {
    q.shutDownWithDrain();
    drained = true;
  });
  ASSERT_TRUE(eventually([&] { return q.shuttingDown(); }));
  EXPECT_FALSE(drained.load());
  q.done("a");
  t.join();
  EXPECT_TRUE(drained.load());
}

TEST(WorkQueue, ManyWorkersProcessEachKeyOnceAtATime) {
  WorkQueue q;
  std::mutex mu;
  std::set<std::string> in_flight;
  std::atomic<int> processed{0};
  std::atomic<bool> overlap{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto k = q.get()) {
        {
          std::lock_guard l(mu);
          if (!in_flight.insert(*k).second) overlap = true;
        }
        std::this_thread::yield();
        {
          std::lock_guard l(mu);
          in_flight.erase(*k);
        }
        ++processed;
        q.done(*k);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) q.add("k" + std::to_string(i % 7));
  ASSERT_TRUE(eventually([&] { return q.len() == 0; }));
  q.shutDownWithDrain();
  q.shutDown();
  for (auto& t : workers) t.join();
  EXPECT_FALSE(overlap.load());
  EXPECT_GE(processed.load(), 7);
}

}  // namespace
}  // namespace orch::client
