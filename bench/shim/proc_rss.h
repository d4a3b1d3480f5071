#pragma once
// Resident memory of a runtime daemon and its helper processes, from /proc/<pid>/status VmRSS
// (the headline figure), plus RssAnon and the proportional set size (smaps_rollup Pss) because
// VmRSS counts shared library pages once per process: summed over a hundred small helpers it
// mostly counts the same libc pages again and again.
// The processes are the pids of the node's tracking cgroup (the daemon and everything it forked
// and that stayed there: orch-monitor / containerd-shim-runc-v2; containers and pause processes
// live in their pods' cgroups), so nothing the benchmark did not start is ever counted.
// Read-only; a process that vanished between listing and reading counts as 0.

#include <sys/types.h>

#include <string>
#include <vector>

namespace orch::bench {

// The "<key>:" line of a /proc file in KiB ("VmRSS" in status, "Pss" in smaps_rollup); -1 when
// the file cannot be read, 0 when the line is absent (kernel threads, zombies).
long procKiB(pid_t pid, const char* file, const char* key);
// The command name (/proc/<pid>/comm without the newline); "" when gone.
std::string processComm(pid_t pid);

struct Memory {
  long rss_kib = 0, anon_kib = 0, pss_kib = 0;
  Memory& operator+=(const Memory& o) {
    rss_kib += o.rss_kib;
    anon_kib += o.anon_kib;
    pss_kib += o.pss_kib;
    return *this;
  }
};
// VmRSS, RssAnon and Pss of one process; all 0 when it is gone.
Memory processMemory(pid_t pid);

struct RssSample {
  Memory daemon;   // the daemon alone
  Memory helpers;  // all helper processes (comm == helper)
  int helper_count = 0;
  long others_kib = 0;  // VmRSS of anything else in the cgroup then (e.g. a runc call)
  int others = 0;
  Memory total() const {
    Memory m = daemon;
    return m += helpers;
  }
};

// Splits `pids` into the daemon, helpers with comm `helper_comm`, and others.
RssSample sampleRss(pid_t daemon, const std::vector<pid_t>& pids, const std::string& helper_comm);

}  // namespace orch::bench
