#pragma once
// IP addresses and prefixes for CNI (IPv4 and IPv6), as the CNI JSON spells them
// ("10.1.0.2", "10.1.0.2/24", "fd00::2/64"). Value types; all functions are pure and
// thread-safe. Parsing failures are Status::invalid naming the offending text.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch::cni {

class IpAddr {
 public:
  IpAddr() = default;
  static Result<IpAddr> parse(std::string_view text);
  static IpAddr v4(uint32_t host_order);

  bool isV4() const { return v4_; }
  bool valid() const { return valid_; }
  int bits() const { return v4_ ? 32 : 128; }
  // Network-order bytes; the first 4 are used for IPv4.
  const std::array<uint8_t, 16>& bytes() const { return b_; }
  std::string toString() const;  // canonical (inet_ntop) form

  // The address +1 / -1, wrapping within the family.
  IpAddr next() const;
  IpAddr prev() const;
  // This address with every bit past `prefix` cleared (mask) or set (fill).
  IpAddr masked(int prefix) const;
  IpAddr filled(int prefix) const;

  auto operator<=>(const IpAddr& o) const = default;

 private:
  bool valid_ = false;
  bool v4_ = false;
  std::array<uint8_t, 16> b_{};
};

struct IpNet {
  IpAddr ip;  // may have host bits set ("10.1.0.2/24" as an interface address)
  int prefix = 0;

  // "addr/prefix"; the address keeps its host bits.
  static Result<IpNet> parse(std::string_view text);
  std::string toString() const;
  IpAddr network() const { return ip.masked(prefix); }
  // The last address of the prefix (the IPv4 broadcast).
  IpAddr last() const { return ip.filled(prefix); }
  bool contains(const IpAddr& a) const;
  bool operator==(const IpNet& o) const = default;
};

}  // namespace orch::cni
