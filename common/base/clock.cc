#include "common/base/clock.h"

#include <thread>

namespace orch {

void RealClock::sleepUntil(TimePoint deadline) {
  std::this_thread::sleep_until(deadline);
}

Clock& realClock() {
  static RealClock clock;
  return clock;
}

}  // namespace orch
