#pragma once
// Signal handling for daemons: the signals are blocked in every thread and read
// synchronously from a signalfd, so no code runs in signal context.
//
// Call SignalWatcher::create() in main() before starting any thread (threads
// inherit the blocked mask), then wait() in the main loop.

#include <csignal>
#include <initializer_list>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch {

class SignalWatcher {
 public:
  // Blocks `signals` in the calling thread and opens a signalfd for them.
  static Result<SignalWatcher> create(std::initializer_list<int> signals = {SIGTERM, SIGINT,
                                                                            SIGHUP});
  // Blocks until one of the signals arrives; returns its number.
  Result<int> wait();
  // Like wait() but returns 0 after `timeout_ms` without a signal.
  Result<int> waitFor(int timeout_ms);
  // A pollable descriptor, readable when a signal is pending.
  int fd() const { return fd_.get(); }

 private:
  explicit SignalWatcher(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace orch
