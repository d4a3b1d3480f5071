#pragma once
// RangeAllocator: allocation of the offsets 0..size-1 of a range, persisted in ONE store key as
// a Kubernetes RangeAllocation object (what upstream keeps in /registry/ranges/serviceips and
// /registry/ranges/servicenodeports):
//   {"kind":"RangeAllocation","apiVersion":"v1","metadata":{...},"range":"<description>",
//    "data":"<base64 of the bitmap>"}
// with the bitmap in upstream's encoding (allocation_bitmap.h). Every change is a
// read-modify-write of that key with compare-and-swap on its mod_revision, retried on
// conflict, so several apiservers sharing one store (etcd) never hand out the same offset.
//
// The stored "range" must equal this allocator's range_description: an allocation written for
// another range (the flag changed) fails every operation with EINVAL "the provided range (...)
// does not match the current range (...)" until reconcile() rewrites it for the new range.
//
// Errors: ENOSPC "range is full", EEXIST "already allocated", ERANGE outside 0..size-1,
// EIO for a stored value that cannot be decoded (reconcile() rewrites it), EAGAIN when conflicts
// persist after many retries, and the store's own errors.
//
// Threads: all methods are thread-safe (calls on one instance are serialized; instances in
// other processes are kept apart by the compare-and-swap). The Store must outlive the
// allocator.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "controlplane/apiserver/allocator/allocation_bitmap.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

class RangeAllocator {
 public:
  // `dynamic_offset`: allocateNext() prefers offsets >= dynamic_offset and takes lower ones
  // only when those are exhausted, leaving [0, dynamic_offset) to explicit allocate() calls
  // (upstream's static subranges, KEP-3070 / KEP-3668). 0 = the whole range alike.
  RangeAllocator(store::Store& store, std::string key, std::string range_description, uint64_t size,
                 uint64_t dynamic_offset = 0);
  RangeAllocator(const RangeAllocator&) = delete;
  RangeAllocator& operator=(const RangeAllocator&) = delete;

  // A free offset, now allocated. The search starts at a random offset of the dynamic band
  // (so that apiservers racing on one store rarely want the same one), falls back to the
  // static band below dynamic_offset, and never returns one in use.
  Result<uint64_t> allocateNext();
  // Allocates a given offset: EEXIST when taken, ERANGE when >= size.
  Status allocate(uint64_t offset);
  // Frees an offset; releasing a free or out-of-range offset does nothing (idempotent).
  Status release(uint64_t offset);
  // Whether an offset is allocated (false outside the range).
  Result<bool> has(uint64_t offset);
  // How many offsets are allocated.
  Result<uint64_t> used();
  // Repair at startup: afterwards exactly `in_use` is allocated (for this allocator's range,
  // whatever range the stored value had). ERANGE (and nothing written) when one is >= size.
  // The caller lists the objects holding offsets; an allocation made by another apiserver
  // between that list and this call is lost, as with upstream's repair loop.
  Status reconcile(const std::vector<uint64_t>& in_use);

  uint64_t size() const { return size_; }
  uint64_t dynamicOffset() const { return offset_; }
  const std::string& key() const { return key_; }
  const std::string& rangeDescription() const { return range_; }

 private:
  struct Snapshot {
    AllocationBitmap bitmap;
    int64_t mod_revision = 0;  // 0 when the key does not exist yet
    bool range_matches = true;
    std::string stored_range;
    Status corrupt;  // EIO when the stored value cannot be decoded (bitmap then empty)
  };
  // The error that makes a snapshot unusable for ordinary operations (ok when usable).
  Status unusable(const Snapshot& s) const;
  // Reads the key (an absent key is an empty bitmap).
  Result<Snapshot> read();
  // The CAS loop: `mutate` edits the bitmap and returns whether to write it (false = nothing
  // to do) or an error to stop with. `repair` lets reconcile() overwrite a value stored for
  // another range or one that cannot be decoded.
  Status modify(const std::function<Result<bool>(AllocationBitmap&)>& mutate, bool repair = false);
  std::string encode(const AllocationBitmap& bm) const;
  Status mismatch(const Snapshot& s) const;

  store::Store& store_;
  const std::string key_;
  const std::string range_;
  const uint64_t size_;
  const uint64_t offset_;
  std::mutex mu_;  // serializes this instance's read-modify-writes; guards rng_
  std::mt19937_64 rng_;
};

}  // namespace orch::apiserver
