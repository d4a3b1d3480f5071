#include "common/base/signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

namespace orch {
namespace {

TEST(SignalWatcher, ReceivesBlockedSignalSynchronously) {
  auto w = SignalWatcher::create({SIGUSR1});
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto none = w->waitFor(0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGUSR1), 0);
  auto sig = w->waitFor(1000);
  ASSERT_TRUE(sig.ok());
  EXPECT_EQ(*sig, SIGUSR1);
}

}  // namespace
}  // namespace orch
