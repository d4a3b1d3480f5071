#include "common/cni/ip.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace orch::cni {

Result<IpAddr> IpAddr::parse(std::string_view text) {
  IpAddr a;
  std::string s(text);
  if (s.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, s.c_str(), a.b_.data()) != 1) {
      return Status::invalid("invalid IP address \"" + s + "\"");
    }
    a.v4_ = true;
  } else {
    if (inet_pton(AF_INET6, s.c_str(), a.b_.data()) != 1) {
      return Status::invalid("invalid IP address \"" + s + "\"");
    }
    // An IPv4-mapped IPv6 address is the IPv4 address (as Go's net.IP treats it).
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(kMapped), std::end(kMapped), a.b_.begin())) {
      std::array<uint8_t, 16> v{};
      std::copy(a.b_.begin() + 12, a.b_.end(), v.begin());
      a.b_ = v;
      a.v4_ = true;
    }
  }
  a.valid_ = true;
  return a;
}

IpAddr IpAddr::v4(uint32_t host_order) {
  IpAddr a;
  a.valid_ = true;
  a.v4_ = true;
  uint32_t n = htonl(host_order);
  std::memcpy(a.b_.data(), &n, 4);
  return a;
}

std::string IpAddr::toString() const {
  if (!valid_) return "<nil>";
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4_ ? AF_INET : AF_INET6, b_.data(), buf, sizeof(buf));
  return buf;
}

IpAddr IpAddr::next() const {
  IpAddr r = *this;
  for (int i = bits() / 8 - 1; i >= 0; --i) {
    if (++r.b_[i] != 0) break;
  }
  return r;
}

IpAddr IpAddr::prev() const {
  IpAddr r = *this;
  for (int i = bits() / 8 - 1; i >= 0; --i) {
    if (r.b_[i]-- != 0) break;
  }
  return r;
}

IpAddr IpAddr::masked(int prefix) const {
  IpAddr r = *this;
  for (int i = 0; i < bits() / 8; ++i) {
    int keep = std::clamp(prefix - i * 8, 0, 8);
    r.b_[i] &= static_cast<uint8_t>(0xff00 >> keep);
  }
  return r;
}

IpAddr IpAddr::filled(int prefix) const {
  IpAddr r = *this;
  for (int i = 0; i < bits() / 8; ++i) {
    int keep = std::clamp(prefix - i * 8, 0, 8);
    r.b_[i] |= static_cast<uint8_t>(~(0xff00 >> keep));
  }
  return r;
}

Result<IpNet> IpNet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::invalid("invalid CIDR address \"" + std::string(text) + "\": no prefix length");
  }
  auto ip = IpAddr::parse(text.substr(0, slash));
  if (!ip.ok()) return Status::invalid("invalid CIDR address \"" + std::string(text) + "\"");
  std::string_view p = text.substr(slash + 1);
  int prefix = -1;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  // A mapped IPv6 literal keeps an IPv6 prefix length; other forms use the family's.
  int max = text.substr(0, slash).find(':') == std::string_view::npos ? 32 : 128;
  if (ec != std::errc() || end != p.data() + p.size() || p.empty() || prefix < 0 || prefix > max) {
    return Status::invalid("invalid CIDR address \"" + std::string(text) + "\"");
  }
  if (ip->isV4() && max == 128) {
    if (prefix < 96) {
      return Status::invalid("invalid CIDR address \"" + std::string(text) + "\"");
    }
    prefix -= 96;
  }
  return IpNet{*ip, prefix};
}

std::string IpNet::toString() const {
  return ip.toString() + "/" + std::to_string(prefix);
}

bool IpNet::contains(const IpAddr& a) const {
  if (!a.valid() || a.isV4() != ip.isV4()) return false;
  return a.masked(prefix) == ip.masked(prefix);
}

}  // namespace orch::cni
