#include "controlplane/apiserver/allocator/service_ip_allocator.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace orch::apiserver {

namespace {

// Upstream's --service-cluster-ip-range limit (maxCIDRBits) and IPv6 bitmap cap.
constexpr int kMaxHostBits = 20;
constexpr uint64_t kMaxV6Size = 65536;

struct Parsed {
  int family = 4;
  std::array<uint8_t, 16> bytes{};
};

std::optional<Parsed> parseIp(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  std::string s(text);
  Parsed p;
  if (inet_pton(AF_INET, s.c_str(), p.bytes.data()) == 1) return p;
  p.family = 6;
  if (s.find('%') == std::string::npos && inet_pton(AF_INET6, s.c_str(), p.bytes.data()) == 1) {
    return p;
  }
  return std::nullopt;
}

std::string formatIp(int family, const std::array<uint8_t, 16>& bytes) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

int bytesOf(int family) {
  return family == 4 ? 4 : 16;
}

}  // namespace

Result<ServiceIpAllocator> ServiceIpAllocator::create(store::Store& store, std::string_view cidr,
                                                      std::string key) {
  auto bad = [&] { return Status::invalid("invalid CIDR address: " + std::string(cidr)); };
  auto slash = cidr.find('/');
  if (slash == std::string_view::npos) return bad();
  auto ip = parseIp(cidr.substr(0, slash));
  if (!ip) return bad();
  std::string_view len_text = cidr.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  const int bits = bytesOf(ip->family) * 8;
  if (ec != std::errc() || end != len_text.data() + len_text.size() || len_text.empty() ||
      len < 0 || len > bits) {
    return bad();
  }
  ServiceIpAllocator a;
  a.family_ = ip->family;
  a.prefix_len_ = len;
  a.host_bits_ = bits - len;
  // Mask off host bits: "10.96.0.1/12" means 10.96.0.0/12.
  for (int i = 0; i < bytesOf(a.family_); ++i) {
    int keep = std::clamp(len - i * 8, 0, 8);
    uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    a.network_[i] = ip->bytes[i] & mask;
  }
  a.cidr_ = formatIp(a.family_, a.network_) + "/" + std::to_string(len);
  if (a.host_bits_ > kMaxHostBits) {
    return Status::invalid(
        "specified --service-cluster-ip-range " + a.cidr_ + " is too large; for " +
        std::to_string(bits) +
        "-bit addresses, the mask must be >= " + std::to_string(bits - kMaxHostBits));
  }
  if (a.host_bits_ < 2) {
    return Status::invalid("specified --service-cluster-ip-range " + a.cidr_ +
                           " is too small: it has no usable address");
  }
  uint64_t size = uint64_t{1} << a.host_bits_;
  if (a.family_ == 6) size = std::min(size, kMaxV6Size);
  size -= a.family_ == 4 ? 2 : 1;  // the network address, and the IPv4 broadcast
  // Upstream's static subrange (KEP-3070): min(max(16, cidr size / 16), 256) addresses at the
  // start of the range are left to explicitly requested IPs (10.96.0.10 for DNS) while the
  // dynamic band has room; none for ranges of at most 16 addresses.
  uint64_t cidr_size = uint64_t{1} << a.host_bits_;
  uint64_t offset = cidr_size <= 16 ? 0 : std::clamp<uint64_t>(cidr_size / 16, 16, 256);
  a.range_ = std::make_unique<RangeAllocator>(store, std::move(key), a.cidr_, size, offset);
  return a;
}

Status ServiceIpAllocator::notInRange(std::string_view ip) const {
  return Status::error(ERANGE, "the provided IP (" + std::string(ip) +
                                   ") is not in the valid range. The range of valid IPs is " +
                                   cidr_);
}

Result<uint64_t> ServiceIpAllocator::offsetOf(std::string_view text) const {
  auto ip = parseIp(text);
  if (!ip)
    return Status::invalid("the provided IP (" + std::string(text) + ") is not an IP address");
  if (ip->family != family_) return notInRange(text);
  // The prefix bits must match the network's.
  for (int i = 0; i < bytesOf(family_); ++i) {
    int keep = std::clamp(prefix_len_ - i * 8, 0, 8);
    uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    if ((ip->bytes[i] & mask) != network_[i]) return notInRange(text);
  }
  // At most 20 host bits: they fit in the last 3 bytes.
  uint64_t host = 0;
  int n = bytesOf(family_);
  for (int i = n - 3; i < n; ++i) host = (host << 8) | ip->bytes[i];
  host &= (uint64_t{1} << host_bits_) - 1;
  if (host == 0 || host > range_->size()) return notInRange(text);
  return host - 1;
}

std::string ServiceIpAllocator::ipAt(uint64_t offset) const {
  auto bytes = network_;
  uint64_t host = offset + 1;  // host bits of the network are zero: no carry past them
  int n = bytesOf(family_);
  for (int i = n - 1; i >= n - 3; --i) {
    bytes[i] |= static_cast<uint8_t>(host & 0xff);
    host >>= 8;
  }
  return formatIp(family_, bytes);
}

bool ServiceIpAllocator::contains(std::string_view ip) const {
  return offsetOf(ip).ok();
}

Result<std::string> ServiceIpAllocator::allocateNext() {
  ORCH_ASSIGN_OR_RETURN(uint64_t off, range_->allocateNext());
  return ipAt(off);
}

Status ServiceIpAllocator::allocate(std::string_view ip) {
  ORCH_ASSIGN_OR_RETURN(uint64_t off, offsetOf(ip));
  Status st = range_->allocate(off);
  if (st.code() == EEXIST) return Status::exists("provided IP is already allocated");
  return st;
}

Status ServiceIpAllocator::release(std::string_view ip) {
  auto off = offsetOf(ip);
  if (!off.ok()) return off.status().code() == ERANGE ? Status::ok() : off.status();
  return range_->release(*off);
}

Result<bool> ServiceIpAllocator::has(std::string_view ip) {
  auto off = offsetOf(ip);
  if (!off.ok()) {
    if (off.status().code() == ERANGE) return false;
    return off.status();
  }
  return range_->has(*off);
}

Status ServiceIpAllocator::reconcile(const std::vector<std::string>& in_use) {
  std::vector<uint64_t> offsets;
  offsets.reserve(in_use.size());
  for (const auto& ip : in_use) {
    ORCH_ASSIGN_OR_RETURN(uint64_t off, offsetOf(ip));
    offsets.push_back(off);
  }
  return range_->reconcile(offsets);
}

}  // namespace orch::apiserver
