#pragma once
// Jittered, capped exponential backoff for reconnect loops (client-go's
// wait.Backoff / backoff manager): next() returns base * 2^n plus up to `jitter` of that,
// never more than the cap; reset() starts over after a success.
// Not thread-safe (one per loop).

#include <chrono>
#include <cstdint>
#include <random>

namespace orch::client {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, double jitter = 0.5);
  std::chrono::milliseconds next();
  void reset() { steps_ = 0; }
  int steps() const { return steps_; }

 private:
  std::chrono::milliseconds base_, cap_;
  double jitter_;
  int steps_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace orch::client
