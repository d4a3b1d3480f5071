#include "common/netlink/ip_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>

namespace orch::netlink {

int toAf(IpFamily f) {
  return f == IpFamily::kV4 ? AF_INET : AF_INET6;
}

const char* familyName(IpFamily f) {
  return f == IpFamily::kV4 ? "ipv4" : "ipv6";
}

Result<IpAddress> IpAddress::parse(std::string_view text) {
  // inet_pton needs a NUL-terminated string; addresses are short.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) {
    return Status::invalid("invalid IP address \"" + std::string(text) + "\"");
  }
  std::string s(text);
  IpAddress a;
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.bytes_.data()) == 1) return a;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes_.data()) == 1) {
    a.family_ = IpFamily::kV6;
    return a;
  }
  return Status::invalid("invalid IP address \"" + s + "\"");
}

Result<IpAddress> IpAddress::fromBytes(const uint8_t* data, size_t len) {
  IpAddress a;
  if (len == 4) {
    std::memcpy(a.bytes_.data(), data, 4);
  } else if (len == 16) {
    a.family_ = IpFamily::kV6;
    std::memcpy(a.bytes_.data(), data, 16);
  } else {
    return Status::invalid("IP address of " + std::to_string(len) + " bytes");
  }
  return a;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  uint32_t n = htonl(host_order);
  std::memcpy(a.bytes_.data(), &n, 4);
  return a;
}

IpAddress IpAddress::any(IpFamily f) {
  IpAddress a;
  a.family_ = f;
  return a;
}

uint32_t IpAddress::v4Value() const {
  if (!isV4()) return 0;
  uint32_t n;
  std::memcpy(&n, bytes_.data(), 4);
  return ntohl(n);
}

bool IpAddress::isZero() const {
  for (size_t i = 0; i < byteLength(); ++i) {
    if (bytes_[i] != 0) return false;
  }
  return true;
}

std::string IpAddress::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(toAf(family_), bytes_.data(), buf, sizeof(buf));
  return buf;
}

std::optional<IpAddress> IpAddress::next() const {
  IpAddress r = *this;
  for (size_t i = byteLength(); i-- > 0;) {
    if (++r.bytes_[i] != 0) return r;
  }
  return std::nullopt;  // was all ones
}

std::optional<IpAddress> IpAddress::prev() const {
  IpAddress r = *this;
  for (size_t i = byteLength(); i-- > 0;) {
    if (r.bytes_[i]-- != 0) return r;
  }
  return std::nullopt;  // was all zeros
}

std::strong_ordering IpAddress::operator<=>(const IpAddress& o) const {
  if (family_ != o.family_)
    return isV4() ? std::strong_ordering::less : std::strong_ordering::greater;
  int c = std::memcmp(bytes_.data(), o.bytes_.data(), byteLength());
  return c < 0 ? std::strong_ordering::less
               : (c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal);
}

Result<IpPrefix> IpPrefix::make(const IpAddress& addr, int prefix_len) {
  if (prefix_len < 0 || prefix_len > addr.bitLength()) {
    return Status::invalid("prefix length " + std::to_string(prefix_len) + " out of range for " +
                           addr.toString());
  }
  IpPrefix p;
  p.addr_ = addr;
  p.len_ = prefix_len;
  return p;
}

Result<IpPrefix> IpPrefix::parse(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::invalid("invalid CIDR \"" + std::string(text) + "\": missing /length");
  }
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr.ok()) return addr.status().withContext("invalid CIDR \"" + std::string(text) + "\"");
  std::string_view len_text = text.substr(slash + 1);
  int len = 0;
  if (len_text.empty() || len_text.size() > 3) {
    return Status::invalid("invalid CIDR \"" + std::string(text) + "\": bad prefix length");
  }
  for (char c : len_text) {
    if (c < '0' || c > '9') {
      return Status::invalid("invalid CIDR \"" + std::string(text) + "\": bad prefix length");
    }
    len = len * 10 + (c - '0');
  }
  return make(*addr, len);
}

IpPrefix IpPrefix::host(const IpAddress& addr) {
  IpPrefix p;
  p.addr_ = addr;
  p.len_ = addr.bitLength();
  return p;
}

namespace {
// Sets (ones=true) or clears the bits after `len` of the address bytes.
IpAddress withHostBits(const IpAddress& a, int len, bool ones) {
  uint8_t b[16];
  std::memcpy(b, a.data(), a.byteLength());
  for (int i = 0; i < a.bitLength(); ++i) {
    if (i < len) continue;
    uint8_t bit = static_cast<uint8_t>(0x80 >> (i % 8));
    if (ones) {
      b[i / 8] |= bit;
    } else {
      b[i / 8] &= static_cast<uint8_t>(~bit);
    }
  }
  return *IpAddress::fromBytes(b, a.byteLength());
}
}  // namespace

IpAddress IpPrefix::network() const {
  return withHostBits(addr_, len_, false);
}

IpPrefix IpPrefix::masked() const {
  IpPrefix p = *this;
  p.addr_ = network();
  return p;
}

IpAddress IpPrefix::broadcast() const {
  return withHostBits(addr_, len_, true);
}

IpAddress IpPrefix::netmask() const {
  // Ones in the network part: the host bits of the all-zero address set, inverted.
  uint8_t b[16] = {};
  for (int i = 0; i < len_; ++i) b[i / 8] |= static_cast<uint8_t>(0x80 >> (i % 8));
  return *IpAddress::fromBytes(b, addr_.byteLength());
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family() != family()) return false;
  return withHostBits(a, len_, false) == network();
}

bool IpPrefix::contains(const IpPrefix& p) const {
  return p.family() == family() && p.len_ >= len_ && contains(p.addr_);
}

std::string IpPrefix::toString() const {
  return addr_.toString() + "/" + std::to_string(len_);
}

Result<MacBytes> parseMac(std::string_view text) {
  MacBytes m{};
  auto bad = [&] { return Status::invalid("invalid MAC address \"" + std::string(text) + "\""); };
  if (text.size() != 17) return bad();
  for (size_t i = 0; i < 6; ++i) {
    if (i > 0 && text[i * 3 - 1] != ':') return bad();
    unsigned v = 0;
    for (size_t j = 0; j < 2; ++j) {
      char c = text[i * 3 + j];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        return bad();
      }
    }
    m[i] = static_cast<uint8_t>(v);
  }
  return m;
}

std::string formatMac(const uint8_t* data, size_t len) {
  std::string out;
  char buf[4];
  for (size_t i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), i == 0 ? "%02x" : ":%02x", data[i]);
    out += buf;
  }
  return out;
}

}  // namespace orch::netlink
