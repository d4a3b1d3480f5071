#include "agent/config/value_parsers.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <set>
#include <utility>

#include "common/api/label_selector.h"

namespace orch::agent {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

// The kubelet's own labels (kubeletapis.IsKubeletLabel) and the namespaces it may set.
bool isKubeletLabel(std::string_view key) {
  static const std::set<std::string, std::less<>> kLabels = {
      "kubernetes.io/hostname",
      "topology.kubernetes.io/zone",
      "topology.kubernetes.io/region",
      "failure-domain.beta.kubernetes.io/zone",
      "failure-domain.beta.kubernetes.io/region",
      "beta.kubernetes.io/instance-type",
      "node.kubernetes.io/instance-type",
      "kubernetes.io/os",
      "kubernetes.io/arch",
      "beta.kubernetes.io/os",
      "beta.kubernetes.io/arch",
  };
  if (kLabels.contains(key)) return true;
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view ns = key.substr(0, slash);
  for (std::string_view allowed : {"kubelet.kubernetes.io", "node.kubernetes.io"}) {
    if (ns == allowed || ns.ends_with("." + std::string(allowed))) return true;
  }
  return false;
}

bool inKubernetesNamespace(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return false;
  std::string_view ns = key.substr(0, slash);
  return ns == "kubernetes.io" || ns.ends_with(".kubernetes.io") || ns == "k8s.io" ||
         ns.ends_with(".k8s.io");
}

bool isDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return s.front() != '-' && s.back() != '-';
}

}  // namespace

Status validateNodeLabels(const std::map<std::string, std::string>& labels) {
  std::string restricted;
  for (const auto& [k, v] : labels) {
    ORCH_RETURN_IF_ERROR(api::validateLabelKey(k));
    ORCH_RETURN_IF_ERROR(api::validateLabelValue(v));
    if (inKubernetesNamespace(k) && !isKubeletLabel(k)) {
      restricted += (restricted.empty() ? "" : ", ") + k;
    }
  }
  if (!restricted.empty()) {
    return Status::invalid(
        "unknown 'kubernetes.io' or 'k8s.io' labels: " + restricted +
        " (labels in these namespaces must begin with an allowed prefix "
        "(kubelet.kubernetes.io, node.kubernetes.io) or be in the kubelet's own set "
        "(kubernetes.io/hostname, kubernetes.io/os, kubernetes.io/arch, "
        "topology.kubernetes.io/zone, topology.kubernetes.io/region, "
        "node.kubernetes.io/instance-type, ...))");
  }
  return Status::ok();
}

Result<std::map<std::string, std::string>> parseNodeLabels(std::string_view text) {
  std::map<std::string, std::string> out;
  for (std::string_view item : split(text, ',')) {
    if (trim(item).empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Status::invalid("malformed pair \"" + std::string(item) + "\", expect key=value");
    }
    out[std::string(trim(item.substr(0, eq)))] = std::string(trim(item.substr(eq + 1)));
  }
  ORCH_RETURN_IF_ERROR(validateNodeLabels(out));
  return out;
}

Status validateTaint(const api::Taint& t) {
  auto bad = [&](const std::string& why) {
    return Status::invalid("invalid taint \"" + t.key + (t.value.empty() ? "" : "=" + t.value) +
                           ":" + t.effect + "\": " + why);
  };
  if (Status st = api::validateLabelKey(t.key); !st.isOk()) return bad(st.context());
  if (Status st = api::validateLabelValue(t.value); !st.isOk()) return bad(st.context());
  if (t.effect != "NoSchedule" && t.effect != "PreferNoSchedule" && t.effect != "NoExecute") {
    return bad(t.effect.empty() ? "missing effect (NoSchedule, PreferNoSchedule or NoExecute)"
                                : "unsupported effect \"" + t.effect +
                                      "\" (NoSchedule, PreferNoSchedule or NoExecute)");
  }
  return Status::ok();
}

Result<std::vector<api::Taint>> parseTaints(std::string_view text) {
  std::vector<api::Taint> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (std::string_view item : split(text, ',')) {
    item = trim(item);
    if (item.empty()) continue;
    auto parts = split(item, ':');
    if (parts.size() != 2) {
      return Status::invalid("invalid taint spec \"" + std::string(item) +
                             "\": expect key=value:Effect or key:Effect");
    }
    auto kv = split(parts[0], '=');
    if (kv.size() > 2) {
      return Status::invalid("invalid taint spec \"" + std::string(item) +
                             "\": more than one '=' in key=value");
    }
    api::Taint t;
    t.key = std::string(kv[0]);
    if (kv.size() == 2) t.value = std::string(kv[1]);
    t.effect = std::string(parts[1]);
    ORCH_RETURN_IF_ERROR(validateTaint(t));
    if (!seen.insert({t.key, t.effect}).second) {
      return Status::invalid("duplicate taint \"" + t.key + ":" + t.effect + "\"");
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::string> parseIp(std::string_view text) {
  std::string s(trim(text));
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    inet_ntop(AF_INET, buf, out, sizeof out);
    return std::string(out);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    inet_ntop(AF_INET6, buf, out, sizeof out);
    return std::string(out);
  }
  return Status::invalid("\"" + s + "\" is not an IP address");
}

Result<std::vector<std::string>> parseIpList(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view item : split(text, ',')) {
    if (trim(item).empty()) continue;
    ORCH_ASSIGN_OR_RETURN(std::string ip, parseIp(item));
    out.push_back(std::move(ip));
  }
  return out;
}

Result<std::vector<std::string>> parseNodeIPs(std::string_view text) {
  ORCH_ASSIGN_OR_RETURN(auto ips, parseIpList(text));
  auto v6 = [](const std::string& ip) { return ip.find(':') != std::string::npos; };
  if (ips.size() > 2) return Status::invalid("at most two node IPs (one per family)");
  if (ips.size() == 2) {
    if (v6(ips[0]) == v6(ips[1])) {
      return Status::invalid("dual-stack node IPs must be one IPv4 and one IPv6 address");
    }
    for (const auto& ip : ips) {
      if (ip == "0.0.0.0" || ip == "::") {
        return Status::invalid("a dual-stack pair cannot include \"" + ip + "\"");
      }
    }
  }
  for (const auto& ip : ips) {
    if (ip.starts_with("127.") || ip == "::1") {
      return Status::invalid("node IP " + ip + " is a loopback address");
    }
  }
  return ips;
}

Result<std::string> canonicalNodeName(std::string_view text) {
  std::string name(trim(text));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto bad = [&](const std::string& why) {
    return Status::invalid("invalid node name \"" + name + "\": " + why);
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 253) return bad("longer than 253 characters");
  for (std::string_view label : split(name, '.')) {
    if (!isDnsLabel(label)) {
      return bad(
          "must be a DNS subdomain: labels of [a-z0-9-] separated by '.', "
          "each starting and ending with a letter or digit");
    }
  }
  return name;
}

Result<std::string> parseRuntimeEndpoint(std::string_view text) {
  std::string s(trim(text));
  if (s.starts_with("unix://")) {
    if (s.size() <= 7 || s[7] != '/') {
      return Status::invalid("\"" + s + "\": expect unix:///absolute/path");
    }
    return s;
  }
  if (s.starts_with("/")) return "unix://" + s;
  if (s.empty()) return Status::invalid("empty endpoint");
  return Status::invalid("\"" + s + "\": only unix:// endpoints are supported");
}

}  // namespace orch::agent
