#pragma once
// IpAddress and IpPrefix: small value types for IPv4 / IPv6 addresses and CIDR
// prefixes, shared by netlink, IPAM and the CNI plugins. They are plain values
// (copyable, comparable, hashable by their bytes); parsing reports bad input as a
// Status naming the text that was rejected.

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch::netlink {

enum class IpFamily { kV4, kV6 };

// The AF_INET / AF_INET6 constant of a family.
int toAf(IpFamily f);
// "ipv4" / "ipv6" (the /proc/sys/net/<family> directory names).
const char* familyName(IpFamily f);

class IpAddress {
 public:
  // The IPv4 address 0.0.0.0.
  IpAddress() = default;

  // Parses dotted IPv4 ("10.1.2.3") or IPv6 ("fd00::1"; no zone index).
  static Result<IpAddress> parse(std::string_view text);
  // From network-order bytes: 4 bytes for IPv4, 16 for IPv6; anything else is EINVAL.
  static Result<IpAddress> fromBytes(const uint8_t* data, size_t len);
  static IpAddress v4(uint32_t host_order);
  // The all-zero address of a family (0.0.0.0 or ::).
  static IpAddress any(IpFamily f);

  IpFamily family() const { return family_; }
  bool isV4() const { return family_ == IpFamily::kV4; }
  bool isV6() const { return family_ == IpFamily::kV6; }
  // 4 or 16.
  size_t byteLength() const { return isV4() ? 4 : 16; }
  // 32 or 128.
  int bitLength() const { return isV4() ? 32 : 128; }
  // Network-order bytes; only the first byteLength() are meaningful.
  const uint8_t* data() const { return bytes_.data(); }
  // Host-order value of an IPv4 address (0 for IPv6).
  uint32_t v4Value() const;
  bool isZero() const;

  // Canonical text: "10.1.2.3", "fd00::1" (RFC 5952 via inet_ntop).
  std::string toString() const;

  // The next / previous address; nullopt when it would wrap around.
  std::optional<IpAddress> next() const;
  std::optional<IpAddress> prev() const;

  // Orders IPv4 before IPv6, then by value.
  std::strong_ordering operator<=>(const IpAddress& o) const;
  bool operator==(const IpAddress& o) const = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

class IpPrefix {
 public:
  IpPrefix() = default;
  // An address with a prefix length; host bits are kept (an interface address
  // "10.1.2.3/24" is a valid IpPrefix). Length > bitLength() is EINVAL.
  static Result<IpPrefix> make(const IpAddress& addr, int prefix_len);
  // Parses "10.1.2.3/24" or "fd00::1/64". The "/len" part is required.
  static Result<IpPrefix> parse(std::string_view text);
  // The single-host prefix of an address (/32 or /128).
  static IpPrefix host(const IpAddress& addr);

  const IpAddress& address() const { return addr_; }
  int length() const { return len_; }
  IpFamily family() const { return addr_.family(); }
  bool isV4() const { return addr_.isV4(); }

  // The first address (host bits cleared) and the prefix with it: 10.1.2.0/24.
  IpAddress network() const;
  IpPrefix masked() const;
  // The last address (host bits set): 10.1.2.255 for 10.1.2.3/24.
  IpAddress broadcast() const;
  // The netmask as an address: 255.255.255.0 for /24.
  IpAddress netmask() const;
  // Whether an address (of the same family) lies inside the prefix.
  bool contains(const IpAddress& a) const;
  // Whether a whole prefix lies inside this one.
  bool contains(const IpPrefix& p) const;

  // "10.1.2.3/24" (the address as given, not masked).
  std::string toString() const;

  auto operator<=>(const IpPrefix& o) const = default;

 private:
  IpAddress addr_;
  int len_ = 0;
};

// MAC addresses as "aa:bb:cc:dd:ee:ff" text (what the kernel's IFLA_ADDRESS holds for
// Ethernet-like links).
using MacBytes = std::array<uint8_t, 6>;
Result<MacBytes> parseMac(std::string_view text);
std::string formatMac(const uint8_t* data, size_t len);

}  // namespace orch::netlink
