#pragma once
// Parsers for kube-proxy's flag and config value syntaxes. Each returns EINVAL whose context
// says what is wrong with the text; callers prefix the flag or YAML field name.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/go_duration.h"
#include "common/base/status.h"

namespace orch::proxy {

// A listen address as kube-proxy's --healthz-bind-address / --metrics-bind-address:
// "ip:port", "[ipv6]:port", ":port" (0.0.0.0), or an IP alone (with `default_port`).
struct BindAddress {
  std::string ip;  // canonical text
  int port = 0;
  std::string str() const;  // "ip:port" / "[ip]:port"
  bool operator==(const BindAddress&) const = default;
};
// "" is nullopt (the server is disabled).
Result<std::optional<BindAddress>> parseBindAddress(std::string_view text, int default_port);

// "10.244.0.0/16" or "10.244.0.0/16,fd00:244::/56": at most one CIDR per family; empty
// items are skipped. Returns the CIDRs in canonical text.
Result<std::vector<std::string>> parseClusterCidrs(std::string_view text);

// --nodeport-addresses items (each may be a comma list): CIDRs, or the single word
// "primary". Returns the CIDRs in canonical text, or {"primary"}.
Result<std::vector<std::string>> parseNodePortAddresses(const std::vector<std::string>& items);

// One IP address in canonical text.
Result<std::string> parseIp(std::string_view text);

}  // namespace orch::proxy
