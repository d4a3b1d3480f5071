#pragma once
// CPU accounting from /proc for the benchmark's "where does the time go" notes: a process's
// user and system CPU time, the machine's busy and total CPU time, and finding a child process
// by its command name. Read-only; every function returns zeros / -1 when /proc cannot be read.

#include <sys/types.h>

#include <chrono>
#include <string>

namespace orch::bench {

struct ProcCpu {
  double user = 0, sys = 0;  // seconds
};
// utime and stime of `pid` (/proc/<pid>/stat); `pid` 0 is this process.
ProcCpu processCpu(pid_t pid);

struct MachineCpu {
  double busy = 0, total = 0;  // seconds summed over all CPUs (/proc/stat "cpu" line)
};
MachineCpu machineCpu();

// The pid of a direct child of this process whose command name (comm) is `comm`; -1 if none.
pid_t findChild(const std::string& comm);

// CPU use of the server (and optionally a second process, e.g. etcd), of this benchmark process
// and of the whole machine between construction and text().
class CpuMeter {
 public:
  CpuMeter(pid_t server, pid_t other = -1, std::string other_name = "");
  // "server 117% (usr 80 sys 37) 330 us/op; bench 60%; machine busy 98%" -- per cent of one CPU.
  std::string text(long ops = 0) const;
  struct Used {
    double server = 0, other = 0, bench = 0;  // CPU seconds so far (user + system)
    double server_user = 0;                   // the server's user part
  };
  Used used() const;

 private:
  pid_t server_, other_;
  std::string other_name_;
  ProcCpu server0_, other0_, self0_;
  MachineCpu machine0_;
  std::chrono::steady_clock::time_point t0_;
};

}  // namespace orch::bench
