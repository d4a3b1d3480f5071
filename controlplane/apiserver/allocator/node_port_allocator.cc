#include "controlplane/apiserver/allocator/node_port_allocator.h"

#include <algorithm>
#include <charconv>

namespace orch::apiserver {

namespace {

// One port number of a range text; EINVAL with what was wrong.
Result<int> parsePort(std::string_view text) {
  int v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Status::invalid("\"" + std::string(text) + "\" is not a port number");
  }
  if (v < 0 || v > 65535) {
    return Status::invalid("port " + std::string(text) + " is outside 0-65535");
  }
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string PortRange::toString() const {
  return std::to_string(base) + "-" + std::to_string(base + size - 1);
}

Result<PortRange> parsePortRange(std::string_view text) {
  std::string_view v = trim(text);
  auto fail = [&](const std::string& why) {
    return Status::invalid("unable to parse port range \"" + std::string(text) + "\": " + why);
  };
  if (v.empty()) return fail("empty range");
  auto hyphen = v.find('-');
  auto plus = v.find('+');
  if (hyphen != std::string_view::npos && plus != std::string_view::npos) {
    return fail("port range cannot contain both '-' and '+'");
  }
  int low = 0, high = 0;
  if (hyphen == std::string_view::npos && plus == std::string_view::npos) {
    auto p = parsePort(v);
    if (!p.ok()) return fail(p.status().context());
    low = high = *p;
  } else {
    auto sep = hyphen != std::string_view::npos ? hyphen : plus;
    auto a = parsePort(v.substr(0, sep));
    if (!a.ok()) return fail(a.status().context());
    auto b = parsePort(v.substr(sep + 1));
    if (!b.ok()) return fail(b.status().context());
    low = *a;
    high = hyphen != std::string_view::npos ? *b : *a + *b;
    if (high > 65535) return fail("end port " + std::to_string(high) + " is outside 0-65535");
  }
  if (high < low) return fail("end port cannot be less than start port");
  return PortRange{.base = low, .size = high - low + 1};
}

Result<NodePortAllocator> NodePortAllocator::create(store::Store& store, std::string_view range,
                                                    std::string key) {
  ORCH_ASSIGN_OR_RETURN(auto pr, parsePortRange(range));
  NodePortAllocator a;
  a.range_ = pr;
  // Upstream's static subrange (KEP-3668): min(max(16, size / 32), 128) ports at the start
  // of the range are left to explicitly requested ports while the dynamic band has room.
  auto size = static_cast<uint64_t>(pr.size);
  uint64_t offset = size <= 16 ? 0 : std::clamp<uint64_t>(size / 32, 16, 128);
  a.alloc_ = std::make_unique<RangeAllocator>(store, std::move(key), pr.toString(), size, offset);
  return a;
}

Status NodePortAllocator::notInRange() const {
  return Status::error(
      ERANGE,
      "provided port is not in the valid range. The range of valid ports is " + range_.toString());
}

Result<int> NodePortAllocator::allocateNext() {
  ORCH_ASSIGN_OR_RETURN(uint64_t off, alloc_->allocateNext());
  return range_.base + static_cast<int>(off);
}

Status NodePortAllocator::allocate(int port) {
  if (!contains(port)) return notInRange();
  Status st = alloc_->allocate(static_cast<uint64_t>(port - range_.base));
  if (st.code() == EEXIST) return Status::exists("provided port is already allocated");
  return st;
}

Status NodePortAllocator::release(int port) {
  if (!contains(port)) return Status::ok();
  return alloc_->release(static_cast<uint64_t>(port - range_.base));
}

Result<bool> NodePortAllocator::has(int port) {
  if (!contains(port)) return false;
  return alloc_->has(static_cast<uint64_t>(port - range_.base));
}

Status NodePortAllocator::reconcile(const std::vector<int>& in_use) {
  std::vector<uint64_t> offsets;
  offsets.reserve(in_use.size());
  for (int p : in_use) {
    if (!contains(p)) return notInRange();
    offsets.push_back(static_cast<uint64_t>(p - range_.base));
  }
  return alloc_->reconcile(offsets);
}

}  // namespace orch::apiserver
