#include "controlplane/apiserver/allocator/allocation_bitmap.h"

#include <algorithm>
#include <bit>

namespace orch::apiserver {

bool AllocationBitmap::set(uint64_t i) {
  if (i >= size_ || test(i)) return false;
  words_[i / 64] |= uint64_t{1} << (i % 64);
  return true;
}

bool AllocationBitmap::clear(uint64_t i) {
  if (!test(i)) return false;
  words_[i / 64] &= ~(uint64_t{1} << (i % 64));
  return true;
}

uint64_t AllocationBitmap::count() const {
  uint64_t n = 0;
  for (uint64_t w : words_) n += static_cast<uint64_t>(std::popcount(w));
  return n;
}

std::optional<uint64_t> AllocationBitmap::firstClearFrom(uint64_t start) const {
  return firstClearIn(0, size_, start);
}

std::optional<uint64_t> AllocationBitmap::firstClearIn(uint64_t lo, uint64_t hi,
                                                       uint64_t start) const {
  hi = std::min(hi, size_);
  if (lo >= hi) return std::nullopt;
  if (start < lo || start >= hi) start = lo + start % (hi - lo);
  // Scan word by word from start to hi, then from lo up to start.
  auto scan = [&](uint64_t from, uint64_t to) -> std::optional<uint64_t> {
    uint64_t i = from;
    while (i < to) {
      uint64_t word = ~words_[i / 64] >> (i % 64);  // clear bits of this word from i on
      if (word == 0) {
        i = (i / 64 + 1) * 64;
        continue;
      }
      uint64_t cand = i + static_cast<uint64_t>(std::countr_zero(word));
      return cand < to ? std::optional<uint64_t>(cand) : std::nullopt;
    }
    return std::nullopt;
  };
  if (auto r = scan(start, hi)) return r;
  return scan(lo, start);
}

std::string AllocationBitmap::toBytes() const {
  std::string out;
  out.reserve(words_.size() * 8);
  for (size_t w = words_.size(); w-- > 0;) {
    for (int b = 7; b >= 0; --b) out.push_back(static_cast<char>((words_[w] >> (b * 8)) & 0xff));
  }
  size_t lead = out.find_first_not_of('\0');
  return lead == std::string::npos ? std::string() : out.substr(lead);
}

AllocationBitmap AllocationBitmap::fromBytes(std::string_view bytes, uint64_t size) {
  AllocationBitmap bm(size);
  // The last byte holds bits 0..7.
  for (size_t k = 0; k < bytes.size(); ++k) {
    auto byte = static_cast<uint8_t>(bytes[bytes.size() - 1 - k]);
    for (int b = 0; b < 8; ++b) {
      if (byte & (1u << b)) bm.set(k * 8 + static_cast<uint64_t>(b));
    }
  }
  return bm;
}

}  // namespace orch::apiserver
