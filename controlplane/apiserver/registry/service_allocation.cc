#include "controlplane/apiserver/registry/service_allocation.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace orch::apiserver {

namespace {

const ResourceInfo& servicesInfo() {
  return *findResource("", "v1", "services");
}

std::string familyName(int f) {
  return f == 6 ? "IPv6" : "IPv4";
}

bool needsNodePorts(const api::Json& spec) {
  std::string type = spec.value("type", "ClusterIP");
  if (type == "NodePort") return true;
  if (type != "LoadBalancer") return false;
  return spec.value("allocateLoadBalancerNodePorts", true);
}

bool needsHealthCheckPort(const api::Json& spec) {
  return spec.value("type", "") == "LoadBalancer" &&
         spec.value("externalTrafficPolicy", "") == "Local";
}

ApiError allocationError(const api::Json& obj, const std::string& field, const std::string& value,
                         const Status& st) {
  return invalidFieldError(servicesInfo(), metaString(obj, "name"), field,
                           "Invalid value: " + value + ": " + st.context());
}

}  // namespace

Result<std::shared_ptr<ServiceAllocation>> ServiceAllocation::create(
    store::Store& store, const std::string& cluster_ip_range, const std::string& node_port_range) {
  // Each family's bitmap has its own key.
  std::vector<ServiceIpAllocator> ips;
  size_t start = 0;
  while (start <= cluster_ip_range.size()) {
    size_t comma = cluster_ip_range.find(',', start);
    std::string cidr = cluster_ip_range.substr(start, comma - start);
    const bool v6 = cidr.find(':') != std::string::npos;
    auto a = ServiceIpAllocator::create(
        store, cidr, v6 ? "/registry/ranges/serviceips-v6" : "/registry/ranges/serviceips");
    if (!a.ok())
      return Status::error(EINVAL, "--service-cluster-ip-range: " + a.status().context());
    ips.push_back(std::move(a).value());
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (ips.empty() || ips.size() > 2 || (ips.size() == 2 && ips[0].family() == ips[1].family()))
    return Status::error(EINVAL,
                         "--service-cluster-ip-range: expected one CIDR or one per IP family");
  auto ports =
      NodePortAllocator::create(store, node_port_range, "/registry/ranges/servicenodeports");
  if (!ports.ok())
    return Status::error(EINVAL, "--service-node-port-range: " + ports.status().context());
  return std::shared_ptr<ServiceAllocation>(
      new ServiceAllocation(std::move(ips), std::move(ports).value()));
}

std::string ServiceAllocation::firstAddress() const {
  // The network address is never handed out; the first usable one is network + 1.
  std::string cidr = ips_.front().cidr();
  std::string net = cidr.substr(0, cidr.find('/'));
  if (ips_.front().family() == 4) {
    unsigned a, b, c, d;
    if (std::sscanf(net.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4) return {};
    uint32_t v = (a << 24 | b << 16 | c << 8 | d) + 1;
    return std::to_string(v >> 24) + "." + std::to_string((v >> 16) & 255) + "." +
           std::to_string((v >> 8) & 255) + "." + std::to_string(v & 255);
  }
  return net + "1";  // "fd00:10:96::" + "1"
}

ServiceIpAllocator* ServiceAllocation::forFamily(const std::string& family) {
  for (ServiceIpAllocator& a : ips_)
    if (familyName(a.family()) == family) return &a;
  return nullptr;
}

std::vector<std::string> ServiceAllocation::clusterIps(const api::Json& obj) {
  std::vector<std::string> out;
  const api::Json& spec = obj.contains("spec") ? obj["spec"] : api::Json::object();
  if (spec.contains("clusterIPs") && spec["clusterIPs"].is_array()) {
    for (const api::Json& ip : spec["clusterIPs"])
      if (ip.is_string() && ip != "None" && ip != "") out.push_back(ip.get<std::string>());
  } else if (spec.contains("clusterIP") && spec["clusterIP"].is_string()) {
    std::string ip = spec["clusterIP"];
    if (!ip.empty() && ip != "None") out.push_back(ip);
  }
  return out;
}

std::vector<int> ServiceAllocation::nodePorts(const api::Json& obj) {
  std::vector<int> out;
  if (!obj.contains("spec") || !obj["spec"].is_object()) return out;
  const api::Json& spec = obj["spec"];
  if (spec.contains("ports") && spec["ports"].is_array())
    for (const api::Json& p : spec["ports"])
      if (p.is_object() && p.contains("nodePort") && p["nodePort"].is_number_integer() &&
          p["nodePort"].get<int>() != 0)
        out.push_back(p["nodePort"].get<int>());
  if (spec.contains("healthCheckNodePort") && spec["healthCheckNodePort"].is_number_integer() &&
      spec["healthCheckNodePort"].get<int>() != 0)
    out.push_back(spec["healthCheckNodePort"].get<int>());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ServiceAllocation::releaseMissing(const api::Json& from, const api::Json* keep) {
  std::vector<std::string> kept_ips = keep ? clusterIps(*keep) : std::vector<std::string>{};
  for (const std::string& ip : clusterIps(from)) {
    if (std::find(kept_ips.begin(), kept_ips.end(), ip) != kept_ips.end()) continue;
    for (ServiceIpAllocator& a : ips_)
      if (a.contains(ip)) (void)a.release(ip);
  }
  std::vector<int> kept_ports = keep ? nodePorts(*keep) : std::vector<int>{};
  for (int p : nodePorts(from))
    if (std::find(kept_ports.begin(), kept_ports.end(), p) == kept_ports.end())
      (void)ports_.release(p);
}

ApiStatusResult ServiceAllocation::assignClusterIps(api::Json& obj, const api::Json* old) {
  api::Json& spec = obj["spec"];
  const std::string type = spec.value("type", "ClusterIP");
  if (type == "ExternalName") {
    spec.erase("clusterIP");
    spec.erase("clusterIPs");
    return Done{};
  }
  if (old != nullptr && !clusterIps(*old).empty()) return Done{};  // immutable: validation's job

  // Which families: ipFamilies as asked, else by policy from the configured ranges.
  std::vector<std::string> families;
  if (spec.contains("ipFamilies") && spec["ipFamilies"].is_array())
    for (const api::Json& f : spec["ipFamilies"])
      if (f.is_string()) families.push_back(f);
  const std::string policy = spec.value("ipFamilyPolicy", "SingleStack");
  std::vector<std::string> requested;
  if (spec.contains("clusterIPs") && spec["clusterIPs"].is_array()) {
    for (const api::Json& ip : spec["clusterIPs"])
      if (ip.is_string()) requested.push_back(ip);
  } else if (spec.contains("clusterIP") && spec["clusterIP"].is_string() &&
             spec["clusterIP"] != "") {
    requested.push_back(spec["clusterIP"]);
  }
  const bool headless = !requested.empty() && requested[0] == "None";
  if (families.empty()) {
    if (!requested.empty() && !headless) {
      for (const std::string& ip : requested)
        families.push_back(ip.find(':') != std::string::npos ? "IPv6" : "IPv4");
    } else {
      families.push_back(familyName(ips_[0].family()));
      if (policy != "SingleStack" && ips_.size() > 1)
        families.push_back(familyName(ips_[1].family()));
    }
  }
  if (policy == "RequireDualStack" && families.size() < 2) {
    if (ips_.size() < 2)
      return invalidFieldError(servicesInfo(), metaString(obj, "name"), "spec.ipFamilyPolicy",
                               "Invalid value: \"RequireDualStack\": this cluster is not "
                               "configured for dual-stack services");
    families = {familyName(ips_[0].family()), familyName(ips_[1].family())};
  }
  if (policy == "SingleStack" && families.size() > 1) families.resize(1);
  for (const std::string& f : families) {
    if (forFamily(f) == nullptr)
      return invalidFieldError(
          servicesInfo(), metaString(obj, "name"), "spec.ipFamilies",
          "Unsupported value: \"" + f + "\": this cluster has no " + f + " service range");
  }
  spec["ipFamilies"] = families;
  spec["ipFamilyPolicy"] =
      families.size() > 1 && policy == "SingleStack" ? "PreferDualStack" : policy;
  if (headless) {
    spec["clusterIP"] = "None";
    spec["clusterIPs"] = {"None"};
    return Done{};
  }
  std::vector<std::string> assigned;  // assigned[i] from families[i]
  for (size_t i = 0; i < families.size(); ++i) {
    ServiceIpAllocator* a = forFamily(families[i]);
    Status st;
    std::string ip;
    if (i < requested.size()) {
      ip = requested[i];
      st = a->allocate(ip);
    } else {
      auto next = a->allocateNext();
      st = next.status();
      if (next.ok()) ip = *next;
    }
    if (!st.isOk()) {
      for (size_t j = 0; j < assigned.size(); ++j)
        (void)forFamily(families[j])->release(assigned[j]);
      if (i < requested.size())
        return allocationError(obj, "spec.clusterIPs", "[\"" + requested[i] + "\"]",
                               Status::error(st.code(), "failed to allocate IP " + requested[i] +
                                                            ": " + st.context()));
      return allocationError(
          obj, "spec.clusterIPs", "[]",
          Status::error(st.code(), "failed to allocate a serviceIP: " + st.context()));
    }
    assigned.push_back(ip);
  }
  spec["clusterIP"] = assigned[0];
  spec["clusterIPs"] = assigned;
  return Done{};
}

Status ServiceAllocation::takePort(int& port) {
  if (port != 0) return ports_.allocate(port);
  auto next = ports_.allocateNext();
  if (next.ok()) port = *next;
  return next.status();
}

ApiStatusResult ServiceAllocation::assignNodePorts(api::Json& obj, const api::Json* old) {
  api::Json& spec = obj["spec"];
  std::vector<int> taken;  // allocated in this call, to undo on failure
  auto undo = [&] {
    for (int p : taken) (void)ports_.release(p);
  };
  std::vector<int> old_ports = old ? nodePorts(*old) : std::vector<int>{};
  auto held = [&](int p) {
    return std::find(old_ports.begin(), old_ports.end(), p) != old_ports.end();
  };
  if (!needsNodePorts(spec)) {
    if (spec.contains("ports") && spec["ports"].is_array())
      for (api::Json& p : spec["ports"])
        if (p.is_object()) p.erase("nodePort");
  } else if (spec.contains("ports") && spec["ports"].is_array()) {
    for (size_t i = 0; i < spec["ports"].size(); ++i) {
      api::Json& p = spec["ports"][i];
      if (!p.is_object()) continue;
      int want = p.value("nodePort", 0);
      if (want != 0 && held(want)) {
        p["nodePort"] = want;
        continue;
      }
      if (want != 0 && std::find(taken.begin(), taken.end(), want) != taken.end()) continue;
      if (Status st = takePort(want); !st.isOk()) {
        undo();
        return allocationError(obj, "spec.ports[" + std::to_string(i) + "].nodePort",
                               std::to_string(p.value("nodePort", 0)), st);
      }
      taken.push_back(want);
      p["nodePort"] = want;
    }
  }
  if (needsHealthCheckPort(spec)) {
    int want = spec.value("healthCheckNodePort", 0);
    if (want == 0 || !held(want)) {
      if (Status st = takePort(want); !st.isOk()) {
        undo();
        return allocationError(obj, "spec.healthCheckNodePort", std::to_string(want), st);
      }
      taken.push_back(want);
    }
    spec["healthCheckNodePort"] = want;
  } else {
    spec.erase("healthCheckNodePort");
  }
  return Done{};
}

void ServiceAllocation::prepareUpdate(api::Json& obj, const api::Json& old) {
  if (!obj.contains("spec") || !obj["spec"].is_object() || !old.contains("spec")) return;
  api::Json& spec = obj["spec"];
  const api::Json& before = old["spec"];
  // An update that does not name the cluster IPs keeps them (unless it leaves them behind).
  if (spec.value("type", "ClusterIP") != "ExternalName" && spec.value("clusterIP", "").empty() &&
      before.value("clusterIP", "") != "") {
    for (const char* f : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
      if (before.contains(f) && (!spec.contains(f) || spec[f].empty())) spec[f] = before[f];
  }
  // Node ports of ports that stay (same port and protocol), and the health check port.
  if (needsNodePorts(spec) && spec.contains("ports") && spec["ports"].is_array() &&
      before.contains("ports") && before["ports"].is_array()) {
    for (api::Json& p : spec["ports"]) {
      if (!p.is_object() || p.value("nodePort", 0) != 0) continue;
      for (const api::Json& op : before["ports"])
        if (op.value("port", -1) == p.value("port", -2) &&
            op.value("protocol", "TCP") == p.value("protocol", "TCP") &&
            op.value("nodePort", 0) != 0)
          p["nodePort"] = op["nodePort"];
    }
  }
  if (needsHealthCheckPort(spec) && spec.value("healthCheckNodePort", 0) == 0 &&
      before.value("healthCheckNodePort", 0) != 0)
    spec["healthCheckNodePort"] = before["healthCheckNodePort"];
}

ApiStatusResult ServiceAllocation::reserve(api::Json& obj, const api::Json* old,
                                           const WriteContext& ctx) {
  (void)ctx;
  if (!obj.contains("spec") || !obj["spec"].is_object()) obj["spec"] = api::Json::object();
  if (auto st = assignClusterIps(obj, old); !st.ok()) return st;
  if (auto st = assignNodePorts(obj, old); !st.ok()) {
    releaseMissing(obj, old);
    return st;
  }
  return Done{};
}

void ServiceAllocation::unreserve(const api::Json& obj, const api::Json* old) {
  releaseMissing(obj, old);
}

void ServiceAllocation::release(const api::Json* now, const api::Json& before) {
  releaseMissing(before, now);
}

Status ServiceAllocation::repair(const std::vector<api::Json>& services) {
  for (ServiceIpAllocator& a : ips_) {
    std::vector<std::string> used;
    for (const api::Json& s : services)
      for (const std::string& ip : clusterIps(s))
        if (a.contains(ip)) used.push_back(ip);
    ORCH_RETURN_IF_ERROR(a.reconcile(used));
  }
  std::set<int> ports;  // a port outside a changed range stays with its service, untracked
  for (const api::Json& s : services)
    for (int p : nodePorts(s))
      if (ports_.contains(p)) ports.insert(p);
  return ports_.reconcile(std::vector<int>(ports.begin(), ports.end()));
}

}  // namespace orch::apiserver
