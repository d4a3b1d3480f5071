#pragma once
// host-local's on-disk state, in the reference plugin's layout so either plugin can continue
// the other's directory <dataDir>/<network>/:
//   <ip>                   one per allocation, "<containerID>\r\n<ifname>"
//   last_reserved_ip.<n>   the last address handed out from range set n
//   lock                   flock(2)ed for the whole of every operation (by both plugins)
// An allocation file is created atomically (written to a temp file, then link(2)ed to its
// name, which fails if the address is taken), so a plugin killed mid-ADD leaves the address
// either fully reserved or free; a leftover temp file holds the same content and is removed by
// the next operation under the lock, or by the DEL for its container.
// Not thread-safe: one DiskStore per operation; processes serialise through the lock.

#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/base/unique_fd.h"
#include "common/cni/ip.h"

namespace orch::cni::hostlocal {

struct Allocation {
  IpAddr ip;
  std::string container_id;
  std::string ifname;
};

class DiskStore {
 public:
  // Creates <data_dir>/<network> (mode 0755) and opens its lock file. Does not lock.
  static Result<DiskStore> open(const std::string& data_dir, const std::string& network);

  // Blocks until the exclusive flock is held; released by unlock() or destruction. Also
  // removes temp files a killed operation left (nobody else writes while we hold the lock).
  Status lock();
  void unlock();

  const std::string& dir() const { return dir_; }

  // Reserves `ip` for (id, ifname): false if it is already taken. Records it as the last
  // reserved address of range set `range_id`.
  Result<bool> reserve(const std::string& id, const std::string& ifname, const IpAddr& ip,
                       int range_id);
  Result<std::optional<IpAddr>> lastReservedIp(int range_id) const;
  // Every allocation in the directory.
  Result<std::vector<Allocation>> list() const;
  // The addresses held by (id, ifname).
  Result<std::vector<IpAddr>> getById(const std::string& id, const std::string& ifname) const;
  // Removes every allocation of (id, ifname); none is not an error.
  Status releaseById(const std::string& id, const std::string& ifname);
  Status release(const IpAddr& ip);

 private:
  DiskStore(std::string dir, UniqueFd lock) : dir_(std::move(dir)), lock_fd_(std::move(lock)) {}
  Status sweepTemps();

  std::string dir_;
  UniqueFd lock_fd_;
  bool locked_ = false;
};

// "<id>\r\n<ifname>": the reference's allocation file content.
std::string allocationContent(const std::string& id, const std::string& ifname);

}  // namespace orch::cni::hostlocal
