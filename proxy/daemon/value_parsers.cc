#include "proxy/daemon/value_parsers.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "common/netlink/ip_address.h"

namespace orch::proxy {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> splitComma(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    size_t c = s.find(',');
    std::string_view item = trim(s.substr(0, c));
    if (!item.empty()) out.push_back(item);
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

Result<std::string> canonicalCidr(std::string_view text) {
  auto p = netlink::IpPrefix::parse(text);
  if (!p.ok()) return Status::invalid("invalid CIDR \"" + std::string(text) + "\"");
  return p->masked().toString();
}

}  // namespace

std::string BindAddress::str() const {
  if (ip.find(':') != std::string::npos) return "[" + ip + "]:" + std::to_string(port);
  return ip + ":" + std::to_string(port);
}

Result<std::optional<BindAddress>> parseBindAddress(std::string_view text, int default_port) {
  text = trim(text);
  if (text.empty()) return std::optional<BindAddress>();
  const std::string quoted = "\"" + std::string(text) + "\"";
  std::string_view host = text, port_text;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Status::invalid("missing ']' in " + quoted);
    host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::invalid("expected ':port' after ']' in " + quoted);
      port_text = rest.substr(1);
      if (port_text.empty()) return Status::invalid("missing port in " + quoted);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    size_t colon = text.find(':');
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (port_text.empty()) return Status::invalid("missing port in " + quoted);
    if (host.empty()) host = "0.0.0.0";
  }
  BindAddress out;
  auto ip = netlink::IpAddress::parse(host);
  if (!ip.ok()) return Status::invalid("invalid IP address in " + quoted);
  out.ip = ip->toString();
  out.port = default_port;
  if (!port_text.empty()) {
    int port = -1;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 0 || port > 65535)
      return Status::invalid("invalid port in " + quoted);
    out.port = port;
  }
  return std::optional<BindAddress>(out);
}

Result<std::vector<std::string>> parseClusterCidrs(std::string_view text) {
  std::vector<std::string> out;
  int v4 = 0, v6 = 0;
  for (std::string_view item : splitComma(text)) {
    ORCH_ASSIGN_OR_RETURN(std::string cidr, canonicalCidr(item));
    (cidr.find(':') == std::string::npos ? v4 : v6)++;
    out.push_back(std::move(cidr));
  }
  if (v4 > 1 || v6 > 1)
    return Status::invalid("\"" + std::string(text) + "\": at most one CIDR per IP family");
  return out;
}

Result<std::vector<std::string>> parseNodePortAddresses(const std::vector<std::string>& items) {
  std::vector<std::string_view> all;
  for (const auto& item : items)
    for (std::string_view v : splitComma(item)) all.push_back(v);
  bool primary = false;
  std::vector<std::string> out;
  for (std::string_view v : all) {
    if (v == "primary") {
      primary = true;
      continue;
    }
    ORCH_ASSIGN_OR_RETURN(std::string cidr, canonicalCidr(v));
    out.push_back(std::move(cidr));
  }
  if (primary) {
    if (all.size() != 1) return Status::invalid("\"primary\" must be the only value");
    return std::vector<std::string>{"primary"};
  }
  return out;
}

Result<std::string> parseIp(std::string_view text) {
  auto ip = netlink::IpAddress::parse(trim(text));
  if (!ip.ok()) return Status::invalid("invalid IP address \"" + std::string(text) + "\"");
  return ip->toString();
}

}  // namespace orch::proxy
