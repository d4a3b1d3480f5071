#pragma once
// NodePortAllocator: Service NodePorts from --service-node-port-range, as upstream's bitmap
// port allocator (offset i is port base + i), persisted through RangeAllocator with the range
// text ("30000-32767") as the stored range, e.g. under /registry/ranges/servicenodeports.
// allocateNext() prefers ports above upstream's static subrange (the first
// min(max(16, size/32), 128) ports; KEP-3668), which it uses only once the rest is full.
//
// Errors carry upstream's messages: EEXIST "provided port is already allocated", ERANGE
// "provided port is not in the valid range. The range of valid ports is 30000-32767", ENOSPC
// "range is full"; plus RangeAllocator's.
//
// Threads: thread-safe (see RangeAllocator). Movable; the Store must outlive it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "controlplane/apiserver/allocator/range_allocator.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

struct PortRange {
  int base = 0;  // the first port
  int size = 0;  // how many ports
  // "30000-32767" (upstream's PortRange.String()).
  std::string toString() const;
  bool contains(int port) const { return port >= base && port < base + size; }
};

// Parses upstream's --service-node-port-range forms: "30000-32767", "30000+2767" (base +
// offset) or a single port "30000". EINVAL naming the text: "unable to parse port range
// \"x\": ..." for a malformed or out-of-bounds (0..65535) port, both '-' and '+', or an end
// before the start; an empty text is EINVAL too (an empty range allocates nothing).
Result<PortRange> parsePortRange(std::string_view text);

class NodePortAllocator {
 public:
  static Result<NodePortAllocator> create(store::Store& store, std::string_view range,
                                          std::string key);

  Result<int> allocateNext();
  Status allocate(int port);
  // Idempotent; a port outside the range is ignored (as upstream).
  Status release(int port);
  Result<bool> has(int port);
  bool contains(int port) const { return range_.contains(port); }
  std::string range() const { return range_.toString(); }
  const PortRange& portRange() const { return range_; }
  Result<uint64_t> used() { return alloc_->used(); }
  // Afterwards exactly `in_use` is allocated. ERANGE (nothing written) for a port outside the
  // range: filter with contains() first.
  Status reconcile(const std::vector<int>& in_use);

 private:
  NodePortAllocator() = default;
  Status notInRange() const;

  PortRange range_;
  std::unique_ptr<RangeAllocator> alloc_;
};

}  // namespace orch::apiserver
