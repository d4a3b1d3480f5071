#pragma once
// The CNI result ("current" = spec 1.1.0 shape) with parsing from, and conversion to, every
// supported version: 0.3.x/0.4.0 carry "version" in each ips entry; 1.0.0 drops it; 1.1.0
// adds interface mtu/socketPath/pciID and route mtu/advmss/priority/table/scope, which
// older versions do not carry. Pure value types.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/ip.h"

namespace orch::cni {

struct Interface {
  std::string name;
  std::string mac;
  std::optional<int> mtu;
  std::string sandbox;
  std::string socket_path;
  std::string pci_id;
  bool operator==(const Interface&) const = default;
};

struct IpConfig {
  IpNet address;
  std::optional<IpAddr> gateway;
  std::optional<int> interface;  // index into interfaces
  bool operator==(const IpConfig&) const = default;
};

struct Route {
  IpNet dst;
  std::optional<IpAddr> gw;
  std::optional<int> mtu, advmss, priority, table, scope;
  bool operator==(const Route&) const = default;
};

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  bool empty() const {
    return nameservers.empty() && domain.empty() && search.empty() && options.empty();
  }
  bool operator==(const Dns&) const = default;
  nlohmann::json toJson() const;
  static Result<Dns> fromJson(const nlohmann::json& j);
};

struct CniResult {
  std::string cni_version;  // the version it was parsed from
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;

  // Parses a result of any supported version (EINVAL naming the field on bad input).
  static Result<CniResult> fromJson(const nlohmann::json& j);
  // The result as `version` prints it (ENOTSUP for an unsupported version).
  Result<nlohmann::json> toJson(const std::string& version) const;
};

// Parses a "routes" array ([{"dst": ..., "gw": ...}]); `field` names it in errors.
Result<std::vector<Route>> parseRoutes(const nlohmann::json& j, const std::string& field);
nlohmann::json routeToJson(const Route& r, bool extended);

}  // namespace orch::cni
