#include "cni-plugins/host-local/ipam_config.h"

#include <algorithm>
#include <sstream>

namespace orch::cni::hostlocal {
namespace {

using nlohmann::json;

Result<std::optional<IpAddr>> optIp(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<IpAddr>();
  if (!it->is_string()) return Status::invalid(where + "." + key + " must be a string");
  auto ip = IpAddr::parse(it->get<std::string>());
  if (!ip.ok()) return Status::invalid(where + "." + key + ": " + ip.status().context());
  return std::optional<IpAddr>(*ip);
}

// The reference's ip.IP accepts "10.1.0.5" and "10.1.0.5/24"; the address is what counts.
Result<IpAddr> parseRequestedIp(const json& j, const std::string& where) {
  if (!j.is_string()) return Status::invalid(where + " must be a string");
  std::string s = j.get<std::string>();
  auto slash = s.find('/');
  auto ip = IpAddr::parse(s.substr(0, slash));
  if (!ip.ok()) return Status::invalid(where + ": invalid IP \"" + s + "\"");
  return *ip;
}

Result<Range> parseRange(const json& j, const std::string& where) {
  if (!j.is_object()) return Status::invalid(where + " must be an object");
  Range r;
  auto s = j.find("subnet");
  if (s == j.end() || !s->is_string()) return Status::invalid(where + ".subnet is missing");
  auto net = IpNet::parse(s->get<std::string>());
  if (!net.ok()) return Status::invalid(where + ".subnet: " + net.status().context());
  r.subnet = *net;
  ORCH_ASSIGN_OR_RETURN(auto start, optIp(j, "rangeStart", where));
  ORCH_ASSIGN_OR_RETURN(auto end, optIp(j, "rangeEnd", where));
  ORCH_ASSIGN_OR_RETURN(auto gw, optIp(j, "gateway", where));
  if (start) r.range_start = *start;
  if (end) r.range_end = *end;
  if (gw) r.gateway = *gw;
  return r;
}

Result<RangeSet> parseRangeSet(const json& j, const std::string& where) {
  if (!j.is_array()) return Status::invalid(where + " must be an array of ranges");
  RangeSet set;
  for (size_t i = 0; i < j.size(); ++i) {
    ORCH_ASSIGN_OR_RETURN(Range r, parseRange(j[i], where + "[" + std::to_string(i) + "]"));
    set.ranges.push_back(r);
  }
  return set;
}

Result<std::vector<RangeSet>> parseRangeSets(const json& j, const std::string& where) {
  std::vector<RangeSet> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return Status::invalid(where + " must be an array of range sets");
  for (size_t i = 0; i < j.size(); ++i) {
    ORCH_ASSIGN_OR_RETURN(RangeSet s, parseRangeSet(j[i], where + "[" + std::to_string(i) + "]"));
    out.push_back(std::move(s));
  }
  return out;
}

Status canonicalizeSet(RangeSet& set, const std::string& where) {
  if (set.ranges.empty()) return Status::invalid(where + ": empty range set");
  for (size_t i = 0; i < set.ranges.size(); ++i) {
    ORCH_RETURN_IF_ERROR(set.ranges[i].canonicalize(where + "[" + std::to_string(i) + "]"));
  }
  bool v4 = set.ranges[0].subnet.ip.isV4();
  for (size_t i = 0; i < set.ranges.size(); ++i) {
    if (set.ranges[i].subnet.ip.isV4() != v4) {
      return Status::invalid(where + ": mixed address families");
    }
    for (size_t k = i + 1; k < set.ranges.size(); ++k) {
      if (set.ranges[i].overlaps(set.ranges[k])) {
        return Status::invalid(where + ": subnets " + set.ranges[i].subnet.toString() + " and " +
                               set.ranges[k].subnet.toString() + " overlap");
      }
    }
  }
  return Status::ok();
}

}  // namespace

Status Range::canonicalize(const std::string& where) {
  const int bits = subnet.ip.bits();
  if (subnet.prefix > bits - 2) {
    return Status::invalid(where + ".subnet: network " + subnet.toString() +
                           " too small to allocate from");
  }
  IpAddr net = subnet.network();
  if (net != subnet.ip) {
    return Status::invalid(where +
                           ".subnet: network has host bits set. For a subnet mask of "
                           "length " +
                           std::to_string(subnet.prefix) + " the network address is " +
                           net.toString());
  }
  auto check = [&](const IpAddr& a, const char* field) -> Status {
    if (a.isV4() != subnet.ip.isV4() || !subnet.contains(a)) {
      return Status::invalid(where + "." + field + " " + a.toString() + " not in network " +
                             subnet.toString());
    }
    return Status::ok();
  };
  if (!gateway.valid()) gateway = net.next();
  if (range_start.valid()) {
    ORCH_RETURN_IF_ERROR(check(range_start, "rangeStart"));
  } else {
    range_start = net.next();
  }
  if (range_end.valid()) {
    ORCH_RETURN_IF_ERROR(check(range_end, "rangeEnd"));
  } else {
    // The last address, minus the broadcast for IPv4.
    range_end = subnet.last();
    if (range_end.isV4()) range_end = range_end.prev();
  }
  if (range_start > range_end) {
    return Status::invalid(where + ".rangeStart " + range_start.toString() + " is after rangeEnd " +
                           range_end.toString());
  }
  return Status::ok();
}

bool Range::contains(const IpAddr& a) const {
  return subnet.contains(a) && !(a < range_start) && !(range_end < a);
}

bool Range::overlaps(const Range& o) const {
  if (subnet.ip.isV4() != o.subnet.ip.isV4()) return false;
  return subnet.contains(o.range_start) || subnet.contains(o.range_end) ||
         o.subnet.contains(range_start) || o.subnet.contains(range_end);
}

std::string Range::toString() const {
  return range_start.toString() + "-" + range_end.toString();
}

bool RangeSet::contains(const IpAddr& a) const {
  return rangeFor(a) != nullptr;
}

const Range* RangeSet::rangeFor(const IpAddr& a) const {
  for (const auto& r : ranges) {
    if (r.contains(a)) return &r;
  }
  return nullptr;
}

bool RangeSet::overlaps(const RangeSet& o) const {
  for (const auto& a : ranges) {
    for (const auto& b : o.ranges) {
      if (a.overlaps(b)) return true;
    }
  }
  return false;
}

std::string RangeSet::toString() const {
  std::string s;
  for (const auto& r : ranges) s += (s.empty() ? "" : ",") + r.toString();
  return s;
}

Result<IpamConfig> loadIpamConfig(const json& config,
                                  const std::vector<std::pair<std::string, std::string>>& args) {
  if (!config.is_object()) return Status::invalid("network config must be a JSON object");
  auto ipam_it = config.find("ipam");
  if (ipam_it == config.end() || ipam_it->is_null()) {
    return Status::invalid("IPAM config missing 'ipam' key");
  }
  const json& ipam = *ipam_it;
  if (!ipam.is_object()) return Status::invalid("ipam must be an object");
  IpamConfig c;
  if (auto n = config.find("name"); n != config.end() && n->is_string()) {
    c.name = n->get<std::string>();
  }
  if (c.name.empty()) return Status::invalid("name is missing");
  if (c.name.find('/') != std::string::npos || c.name == "." || c.name == "..") {
    return Status::invalid("name \"" + c.name + "\" cannot name a directory");
  }
  if (auto v = config.find("cniVersion"); v != config.end() && v->is_string()) {
    c.cni_version = v->get<std::string>();
  }

  // Requested IPs, in the reference's order: CNI_ARGS, args.cni.ips, runtimeConfig.ips.
  for (const auto& [k, v] : args) {
    if (k != "IP") continue;
    std::stringstream ss(v);
    std::string item;
    while (std::getline(ss, item, ',')) {
      item.erase(0, item.find_first_not_of(" \t"));
      item.erase(item.find_last_not_of(" \t") + 1);
      auto ip = IpAddr::parse(item);
      if (!ip.ok()) return Status::invalid("CNI_ARGS IP: invalid IP \"" + item + "\"");
      c.requested_ips.push_back(*ip);
    }
  }
  if (auto a = config.find("args"); a != config.end() && a->is_object()) {
    if (auto cni = a->find("cni"); cni != a->end() && cni->is_object()) {
      if (auto ips = cni->find("ips"); ips != cni->end() && !ips->is_null()) {
        if (!ips->is_array()) return Status::invalid("args.cni.ips must be an array");
        for (size_t i = 0; i < ips->size(); ++i) {
          ORCH_ASSIGN_OR_RETURN(
              IpAddr ip, parseRequestedIp((*ips)[i], "args.cni.ips[" + std::to_string(i) + "]"));
          c.requested_ips.push_back(ip);
        }
      }
    }
  }
  std::vector<RangeSet> runtime_ranges;
  if (auto rc = config.find("runtimeConfig"); rc != config.end() && rc->is_object()) {
    if (auto ips = rc->find("ips"); ips != rc->end() && !ips->is_null()) {
      if (!ips->is_array()) return Status::invalid("runtimeConfig.ips must be an array");
      for (size_t i = 0; i < ips->size(); ++i) {
        ORCH_ASSIGN_OR_RETURN(
            IpAddr ip, parseRequestedIp((*ips)[i], "runtimeConfig.ips[" + std::to_string(i) + "]"));
        c.requested_ips.push_back(ip);
      }
    }
    if (auto r = rc->find("ipRanges"); r != rc->end()) {
      ORCH_ASSIGN_OR_RETURN(runtime_ranges, parseRangeSets(*r, "runtimeConfig.ipRanges"));
    }
  }

  // Range sets: runtime ipRanges, then the legacy single range, then ipam.ranges.
  ORCH_ASSIGN_OR_RETURN(auto configured,
                        parseRangeSets(ipam.value("ranges", json()), "ipam.ranges"));
  if (auto s = ipam.find("subnet"); s != ipam.end() && !s->is_null()) {
    ORCH_ASSIGN_OR_RETURN(Range legacy, parseRange(ipam, "ipam"));
    configured.insert(configured.begin(), RangeSet{{legacy}});
  }
  c.range_sets = std::move(runtime_ranges);
  for (auto& s : configured) c.range_sets.push_back(std::move(s));
  if (c.range_sets.empty()) return Status::invalid("ipam: no IP ranges specified");

  for (size_t i = 0; i < c.range_sets.size(); ++i) {
    ORCH_RETURN_IF_ERROR(canonicalizeSet(c.range_sets[i], "range set " + std::to_string(i)));
  }
  for (size_t i = 0; i < c.range_sets.size(); ++i) {
    for (size_t k = i + 1; k < c.range_sets.size(); ++k) {
      if (c.range_sets[i].overlaps(c.range_sets[k])) {
        return Status::invalid("ipam: range set " + std::to_string(i) + " overlaps with " +
                               std::to_string(k));
      }
    }
  }

  if (auto r = ipam.find("routes"); r != ipam.end()) {
    ORCH_ASSIGN_OR_RETURN(c.routes, parseRoutes(*r, "ipam.routes"));
  }
  if (auto d = ipam.find("dataDir"); d != ipam.end() && !d->is_null()) {
    if (!d->is_string()) return Status::invalid("ipam.dataDir must be a string");
    if (!d->get<std::string>().empty()) c.data_dir = d->get<std::string>();
  }
  if (auto d = ipam.find("resolvConf"); d != ipam.end() && !d->is_null()) {
    if (!d->is_string()) return Status::invalid("ipam.resolvConf must be a string");
    c.resolv_conf = d->get<std::string>();
  }
  return c;
}

Dns parseResolvConf(const std::string& text) {
  Dns d;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    auto hash = line.find_first_of("#;");
    if (hash != std::string::npos) line.resize(hash);
    std::stringstream ls(line);
    std::vector<std::string> f;
    for (std::string w; ls >> w;) f.push_back(w);
    if (f.empty()) continue;
    if (f[0] == "nameserver" && f.size() > 1) {
      d.nameservers.push_back(f[1]);
    } else if (f[0] == "domain" && f.size() > 1) {
      d.domain = f[1];
    } else if (f[0] == "search") {
      d.search.assign(f.begin() + 1, f.end());
    } else if (f[0] == "options") {
      d.options.insert(d.options.end(), f.begin() + 1, f.end());
    }
  }
  return d;
}

}  // namespace orch::cni::hostlocal
