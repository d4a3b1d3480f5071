#pragma once
// HostProbe: what the node code needs to know about the machine it runs on (CPUs, memory,
// filesystem, PIDs, identity, addresses). The real implementation reads /proc, /sys, /etc,
// statvfs, uname and netlink (linux_host_probe.h); tests inject a fake, so everything built on
// top (capacity, addresses, pressure conditions) is testable without the host.
//
// Threads: implementations must allow calls from any thread (the registration, status and
// lease loops may probe concurrently).

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::agent {

struct MemoryStats {
  int64_t totalBytes = 0;      // MemTotal
  int64_t availableBytes = 0;  // MemAvailable
};

struct FsStats {
  int64_t capacityBytes = 0;   // f_blocks * f_frsize
  int64_t availableBytes = 0;  // f_bavail * f_frsize (what an unprivileged writer gets)
  int64_t inodes = 0;          // f_files (0 when the filesystem does not count inodes)
  int64_t inodesFree = 0;      // f_ffree
};

struct PidStats {
  int64_t running = 0;  // processes and threads that exist now
  int64_t max = 0;      // the most that can exist (min of pid_max and threads-max)
};

// The identity of the machine as Node.status.nodeInfo reports it. Fields the host does not
// expose (e.g. an unreadable product_uuid) are left empty.
struct SystemIds {
  std::string machineID;      // /etc/machine-id
  std::string systemUUID;     // /sys/class/dmi/id/product_uuid
  std::string bootID;         // /proc/sys/kernel/random/boot_id
  std::string kernelVersion;  // uname -r
  std::string osImage;        // /etc/os-release PRETTY_NAME ("Linux" when absent)
};

class HostProbe {
 public:
  virtual ~HostProbe() = default;
  // Online logical CPUs.
  virtual Result<int64_t> onlineCpus() = 0;
  virtual Result<MemoryStats> memory() = 0;
  // The filesystem holding `path` (or, when `path` does not exist yet, its nearest existing
  // ancestor).
  virtual Result<FsStats> filesystem(const std::string& path) = 0;
  virtual Result<PidStats> pids() = 0;
  virtual Result<SystemIds> systemIds() = 0;
  // The first global (non-loopback, non-link-local) address of the interface each default
  // route goes out of: at most one IPv4 address, then at most one IPv6 address, as text.
  // An empty list when there is no default route; an error only when the lookup failed.
  virtual Result<std::vector<std::string>> defaultRouteAddresses() = 0;
  // The host name (gethostname).
  virtual Result<std::string> hostname() = 0;
};

}  // namespace orch::agent
