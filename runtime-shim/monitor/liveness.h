#pragma once
// Is a recorded pid still the process we started? A pid alone can be recycled, so a process
// counts as alive only when /proc/<pid>/stat shows the recorded start time and it is not a
// zombie (a dead monitor reparented to an init that does not reap stays a zombie).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "runtime-shim/monitor/bundle_state.h"

namespace orch::shim {

class ProcessProbe {
 public:
  virtual ~ProcessProbe() = default;
  // The start time (field 22 of /proc/<pid>/stat) of a live, non-zombie process; nullopt when
  // there is no such process.
  virtual std::optional<uint64_t> startTime(pid_t pid) const = 0;
};

// Reads /proc of the caller's pid namespace.
class ProcProbe final : public ProcessProbe {
 public:
  std::optional<uint64_t> startTime(pid_t pid) const override;
};

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
  uint64_t start_time = 0;
};
// Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses).
std::optional<ProcStat> parseProcStat(std::string_view text);

// The start time of `pid` whatever its state (zombies included); nullopt when there is none.
std::optional<uint64_t> procStartTime(pid_t pid);

bool isSameProcess(const ProcessProbe& probe, pid_t pid, uint64_t start_time);

// What is true now, given a record read from state.json: as recorded while the monitor
// lives (or the process outlives it); when the monitor is gone and the process too without
// an exit recorded, an exit with reason "Error", exit code 255 at `now_ns`. Sets
// *synthesized in that case.
MonitorRecord resolveRecord(const MonitorRecord& recorded, const ProcessProbe& probe,
                            int64_t now_ns, bool* synthesized);

}  // namespace orch::shim
