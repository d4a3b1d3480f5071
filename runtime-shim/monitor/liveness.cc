#include "runtime-shim/monitor/liveness.h"

#include <charconv>
#include <string>
#include <vector>

#include "common/base/file_util.h"

namespace orch::shim {

std::optional<ProcStat> parseProcStat(std::string_view text) {
  // "<pid> (<comm>) <state> <ppid> ..." — comm may contain ") ", so split at the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string_view::npos || close + 2 > text.size()) return std::nullopt;
  std::string_view rest = text.substr(close + 2);
  std::vector<std::string_view> fields;
  while (!rest.empty()) {
    size_t sp = rest.find(' ');
    fields.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  if (fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
  ProcStat st;
  st.state = fields[0][0];
  auto num = [](std::string_view s, auto& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (!num(fields[1], st.ppid) || !num(fields[19], st.start_time)) return std::nullopt;
  return st;
}

namespace {

std::optional<ProcStat> readProcStat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  Result<std::string> text = readFile("/proc/" + std::to_string(pid) + "/stat");
  if (!text.ok()) return std::nullopt;
  return parseProcStat(*text);
}

}  // namespace

std::optional<uint64_t> ProcProbe::startTime(pid_t pid) const {
  std::optional<ProcStat> st = readProcStat(pid);
  if (!st || st->state == 'Z' || st->state == 'X') return std::nullopt;
  return st->start_time;
}

std::optional<uint64_t> procStartTime(pid_t pid) {
  std::optional<ProcStat> st = readProcStat(pid);
  if (!st) return std::nullopt;
  return st->start_time;
}

bool isSameProcess(const ProcessProbe& probe, pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  std::optional<uint64_t> t = probe.startTime(pid);
  return t && *t == start_time;
}

MonitorRecord resolveRecord(const MonitorRecord& recorded, const ProcessProbe& probe,
                            int64_t now_ns, bool* synthesized) {
  *synthesized = false;
  const ProcessState& s = recorded.state;
  if (s.phase == ProcessState::Phase::kExited) return recorded;
  if (isSameProcess(probe, s.monitor_pid, recorded.monitor_start_time)) return recorded;
  // The monitor is gone. A process that outlived it still runs (destroy() kills it and then
  // records the exit); otherwise nobody saw how it ended.
  if (s.phase == ProcessState::Phase::kRunning &&
      isSameProcess(probe, s.pid, recorded.pid_start_time)) {
    return recorded;
  }
  MonitorRecord out = recorded;
  out.state.phase = ProcessState::Phase::kExited;
  out.state.exit_code = 255;
  out.state.reason = "Error";
  out.state.finished_at_ns = now_ns;
  out.state.message = "orch-monitor exited without recording the process's exit";
  *synthesized = true;
  return out;
}

}  // namespace orch::shim
