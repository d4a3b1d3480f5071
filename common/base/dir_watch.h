#pragma once
// Wakes a polling loop as soon as something changes in one directory (a file created,
// written, renamed in or out, deleted: inotify), so a loop that rescans a directory every
// N seconds reacts at once and keeps its period only as a safety net.
//
// Threads: wait() from one thread; interrupt() from any thread (ends the current and every
// later wait at once, for shutdown).

#include <chrono>
#include <string>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch {

class DirWatch {
 public:
  // ENOENT when `dir` does not exist (the caller falls back to plain polling).
  static Result<DirWatch> open(const std::string& dir);

  // True when the directory changed within `timeout`; false on timeout or after
  // interrupt(). Events that arrive within `settle` of the first are taken as one change
  // (editors and atomic writers touch a file several times).
  bool wait(std::chrono::milliseconds timeout,
            std::chrono::milliseconds settle = std::chrono::milliseconds(100));
  void interrupt();

 private:
  DirWatch(UniqueFd inotify, UniqueFd wake)
      : inotify_(std::move(inotify)), wake_(std::move(wake)) {}
  void drain();

  UniqueFd inotify_, wake_;  // wake_: an eventfd written by interrupt()
};

}  // namespace orch
