#pragma once
// Retrying netlink dumps the kernel marked NLM_F_DUMP_INTR (the table changed while it
// was being dumped, so the result may be inconsistent). libnl reports such a dump as
// -NLE_DUMP_INTR once it has read it completely; the only correct reaction is to dump
// again. Kept apart so the retry logic is testable without a kernel.

#include <netlink/errno.h>

namespace orch::netlink {

inline constexpr int kMaxDumpAttempts = 10;

// Calls `attempt` (returning a libnl code: >= 0 ok, < 0 = -NLE_*) until it returns
// anything but -NLE_DUMP_INTR, at most max_attempts times; returns the last code.
// `attempt` must start from a clean slate each time (it discards partial results).
template <class F>
int retryInterruptedDump(F&& attempt, int max_attempts = kMaxDumpAttempts) {
  int err = -NLE_DUMP_INTR;
  for (int i = 0; i < max_attempts && err == -NLE_DUMP_INTR; ++i) err = attempt();
  return err;
}

}  // namespace orch::netlink
