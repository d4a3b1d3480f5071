#pragma once
// CRI timestamps: nanoseconds since the Unix epoch, wall clock.

#include <chrono>
#include <cstdint>

namespace orch::shim {

inline int64_t unixNanosNow() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace orch::shim
