#include "common/cni/result.h"

#include "common/cni/version.h"

namespace orch::cni {
namespace {

using nlohmann::json;

Result<std::string> getString(const json& j, const char* key, const std::string& where,
                              bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Status::invalid(where + "." + key + " is missing");
    return std::string();
  }
  if (!it->is_string()) return Status::invalid(where + "." + key + " must be a string");
  return it->get<std::string>();
}

Result<std::optional<int>> getInt(const json& j, const char* key, const std::string& where) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::optional<int>();
  if (!it->is_number_integer()) return Status::invalid(where + "." + key + " must be an integer");
  return std::optional<int>(it->get<int>());
}

Result<std::vector<std::string>> getStrings(const json& j, const char* key,
                                            const std::string& where) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::invalid(where + "." + key + " must be an array of strings");
  for (const auto& e : *it) {
    if (!e.is_string()) return Status::invalid(where + "." + key + " must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::optional<IpAddr>> getIp(const json& j, const char* key, const std::string& where) {
  ORCH_ASSIGN_OR_RETURN(std::string s, getString(j, key, where, false));
  if (s.empty()) return std::optional<IpAddr>();
  auto ip = IpAddr::parse(s);
  if (!ip.ok()) return ip.status().withContext(where + "." + key);
  return std::optional<IpAddr>(*ip);
}

}  // namespace

json Dns::toJson() const {
  json j = json::object();
  if (!nameservers.empty()) j["nameservers"] = nameservers;
  if (!domain.empty()) j["domain"] = domain;
  if (!search.empty()) j["search"] = search;
  if (!options.empty()) j["options"] = options;
  return j;
}

Result<Dns> Dns::fromJson(const json& j) {
  Dns d;
  if (j.is_null()) return d;
  if (!j.is_object()) return Status::invalid("dns must be an object");
  ORCH_ASSIGN_OR_RETURN(d.nameservers, getStrings(j, "nameservers", "dns"));
  ORCH_ASSIGN_OR_RETURN(d.domain, getString(j, "domain", "dns", false));
  ORCH_ASSIGN_OR_RETURN(d.search, getStrings(j, "search", "dns"));
  ORCH_ASSIGN_OR_RETURN(d.options, getStrings(j, "options", "dns"));
  return d;
}

Result<std::vector<Route>> parseRoutes(const json& j, const std::string& field) {
  std::vector<Route> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return Status::invalid(field + " must be an array");
  for (size_t i = 0; i < j.size(); ++i) {
    std::string where = field + "[" + std::to_string(i) + "]";
    const json& e = j[i];
    if (!e.is_object()) return Status::invalid(where + " must be an object");
    Route r;
    ORCH_ASSIGN_OR_RETURN(std::string dst, getString(e, "dst", where, true));
    auto net = IpNet::parse(dst);
    if (!net.ok()) return net.status().withContext(where + ".dst");
    r.dst = *net;
    ORCH_ASSIGN_OR_RETURN(r.gw, getIp(e, "gw", where));
    ORCH_ASSIGN_OR_RETURN(r.mtu, getInt(e, "mtu", where));
    ORCH_ASSIGN_OR_RETURN(r.advmss, getInt(e, "advmss", where));
    ORCH_ASSIGN_OR_RETURN(r.priority, getInt(e, "priority", where));
    ORCH_ASSIGN_OR_RETURN(r.table, getInt(e, "table", where));
    ORCH_ASSIGN_OR_RETURN(r.scope, getInt(e, "scope", where));
    out.push_back(r);
  }
  return out;
}

json routeToJson(const Route& r, bool extended) {
  json j = json::object();
  j["dst"] = r.dst.toString();
  if (r.gw) j["gw"] = r.gw->toString();
  if (extended) {
    if (r.mtu) j["mtu"] = *r.mtu;
    if (r.advmss) j["advmss"] = *r.advmss;
    if (r.priority) j["priority"] = *r.priority;
    if (r.table) j["table"] = *r.table;
    if (r.scope) j["scope"] = *r.scope;
  }
  return j;
}

Result<CniResult> CniResult::fromJson(const json& j) {
  if (!j.is_object()) return Status::invalid("result must be a JSON object");
  CniResult r;
  ORCH_ASSIGN_OR_RETURN(r.cni_version, getString(j, "cniVersion", "result", true));
  if (!isSupportedVersion(r.cni_version)) {
    return Status::error(ENOTSUP, "result.cniVersion \"" + r.cni_version + "\" is not supported");
  }
  if (auto it = j.find("interfaces"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::invalid("result.interfaces must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      std::string where = "result.interfaces[" + std::to_string(i) + "]";
      const json& e = (*it)[i];
      if (!e.is_object()) return Status::invalid(where + " must be an object");
      Interface f;
      ORCH_ASSIGN_OR_RETURN(f.name, getString(e, "name", where, true));
      ORCH_ASSIGN_OR_RETURN(f.mac, getString(e, "mac", where, false));
      ORCH_ASSIGN_OR_RETURN(f.mtu, getInt(e, "mtu", where));
      ORCH_ASSIGN_OR_RETURN(f.sandbox, getString(e, "sandbox", where, false));
      ORCH_ASSIGN_OR_RETURN(f.socket_path, getString(e, "socketPath", where, false));
      ORCH_ASSIGN_OR_RETURN(f.pci_id, getString(e, "pciID", where, false));
      r.interfaces.push_back(std::move(f));
    }
  }
  if (auto it = j.find("ips"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::invalid("result.ips must be an array");
    for (size_t i = 0; i < it->size(); ++i) {
      std::string where = "result.ips[" + std::to_string(i) + "]";
      const json& e = (*it)[i];
      if (!e.is_object()) return Status::invalid(where + " must be an object");
      IpConfig c;
      ORCH_ASSIGN_OR_RETURN(std::string addr, getString(e, "address", where, true));
      auto net = IpNet::parse(addr);
      if (!net.ok()) return net.status().withContext(where + ".address");
      c.address = *net;
      ORCH_ASSIGN_OR_RETURN(c.gateway, getIp(e, "gateway", where));
      ORCH_ASSIGN_OR_RETURN(c.interface, getInt(e, "interface", where));
      if (c.interface && (*c.interface < 0 || *c.interface >= int(r.interfaces.size()))) {
        return Status::invalid(where + ".interface " + std::to_string(*c.interface) +
                               " is not an index into interfaces");
      }
      r.ips.push_back(c);
    }
  }
  if (auto it = j.find("routes"); it != j.end()) {
    ORCH_ASSIGN_OR_RETURN(r.routes, parseRoutes(*it, "result.routes"));
  }
  if (auto it = j.find("dns"); it != j.end()) {
    auto d = Dns::fromJson(*it);
    if (!d.ok()) return d.status().withContext("result");
    r.dns = *d;
  }
  return r;
}

Result<json> CniResult::toJson(const std::string& version) const {
  if (!isSupportedVersion(version)) {
    return Status::error(ENOTSUP, "cannot convert result to cniVersion \"" + version + "\"");
  }
  bool v1 = versionAtLeast(version, "1.0.0");
  bool v11 = versionAtLeast(version, "1.1.0");
  json j = json::object();
  j["cniVersion"] = version;
  if (!interfaces.empty()) {
    json arr = json::array();
    for (const auto& f : interfaces) {
      json e = json::object();
      e["name"] = f.name;
      if (!f.mac.empty()) e["mac"] = f.mac;
      if (v11 && f.mtu) e["mtu"] = *f.mtu;
      if (!f.sandbox.empty()) e["sandbox"] = f.sandbox;
      if (v11 && !f.socket_path.empty()) e["socketPath"] = f.socket_path;
      if (v11 && !f.pci_id.empty()) e["pciID"] = f.pci_id;
      arr.push_back(std::move(e));
    }
    j["interfaces"] = std::move(arr);
  }
  if (!ips.empty()) {
    json arr = json::array();
    for (const auto& c : ips) {
      json e = json::object();
      if (!v1) e["version"] = c.address.ip.isV4() ? "4" : "6";
      if (c.interface) e["interface"] = *c.interface;
      e["address"] = c.address.toString();
      if (c.gateway) e["gateway"] = c.gateway->toString();
      arr.push_back(std::move(e));
    }
    j["ips"] = std::move(arr);
  }
  if (!routes.empty()) {
    json arr = json::array();
    for (const auto& r : routes) arr.push_back(routeToJson(r, v11));
    j["routes"] = std::move(arr);
  }
  // The reference plugins always print "dns" (as {} when empty); do the same.
  j["dns"] = dns.toJson();
  return j;
}

}  // namespace orch::cni
