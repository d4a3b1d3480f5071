#include "common/client/backoff.h"

#include <algorithm>

namespace orch::client {

Backoff::Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, double jitter)
    : base_(base), cap_(cap), jitter_(jitter), rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  const double cap = static_cast<double>(cap_.count());
  double d = static_cast<double>(base_.count());
  for (int i = 0; i < steps_ && d < cap; ++i) d *= 2;
  if (steps_ < 64) ++steps_;
  // Jitter spreads the reconnects of many clients after a server restart.
  std::uniform_real_distribution<double> u(0.0, jitter_);
  d += d * u(rng_);
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(d, cap)));
}

}  // namespace orch::client
