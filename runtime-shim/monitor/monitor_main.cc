// orch-monitor: the per-container supervisor of orch-shim. See monitor_run.h and
// monitor_exec.h for the modes; monitor_client.h is the caller's side.

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>

#include "runtime-shim/monitor/monitor_exec.h"
#include "runtime-shim/monitor/monitor_run.h"

#ifndef ORCH_VERSION
#define ORCH_VERSION "unknown"
#endif

namespace {

int usage() {
  fprintf(stderr,
          "usage: orch-monitor run <bundle>\n"
          "       orch-monitor exec <bundle> [--timeout-ms N] [--status-file FILE] -- argv...\n"
          "       orch-monitor --version\n");
  return 2;
}

// The bundle is used after chdir("/"), so it must be absolute.
bool absoluteBundle(const char* arg, std::string* out) {
  char buf[PATH_MAX];
  if (realpath(arg, buf) == nullptr) {
    perror(arg);
    return false;
  }
  *out = buf;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // The monitor's own hand-over: its blocked signals and ignored SIGPIPE must stay as they are.
  if (argc >= 2 && std::string_view(argv[1]) == "supervise")
    orch::shim::superviseMonitorCommand(argc - 2, argv + 2);
  // Start from a clean signal state whatever the caller left us (orch-shim blocks signals in
  // its threads; some callers ignore a few): the launched processes inherit it.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  }
  if (argc >= 2 &&
      (std::string_view(argv[1]) == "--version" || std::string_view(argv[1]) == "-v")) {
    printf("orch-monitor %s\n", ORCH_VERSION);
    return 0;
  }
  if (argc < 3) return usage();
  std::string_view mode = argv[1];
  std::string bundle;
  if (mode == "run") {
    if (argc != 3) return usage();
    if (!absoluteBundle(argv[2], &bundle)) return 1;
    return orch::shim::runMonitorCommand(bundle);
  }
  if (mode != "exec") return usage();
  orch::shim::ExecCommand cmd;
  if (!absoluteBundle(argv[2], &cmd.bundle)) return 125;
  int i = 3;
  for (; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a == "--timeout-ms" && i + 1 < argc) {
      std::string_view v = argv[++i];
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), cmd.timeout_ms);
      if (ec != std::errc() || p != v.data() + v.size() || cmd.timeout_ms < 0) return usage();
    } else if (a == "--status-file" && i + 1 < argc) {
      cmd.status_file = argv[++i];
    } else {
      return usage();
    }
  }
  for (; i < argc; ++i) cmd.argv.emplace_back(argv[i]);
  if (cmd.argv.empty()) return usage();
  return orch::shim::runExecCommand(cmd);
}
