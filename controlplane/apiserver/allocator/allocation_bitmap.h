#pragma once
// AllocationBitmap: `size` bits, bit i set when offset i is allocated, with upstream's
// serialization: the bitmap as a big integer (bit i = 2^i) in minimal big-endian bytes (Go's
// big.Int.Bytes()), which is what Kubernetes keeps base64-encoded in RangeAllocation.data.
// A plain value; not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::apiserver {

class AllocationBitmap {
 public:
  explicit AllocationBitmap(uint64_t size) : size_(size), words_((size + 63) / 64, 0) {}

  uint64_t size() const { return size_; }
  bool test(uint64_t i) const { return i < size_ && (words_[i / 64] >> (i % 64)) & 1; }
  // Both return whether the bit changed; offsets >= size() are ignored.
  bool set(uint64_t i);
  bool clear(uint64_t i);
  uint64_t count() const;
  // The first clear bit at or after `start`, wrapping around; nullopt when all are set.
  std::optional<uint64_t> firstClearFrom(uint64_t start) const;
  // The same within [lo, hi): from `start` to hi, then from lo. A start outside the band
  // becomes lo + start % (hi - lo).
  std::optional<uint64_t> firstClearIn(uint64_t lo, uint64_t hi, uint64_t start) const;

  // Minimal big-endian bytes of the big integer (empty when no bit is set).
  std::string toBytes() const;
  // The inverse; bits at or above `size` are dropped (a shrunken range forgets them).
  static AllocationBitmap fromBytes(std::string_view bytes, uint64_t size);

 private:
  uint64_t size_;
  std::vector<uint64_t> words_;
};

}  // namespace orch::apiserver
