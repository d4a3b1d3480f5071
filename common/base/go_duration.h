#pragma once
// Go's time.ParseDuration syntax, which the kubelet's and kube-proxy's flags and config files
// use for durations.

#include <chrono>
#include <string_view>

#include "common/base/status.h"

namespace orch {

// "10s", "1m30s", "1.5h", "300ms", "2us", "0"; negative values are EINVAL, as is text that
// is not a duration (the message quotes it).
Result<std::chrono::nanoseconds> parseGoDuration(std::string_view text);

}  // namespace orch
