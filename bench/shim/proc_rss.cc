#include "proc_rss.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/base/file_util.h"

namespace orch::bench {

long procKiB(pid_t pid, const char* file, const char* key) {
  auto text = readFile("/proc/" + std::to_string(pid) + "/" + file);
  if (!text.ok()) return -1;
  const std::string prefix = std::string(key) + ":";
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) return std::strtol(line.c_str() + prefix.size(), nullptr, 10);
  }
  return 0;
}

std::string processComm(pid_t pid) {
  std::string comm = readFile("/proc/" + std::to_string(pid) + "/comm").valueOr("");
  if (!comm.empty() && comm.back() == '\n') comm.pop_back();
  return comm;
}

Memory processMemory(pid_t pid) {
  Memory m;
  m.rss_kib = procKiB(pid, "status", "VmRSS");
  if (m.rss_kib < 0) return {};
  m.anon_kib = std::max(0L, procKiB(pid, "status", "RssAnon"));
  m.pss_kib = std::max(0L, procKiB(pid, "smaps_rollup", "Pss"));
  return m;
}

RssSample sampleRss(pid_t daemon, const std::vector<pid_t>& pids, const std::string& helper_comm) {
  RssSample s;
  s.daemon = processMemory(daemon);
  for (pid_t pid : pids) {
    if (pid == daemon) continue;
    const std::string comm = processComm(pid);
    Memory m = processMemory(pid);
    if (comm.empty() || m.rss_kib == 0) continue;  // gone, or a zombie
    if (comm == helper_comm) {
      s.helpers += m;
      ++s.helper_count;
    } else {
      s.others_kib += m.rss_kib;
      ++s.others;
    }
  }
  return s;
}

}  // namespace orch::bench
