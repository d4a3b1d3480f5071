#pragma once
// Child processes: spawn with pipes, wait, signal by pid, and run-to-completion
// with a timeout (runProcess ignores SIGPIPE process-wide on first use, so a
// child that exits early makes writes fail with EPIPE instead of killing us). A Process that is
// destroyed while its child still runs kills (SIGKILL) and reaps it, so no child outlives its owner
// by accident.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch {

struct ProcessOptions {
  // argv[0] is the program; without a '/', it is looked up on PATH.
  std::vector<std::string> argv;
  // KEY=VALUE entries; nullopt inherits this process's environment.
  std::optional<std::vector<std::string>> env;
  std::string working_dir;   // empty = inherit
  bool pipe_stdin = false;   // otherwise /dev/null
  bool pipe_stdout = false;  // otherwise inherited
  bool pipe_stderr = false;  // otherwise inherited
  bool new_session = false;  // setsid(): own process group, no controlling tty
  // Descriptors the child gets as stdout / stderr when not piped (-1 = inherit).
  int stdout_to = -1;
  int stderr_to = -1;
};

class Process {
 public:
  static Result<Process> spawn(const ProcessOptions& opts);

  Process(Process&& o) noexcept;
  Process& operator=(Process&& o) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !reaped_; }
  // Pipe ends (valid only when requested in ProcessOptions). Closing stdinFd signals EOF.
  UniqueFd& stdinFd() { return stdin_; }
  UniqueFd& stdoutFd() { return stdout_; }
  UniqueFd& stderrFd() { return stderr_; }

  Status signal(int sig);
  // Blocks until the child exits; returns its wait status (see WIFEXITED ...).
  Result<int> wait();
  // Returns the wait status if the child has exited, nullopt if it still runs.
  Result<std::optional<int>> tryWait();

 private:
  Process() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  UniqueFd stdin_, stdout_, stderr_;
};

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int term_signal = 0;
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs a command to completion, feeding `input` on stdin and capturing stdout and
// stderr. After `timeout` the child is killed and timed_out is set.
Result<RunResult> runProcess(ProcessOptions opts, std::string_view input,
                             std::chrono::milliseconds timeout);

}  // namespace orch
