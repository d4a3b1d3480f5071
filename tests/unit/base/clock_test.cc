#include <gtest/gtest.h>

#include <thread>

#include "fakes/fake_clock.h"

namespace orch {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, WaitUntilReturnsWhenAdvancedPastDeadline) {
  testing::FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool fired = true;
  std::thread t([&] {
    std::unique_lock l(mu);
    fired = clock.waitUntil(cv, l, clock.now() + 10s, [] { return false; });
  });
  while (clock.waiting() == 0) std::this_thread::sleep_for(1ms);
  clock.advance(9s);
  clock.advance(1s);
  t.join();
  EXPECT_FALSE(fired);
}

TEST(FakeClock, WaitUntilReturnsTrueOnPredicate) {
  testing::FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool flag = false;
  bool result = false;
  std::thread t([&] {
    std::unique_lock l(mu);
    result = clock.waitUntil(cv, l, clock.now() + 10s, [&] { return flag; });
  });
  {
    std::lock_guard l(mu);
    flag = true;
  }
  cv.notify_all();
  t.join();
  EXPECT_TRUE(result);
}

TEST(RealClock, MonotonicAndWall) {
  auto a = realClock().now();
  auto b = realClock().now();
  EXPECT_LE(a, b);
  EXPECT_GT(realClock().wallNow().time_since_epoch().count(), 0);
}

}  // namespace
}  // namespace orch
