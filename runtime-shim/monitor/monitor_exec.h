#pragma once
// `orch-monitor exec <bundle> [--timeout-ms N] [--status-file F] -- argv...`: ExecSync.
//
// Runs argv inside the bundle's running process (launcher's execInside: its namespaces,
// cgroup, user and security settings, the spec's env), relays the command's stdout and
// stderr to our own, kills it (SIGKILL) once N ms have passed (N = 0: no limit), and writes
// an ExecStatus to F. Exit code: the command's (128+signal when killed), 124 after the
// timeout, 125 when the command could not be started. Only the direct command is waited
// for: once it exits, output already written is relayed and we exit, even if a background
// child still holds the pipes.

#include <cstdint>
#include <string>
#include <vector>

namespace orch::shim {

struct ExecCommand {
  std::string bundle;
  int64_t timeout_ms = 0;
  std::string status_file;  // empty: none
  std::vector<std::string> argv;
};

int runExecCommand(const ExecCommand& cmd);

}  // namespace orch::shim
