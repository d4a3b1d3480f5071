// Crash-loop back-off on a fake clock: 10 s doubling to 5 min, reset after 10 min of running.

#include "agent/kuberuntime/crash_backoff.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class BackoffTest : public ::testing::Test {
 protected:
  // The container exits now; returns how long it must wait (0: may restart at once) and,
  // when it may, restarts it at the earliest moment.
  seconds crashAndRestart() {
    auto finished = clock_.wallNow();
    auto until = backoff_.backoffUntil(key_, finished);
    seconds waited(0);
    if (until) {
      waited = std::chrono::duration_cast<seconds>(*until - clock_.wallNow());
      clock_.advance(waited - seconds(1));
      EXPECT_TRUE(backoff_.backoffUntil(key_, finished).has_value()) << "released early";
      clock_.advance(seconds(1));
      EXPECT_FALSE(backoff_.backoffUntil(key_, finished).has_value()) << "held too long";
    }
    backoff_.recordRestart(key_, finished);
    return waited;
  }

  orch::testing::FakeClock clock_;
  BackoffPolicy backoff_{clock_};
  std::string key_ = "web_default_uid-1_app_abc";
};

TEST_F(BackoffTest, DoublesUpToFiveMinutes) {
  EXPECT_EQ(crashAndRestart(), seconds(0));  // the first crash restarts at once
  EXPECT_EQ(backoff_.delay(key_), seconds(10));
  std::vector<seconds> waits;
  for (int i = 0; i < 7; ++i) waits.push_back(crashAndRestart());
  EXPECT_EQ(waits, (std::vector<seconds>{seconds(10), seconds(20), seconds(40), seconds(80),
                                         seconds(160), seconds(300), seconds(300)}));
}

TEST_F(BackoffTest, ResetsAfterTenMinutesOfRunning) {
  crashAndRestart();
  crashAndRestart();
  crashAndRestart();
  EXPECT_EQ(backoff_.delay(key_), seconds(40));
  // Runs for a while, but not long enough.
  clock_.advance(minutes(9));
  EXPECT_EQ(crashAndRestart(), seconds(40));
  // Now it runs for more than 10 minutes after its last restart: a fresh start.
  clock_.advance(minutes(10) + seconds(1));
  EXPECT_EQ(crashAndRestart(), seconds(0));
  EXPECT_EQ(backoff_.delay(key_), seconds(10));
}

TEST_F(BackoffTest, KeysAreIndependentAndGcForgets) {
  crashAndRestart();
  EXPECT_EQ(backoff_.delay("other"), seconds(0));
  EXPECT_FALSE(backoff_.backoffUntil("other", clock_.wallNow()).has_value());
  clock_.advance(minutes(11));
  backoff_.gc();
  EXPECT_EQ(backoff_.delay(key_), seconds(0));
  crashAndRestart();
  backoff_.reset(key_);
  EXPECT_EQ(backoff_.delay(key_), seconds(0));
}

TEST(BackoffKey, NamesPodContainerAndSpecHash) {
  api::Pod p = testing::pod("web", "shop", "uid-9");
  api::Container c = testing::container("app", "nginx:1.25");
  std::string key = crashBackoffKey(p, c);
  EXPECT_EQ(key.rfind("web_shop_uid-9_app_", 0), 0u);
  api::Container newer = c;
  newer.image = "nginx:1.26";
  EXPECT_NE(crashBackoffKey(p, newer), key);  // a new image starts a fresh back-off
}

}  // namespace
}  // namespace orch::agent
