#pragma once
// Small system helpers of the orch-monitor binary (not part of the client library).

#include <sys/types.h>

#include <initializer_list>
#include <string>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::shim {

// Closes every descriptor >= `first`.
void closeFrom(int first);
// Points fds 0, 1, 2 at /dev/null.
Status stdioToDevNull();

struct PipePair {
  UniqueFd read, write;
};
// A CLOEXEC pipe whose read end is non-blocking.
Result<PipePair> makeOutputPipe();

// Blocks `signals` and returns a non-blocking signalfd for them.
Result<UniqueFd> blockIntoSignalFd(std::initializer_list<int> signals);

// A wait status as a container exit code: the exit status, or 128+signal.
int exitCodeFromWaitStatus(int status);

// Reads what is available on a non-blocking fd into `out` (at most `max` bytes).
// Returns >0 bytes read, 0 at EOF (or EIO: a pty whose slave side is gone), -1 when nothing
// is available now (EAGAIN), -2 on another error.
ssize_t readSome(int fd, char* buf, size_t max);

}  // namespace orch::shim
