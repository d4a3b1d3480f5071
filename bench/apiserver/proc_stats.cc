#include "proc_stats.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/base/file_util.h"

namespace orch::bench {

namespace {

// The fields of /proc/<pid>/stat after the command name (field 3 onwards), and the name.
bool readStat(pid_t pid, std::string* comm, std::vector<std::string>* fields) {
  auto stat = readFile(pid == 0 ? "/proc/self/stat" : "/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return false;
  // The command name is in parentheses and may contain spaces.
  auto open = stat->find('(');
  auto close = stat->rfind(')');
  if (open == std::string::npos || close == std::string::npos) return false;
  *comm = stat->substr(open + 1, close - open - 1);
  std::istringstream in(stat->substr(close + 2));
  std::string f;
  while (in >> f) fields->push_back(f);
  return true;
}

std::string pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", v);
  return buf;
}

}  // namespace

ProcCpu processCpu(pid_t pid) {
  std::string comm;
  std::vector<std::string> f;
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  if (pid < 0 || !readStat(pid, &comm, &f) || f.size() < 13) return {};
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {std::stod(f[11]) / tick, std::stod(f[12]) / tick};
}

MachineCpu machineCpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  if (cpu != "cpu") return {};
  // user nice system idle iowait irq softirq steal
  double v[8] = {};
  for (double& x : v) in >> x;
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double total = 0;
  for (double x : v) total += x;
  return {(total - v[3] - v[4]) / tick, total / tick};
}

pid_t findChild(const std::string& comm) {
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return -1;
  pid_t found = -1;
  const pid_t self = ::getpid();
  while (dirent* e = ::readdir(d)) {
    pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
    if (pid <= 0) continue;
    std::string name;
    std::vector<std::string> f;
    if (readStat(pid, &name, &f) && f.size() > 1 && name == comm && std::stol(f[1]) == self) {
      found = pid;
      break;
    }
  }
  ::closedir(d);
  return found;
}

CpuMeter::CpuMeter(pid_t server, pid_t other, std::string other_name)
    : server_(server),
      other_(other),
      other_name_(std::move(other_name)),
      server0_(processCpu(server)),
      other0_(processCpu(other)),
      self0_(processCpu(0)),
      machine0_(machineCpu()),
      t0_(std::chrono::steady_clock::now()) {}

std::string CpuMeter::text(long ops) const {
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  if (wall <= 0) return "";
  const Used u = used();
  const MachineCpu m = machineCpu();
  const double su = u.server_user, ss = u.server - su;
  std::string out = "server " + pct(100 * (su + ss) / wall) + " (usr " + pct(100 * su / wall) +
                    " sys " + pct(100 * ss / wall) + ")";
  if (ops > 0)
    out += " " + std::to_string(static_cast<long>(1e6 * u.server / static_cast<double>(ops))) +
           " us/op";
  if (other_ > 0) out += "; " + other_name_ + " " + pct(100 * u.other / wall);
  out += "; bench " + pct(100 * u.bench / wall);
  double total = m.total - machine0_.total;
  if (total > 0) out += "; machine busy " + pct(100 * (m.busy - machine0_.busy) / total);
  return out;
}

CpuMeter::Used CpuMeter::used() const {
  auto since = [](pid_t pid, const ProcCpu& start) {
    ProcCpu now = processCpu(pid);  // zeros (as `start`) for a pid of -1
    return ProcCpu{now.user - start.user, now.sys - start.sys};
  };
  const ProcCpu server = since(server_, server0_), other = since(other_, other0_),
                self = since(0, self0_);
  return {.server = server.user + server.sys,
          .other = other.user + other.sys,
          .bench = self.user + self.sys,
          .server_user = server.user};
}

}  // namespace orch::bench
