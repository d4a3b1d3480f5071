#pragma once
// LinuxHostProbe: the HostProbe of a real Linux host. Files are read under `root` ("/" in
// production; tests point it at a directory holding proc/meminfo, etc/os-release, ...):
//   cpus       sysconf(_SC_NPROCESSORS_ONLN)
//   memory     <root>/proc/meminfo (MemTotal, MemAvailable)
//   filesystem statvfs(path)  (path is used as given, not under root)
//   pids       sysinfo().procs; max = min(<root>/proc/sys/kernel/pid_max, .../threads-max)
//   ids        <root>/etc/machine-id, <root>/sys/class/dmi/id/product_uuid,
//              <root>/proc/sys/kernel/random/boot_id, uname().release, <root>/etc/os-release
//   addresses  netlink in the calling thread's network namespace (main table default routes)
//   hostname   gethostname()
// Threads: stateless apart from `root`; safe from any thread.

#include <string>
#include <string_view>

#include "agent/node/host_probe.h"

namespace orch::agent {

class LinuxHostProbe final : public HostProbe {
 public:
  explicit LinuxHostProbe(std::string root = "/") : root_(std::move(root)) {}

  Result<int64_t> onlineCpus() override;
  Result<MemoryStats> memory() override;
  Result<FsStats> filesystem(const std::string& path) override;
  Result<PidStats> pids() override;
  Result<SystemIds> systemIds() override;
  Result<std::vector<std::string>> defaultRouteAddresses() override;
  Result<std::string> hostname() override;

 private:
  std::string path(std::string_view rel) const;
  std::string root_;
};

// /proc/meminfo text → MemTotal and MemAvailable in bytes (EINVAL when MemTotal is missing;
// MemAvailable falls back to MemFree + Buffers + Cached on kernels without it).
Result<MemoryStats> parseMeminfo(std::string_view text);
// PRETTY_NAME of an os-release file (shell-style quoting undone); "" when absent.
std::string parseOsReleasePrettyName(std::string_view text);

}  // namespace orch::agent
