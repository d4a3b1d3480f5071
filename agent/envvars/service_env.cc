#include "agent/envvars/service_env.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace orch::agent {

namespace {

std::string envName(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(c));
  return s;
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(c));
  return s;
}

bool isServiceIPSet(const api::Service& s) {
  return !s.spec.clusterIP.empty() && s.spec.clusterIP != "None";
}

// net.JoinHostPort: IPv6 addresses are bracketed.
std::string joinHostPort(const std::string& host, int32_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

}  // namespace

std::vector<EnvVarValue> serviceEnvVars(const std::vector<const api::Service*>& services) {
  std::vector<EnvVarValue> out;
  for (const api::Service* svc : services) {
    if (svc == nullptr || !isServiceIPSet(*svc) || svc->spec.ports.empty()) continue;
    const std::string& ip = svc->spec.clusterIP;
    std::string prefix = envName(svc->metadata.name);
    out.push_back({prefix + "_SERVICE_HOST", ip});
    std::string port_name = prefix + "_SERVICE_PORT";
    out.push_back({port_name, std::to_string(svc->spec.ports[0].port)});
    for (const auto& sp : svc->spec.ports) {
      if (!sp.name.empty()) {
        out.push_back({port_name + "_" + envName(sp.name), std::to_string(sp.port)});
      }
    }
    // Docker-compatible link variables.
    for (size_t i = 0; i < svc->spec.ports.size(); ++i) {
      const auto& sp = svc->spec.ports[i];
      std::string protocol = sp.protocol.empty() ? "TCP" : sp.protocol;
      std::string url = lower(protocol) + "://" + joinHostPort(ip, sp.port);
      if (i == 0) out.push_back({prefix + "_PORT", url});
      std::string pp = prefix + "_PORT_" + std::to_string(sp.port) + "_" + upper(protocol);
      out.push_back({pp, url});
      out.push_back({pp + "_PROTO", lower(protocol)});
      out.push_back({pp + "_PORT", std::to_string(sp.port)});
      out.push_back({pp + "_ADDR", ip});
    }
  }
  return out;
}

std::vector<EnvVarValue> podServiceEnvVars(const std::vector<api::Service>& all,
                                           const std::string& pod_namespace,
                                           bool enable_service_links) {
  static const std::set<std::string> kMasterServices = {"kubernetes"};
  std::map<std::string, const api::Service*> by_name;
  for (const auto& svc : all) {
    if (!isServiceIPSet(svc)) continue;
    const std::string& name = svc.metadata.name;
    if (enable_service_links && svc.metadata.namespace_ == pod_namespace) {
      by_name[name] = &svc;  // the pod's own namespace wins over a master service
    } else if (svc.metadata.namespace_ == "default" && kMasterServices.count(name) != 0) {
      by_name.emplace(name, &svc);
    }
  }
  std::vector<const api::Service*> ordered;
  for (const auto& [name, svc] : by_name) ordered.push_back(svc);
  std::vector<EnvVarValue> vars = serviceEnvVars(ordered);
  // Names of different Services can collide (service "a" with port 80 and service
  // "a-port-80-tcp" both give A_PORT_80_TCP_PORT); upstream keeps one per name, so do we.
  std::set<std::string> seen;
  std::vector<EnvVarValue> out;
  for (auto& v : vars) {
    if (seen.insert(v.name).second) out.push_back(std::move(v));
  }
  return out;
}

}  // namespace orch::agent
