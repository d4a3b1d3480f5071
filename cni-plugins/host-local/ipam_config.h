#pragma once
// host-local's configuration, parsed and canonicalised exactly as the reference plugin
// (containernetworking/plugins plugins/ipam/host-local) does: legacy top-level subnet /
// rangeStart / rangeEnd / gateway become the first range set; runtimeConfig.ipRanges (the
// ipRanges capability) are put in front of the configured ones; requested IPs come from
// CNI_ARGS IP=a,b, args.cni.ips and runtimeConfig.ips. Pure functions; errors are
// Status::invalid naming the field ("ipam.ranges[0][0].subnet: ...").

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/ip.h"
#include "common/cni/result.h"

namespace orch::cni::hostlocal {

inline constexpr const char* kDefaultDataDir = "/var/lib/cni/networks";

struct Range {
  IpNet subnet;  // network address, host bits clear
  IpAddr range_start, range_end;
  IpAddr gateway;  // defaults to the subnet's first address, as the reference does

  // Fills defaults and validates; `where` names the range in errors.
  Status canonicalize(const std::string& where);
  // In the subnet and within [range_start, range_end].
  bool contains(const IpAddr& a) const;
  bool overlaps(const Range& o) const;
  std::string toString() const;  // "start-end"
};

struct RangeSet {
  std::vector<Range> ranges;
  bool contains(const IpAddr& a) const;
  const Range* rangeFor(const IpAddr& a) const;
  bool overlaps(const RangeSet& o) const;
  bool isV4() const { return ranges.front().subnet.ip.isV4(); }
  std::string toString() const;  // ranges joined by ','
};

struct IpamConfig {
  std::string name;  // the network name
  std::string cni_version;
  std::vector<RangeSet> range_sets;
  std::vector<Route> routes;
  std::string data_dir = kDefaultDataDir;
  std::string resolv_conf;
  std::vector<IpAddr> requested_ips;
};

// Parses the whole plugin config (host-local sees its caller's full config) plus CNI_ARGS.
Result<IpamConfig> loadIpamConfig(const nlohmann::json& config,
                                  const std::vector<std::pair<std::string, std::string>>& args);

// Parses resolv.conf text (nameserver, domain, search, options).
Dns parseResolvConf(const std::string& text);

}  // namespace orch::cni::hostlocal
