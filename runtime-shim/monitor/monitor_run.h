#pragma once
// `orch-monitor run <bundle>`: start the bundle's process and supervise it until it exits.
//
// The calling process (the client's child) forks; the child calls setsid(), detaches its
// stdio and becomes the monitor; the caller waits for the monitor's StartReport on a socket,
// prints it (JSON, one line) on stdout and exits — 0 when the process exec'd, 1 otherwise —
// so the client's start() returns only once the outcome is known, and the monitor is then
// nobody's child but init's (or a subreaper's).
//
// The monitor: reads spec.json, writes state.json (created → running → exited, atomically),
// copies the process's stdout/stderr (pipes, or one pty with spec.tty) to spec.log_path in
// the CRI log format, reopens the log on SIGUSR1, forwards SIGTERM/SIGINT to the process,
// and on the process's exit records exit code, time and reason, then exits. Single-threaded:
// one poll loop over a signalfd and the output descriptors.

#include <string>

namespace orch::shim {

// `bundle` must be absolute. Returns the caller's exit code (the monitor itself _exit()s).
int runMonitorCommand(const std::string& bundle);

// Once the process runs, the monitor re-executes itself as
//   orch-monitor supervise <bundle> <record JSON> <signalfd> <log path> <cgroup path>
//                          <stream>=<fd>...
// (the process stays its child, the signalfd, the blocked signals and the output fds carry
// over): the long-lived supervisor then has only the pages of its loop resident, not those
// of everything the start ran (spec parsing, seccomp, mounts, cgroups). Internal to
// orch-monitor; `argv` starts after "supervise". Never returns.
[[noreturn]] void superviseMonitorCommand(int argc, char** argv);

}  // namespace orch::shim
