#pragma once
// Polling for integration tests: retries `pred` up to `attempts` times, `period` apart, and
// says whether it ever held. The bound is on attempts, not on time: no timed assertion.

#include <chrono>
#include <functional>
#include <thread>

namespace orch::testing {

inline bool eventually(const std::function<bool()>& pred, int attempts = 100,
                       std::chrono::milliseconds period = std::chrono::milliseconds(100)) {
  for (int i = 0; i < attempts; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(period);
  }
  return false;
}

}  // namespace orch::testing
