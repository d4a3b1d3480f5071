#pragma once
// ServiceIpAllocator: Service ClusterIPs from --service-cluster-ip-range, as upstream's bitmap
// allocator: offset i is the address network + 1 + i; the network address and the IPv4
// broadcast address are never handed out. allocateNext() prefers addresses above upstream's
// static subrange (the first min(max(16, size/16), 256) addresses; KEP-3070), which it uses
// only once the rest is full, so that well-known IPs (10.96.0.10) stay free for allocate().
// Upstream's limits: at most 20 host bits (a /12 for IPv4, a /108 for IPv6), and an IPv6 allocator
// covers only the first 65536 addresses of its range (the bitmap stays small). Persisted through
// RangeAllocator (range_allocator.h) with the canonical CIDR as the stored range, e.g. under
// /registry/ranges/serviceips.
//
// Errors carry upstream's messages: EEXIST "provided IP is already allocated", ERANGE "the
// provided IP (x) is not in the valid range. The range of valid IPs is 10.96.0.0/12", ENOSPC
// "range is full", EINVAL for text that is not an IP address; plus RangeAllocator's.
//
// Threads: thread-safe (see RangeAllocator). Movable; the Store must outlive it.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "controlplane/apiserver/allocator/range_allocator.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

class ServiceIpAllocator {
 public:
  // `cidr`: "10.96.0.0/12" or "fd00:10:96::/108" (host bits are masked off, as upstream's
  // ParseCIDR does). EINVAL for a malformed CIDR, a range larger than 20 host bits ("specified
  // --service-cluster-ip-range is too large; for 32-bit addresses, the mask must be >= 12") or
  // one with no usable address (/31, /32, /127, /128).
  static Result<ServiceIpAllocator> create(store::Store& store, std::string_view cidr,
                                           std::string key);

  Result<std::string> allocateNext();
  Status allocate(std::string_view ip);
  // Idempotent; an address outside the range is ignored (as upstream). EINVAL when not an IP.
  Status release(std::string_view ip);
  Result<bool> has(std::string_view ip);
  // Whether `ip` is an address this allocator can hand out.
  bool contains(std::string_view ip) const;
  int family() const { return family_; }  // 4 or 6
  std::string cidr() const { return cidr_; }
  uint64_t size() const { return range_->size(); }
  Result<uint64_t> used() { return range_->used(); }
  // Afterwards exactly `in_use` is allocated. EINVAL/ERANGE (and nothing written) when one of
  // them is not an address of this range: filter with contains() first.
  Status reconcile(const std::vector<std::string>& in_use);

 private:
  ServiceIpAllocator() = default;
  // The offset of `ip`, or EINVAL (not an IP) / ERANGE (not one of ours).
  Result<uint64_t> offsetOf(std::string_view ip) const;
  std::string ipAt(uint64_t offset) const;
  Status notInRange(std::string_view ip) const;

  std::unique_ptr<RangeAllocator> range_;
  int family_ = 4;
  std::array<uint8_t, 16> network_{};  // first 4 bytes for IPv4
  int prefix_len_ = 0;
  int host_bits_ = 0;
  std::string cidr_;
};

}  // namespace orch::apiserver
