// Service and Endpoints: SetDefaults_Service / SetDefaults_Endpoints, ValidateService,
// ValidateServiceUpdate (cluster IPs may not change once set, except to/from ExternalName),
// ValidateServiceStatusUpdate and ValidateEndpoints.

#include <set>

#include "common/api/service.h"
#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};
constexpr int32_t kDefaultClientIPTimeout = 10800;
constexpr int32_t kMaxClientIPTimeout = 86400;

bool has(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& e : v) {
    if (e == s) return true;
  }
  return false;
}

bool externallyAccessible(const api::ServiceSpec& s) {
  return s.type == "LoadBalancer" || s.type == "NodePort" ||
         (s.type == "ClusterIP" && !s.externalIPs.empty());
}

bool headless(const api::ServiceSpec& s) {
  return s.clusterIP == "None";
}

bool headlessIPs(const api::ServiceSpec& s) {
  return s.clusterIPs.size() == 1 && s.clusterIPs[0] == "None";
}

// ValidateServiceClusterIPsRelatedFields (not for ExternalName).
FieldErrors validateClusterIPs(const api::ServiceSpec& s) {
  FieldErrors out;
  const std::string ips = "spec.clusterIPs";
  if (!s.clusterIP.empty()) {
    if (s.clusterIPs.empty()) {
      out.push_back(fe::required(ips));
    } else if (s.clusterIPs[0] != s.clusterIP) {
      out.push_back(
          fe::invalid(ips, fe::quoteList(s.clusterIPs), "first value must match `clusterIP`"));
    }
  } else if (!s.clusterIPs.empty()) {
    out.push_back(fe::invalid(ips, fe::quoteList(s.clusterIPs),
                              "must be empty when `clusterIP` is not specified"));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < s.ipFamilies.size(); ++i) {
    const std::string& f = s.ipFamilies[i];
    if (f != "IPv4" && f != "IPv6") {
      out.push_back(fe::notSupported(index("spec.ipFamilies", i), f, {"IPv4", "IPv6"}));
    }
    if (!seen.insert(f).second)
      out.push_back(fe::duplicate(index("spec.ipFamilies", i), fe::quote(f)));
  }
  if (s.ipFamilyPolicy) {
    static const std::vector<std::string> kPolicies = {"PreferDualStack", "RequireDualStack",
                                                       "SingleStack"};
    if (!has(kPolicies, *s.ipFamilyPolicy)) {
      out.push_back(fe::notSupported("spec.ipFamilyPolicy", *s.ipFamilyPolicy, kPolicies));
    }
  }
  bool invalid = false;
  for (size_t i = 0; i < s.clusterIPs.size(); ++i) {
    const std::string& ip = s.clusterIPs[i];
    if (i == 0 && ip == "None") {
      if (s.clusterIPs.size() > 1) {
        invalid = true;
        out.push_back(fe::invalid(ips, fe::quoteList(s.clusterIPs),
                                  "'None' must be the first and only value"));
      }
      continue;
    }
    if (!names::isIP(ip)) {
      invalid = true;
      out.push_back(fe::invalidStr(index(ips, i), ip, names::kIPMsg));
    }
  }
  if (s.clusterIPs.size() > 2) {
    out.push_back(fe::invalid(ips, fe::quoteList(s.clusterIPs), "may only hold up to 2 values"));
  }
  if (invalid) return out;
  if (s.clusterIPs.size() > 1 && (s.clusterIPs.size() != 2 || names::isIPv6(s.clusterIPs[0]) ==
                                                                  names::isIPv6(s.clusterIPs[1]))) {
    out.push_back(fe::invalid(ips, fe::quoteList(s.clusterIPs),
                              "may specify no more than one IP for each IP family"));
  }
  if (!headlessIPs(s)) {
    for (size_t i = 0; i < s.clusterIPs.size() && i < s.ipFamilies.size(); ++i) {
      bool v6 = names::isIPv6(s.clusterIPs[i]);
      if (s.ipFamilies[i] == "IPv4" && v6) {
        out.push_back(fe::invalidStr(
            index(ips, i), s.clusterIPs[i],
            "expected an IPv4 value as indicated by `ipFamilies[" + std::to_string(i) + "]`"));
      }
      if (s.ipFamilies[i] == "IPv6" && !v6) {
        out.push_back(fe::invalidStr(
            index(ips, i), s.clusterIPs[i],
            "expected an IPv6 value as indicated by `ipFamilies[" + std::to_string(i) + "]`"));
      }
    }
  }
  return out;
}

std::string policyValue(const std::optional<std::string>& p) {
  return p ? fe::quote(*p) : std::string("null");
}

// validateUpgradeDowngradeClusterIPs: the primary IP never changes; a secondary may be added,
// or released with ipFamilyPolicy SingleStack.
FieldErrors upgradeDowngradeClusterIPs(const api::ServiceSpec& o, const api::ServiceSpec& n) {
  FieldErrors out;
  if (n.type == "ExternalName" || o.type == "ExternalName") return out;
  if (headlessIPs(o) && headlessIPs(n)) return out;
  const std::string ips = "spec.clusterIPs";
  std::string list = fe::quoteList(n.clusterIPs);
  if (n.clusterIPs.empty()) list = "[]string(nil)";
  if (o.clusterIPs.size() == n.clusterIPs.size()) {
    for (size_t i = 0; i < o.clusterIPs.size(); ++i) {
      if (o.clusterIPs[i] != n.clusterIPs[i]) {
        out.push_back(fe::invalid(index(ips, i), list, "may not change once set"));
      }
    }
  } else if (o.clusterIPs.size() > n.clusterIPs.size()) {
    if (n.clusterIPs.empty()) {
      out.push_back(fe::invalid(index(ips, 0), list, "primary clusterIP can not be unset"));
    }
    if (!o.clusterIPs.empty() && !n.clusterIPs.empty() && n.clusterIPs[0] != o.clusterIPs[0]) {
      out.push_back(fe::invalid(index(ips, 0), list, "may not change once set"));
    }
    if (n.clusterIPs.size() == 1 && n.ipFamilyPolicy.value_or("") != "SingleStack") {
      out.push_back(fe::invalid("spec.ipFamilyPolicy", policyValue(n.ipFamilyPolicy),
                                "must be set to 'SingleStack' when releasing the secondary "
                                "clusterIP"));
    }
  } else if (!o.clusterIPs.empty() && n.clusterIPs[0] != o.clusterIPs[0]) {
    out.push_back(fe::invalid(index(ips, 0), list, "may not change once set"));
  }
  return out;
}

// validateUpgradeDowngradeIPFamilies.
FieldErrors upgradeDowngradeIPFamilies(const api::ServiceSpec& o, const api::ServiceSpec& n) {
  FieldErrors out;
  if (n.type == "ExternalName" || o.type == "ExternalName") return out;
  if (headlessIPs(o) != headlessIPs(n) || headlessIPs(n)) return out;
  const std::string fams = "spec.ipFamilies";
  std::string list = fe::quoteList(n.ipFamilies);
  if (o.ipFamilies.size() == n.ipFamilies.size()) {
    for (size_t i = 0; i < o.ipFamilies.size(); ++i) {
      if (o.ipFamilies[i] != n.ipFamilies[i]) {
        out.push_back(fe::invalid(index(fams, 0), list, "may not change once set"));
      }
    }
  } else if (o.ipFamilies.size() > n.ipFamilies.size()) {
    if (n.clusterIPs.empty()) {
      out.push_back(fe::invalid(index(fams, 0), list, "primary ipFamily can not be unset"));
    }
    if (!n.ipFamilies.empty() && n.ipFamilies[0] != o.ipFamilies[0]) {
      out.push_back(
          fe::invalid(index(fams, 0), fe::quoteList(n.clusterIPs), "may not change once set"));
    }
    if (n.ipFamilies.size() == 1 && n.ipFamilyPolicy.value_or("") != "SingleStack") {
      out.push_back(fe::invalid("spec.ipFamilyPolicy", policyValue(n.ipFamilyPolicy),
                                "must be set to 'SingleStack' when releasing the secondary "
                                "ipFamily"));
    }
  } else if (!o.ipFamilies.empty() && !n.ipFamilies.empty() && n.ipFamilies[0] != o.ipFamilies[0]) {
    out.push_back(
        fe::invalid(index(fams, 0), fe::quoteList(n.clusterIPs), "may not change once set"));
  }
  return out;
}

class ServiceRules final : public TypedRules<api::Service> {
 protected:
  void defaults(api::Service& svc) const override {
    auto& s = svc.spec;
    if (s.sessionAffinity.empty()) s.sessionAffinity = "None";
    if (s.sessionAffinity == "None") s.sessionAffinityConfig.reset();
    if (s.sessionAffinity == "ClientIP" &&
        (!s.sessionAffinityConfig || !s.sessionAffinityConfig->clientIP ||
         !s.sessionAffinityConfig->clientIP->timeoutSeconds)) {
      api::SessionAffinityConfig c;
      c.clientIP = api::ClientIPConfig{kDefaultClientIPTimeout, {}};
      s.sessionAffinityConfig = c;
    }
    if (s.type.empty()) s.type = "ClusterIP";
    for (auto& p : s.ports) {
      if (p.protocol.empty()) p.protocol = "TCP";
      if (p.targetPort == api::IntOrString(0) || p.targetPort == api::IntOrString("")) {
        p.targetPort = api::IntOrString(p.port);
      }
    }
    if (externallyAccessible(s) && s.externalTrafficPolicy.empty()) {
      s.externalTrafficPolicy = "Cluster";
    }
    if (!s.internalTrafficPolicy &&
        (s.type == "NodePort" || s.type == "LoadBalancer" || s.type == "ClusterIP")) {
      s.internalTrafficPolicy = "Cluster";
    }
    if (s.type == "LoadBalancer" && !s.allocateLoadBalancerNodePorts) {
      s.allocateLoadBalancerNodePorts = true;
    }
    if (s.type == "LoadBalancer") {
      for (auto& ing : svc.status.loadBalancer.ingress) {
        if (!ing.ip.empty() && !ing.ipMode) ing.ipMode = "VIP";
      }
    }
    // The registry's IP-family defaulting: single stack unless asked otherwise.
    if (s.type != "ExternalName" && !s.ipFamilyPolicy) s.ipFamilyPolicy = "SingleStack";
    // The v1 conversion keeps clusterIP == clusterIPs[0].
    if (s.clusterIPs.empty() && !s.clusterIP.empty()) s.clusterIPs.push_back(s.clusterIP);
    if (!s.clusterIPs.empty() && s.clusterIP.empty()) s.clusterIP = s.clusterIPs[0];
  }

  FieldErrors create(const api::Service& svc) const override {
    MetaOptions opts;
    opts.name_rule = names::NameRule::kDns1035;
    FieldErrors out = validateMeta(svc.metadata, opts);
    const auto& s = svc.spec;
    if (s.ports.empty() && !headless(s) && s.type != "ExternalName") {
      out.push_back(fe::required("spec.ports"));
    }
    if (s.type == "ExternalName") {
      const char* msg = "may not be set for ExternalName services";
      if (!s.clusterIPs.empty()) out.push_back(fe::forbidden("spec.clusterIPs", msg));
      if (!s.ipFamilies.empty()) out.push_back(fe::forbidden("spec.ipFamilies", msg));
      if (s.ipFamilyPolicy) out.push_back(fe::forbidden("spec.ipFamilyPolicy", msg));
      std::string cname = s.externalName;
      if (!cname.empty() && cname.back() == '.') cname.pop_back();
      if (cname.empty()) {
        out.push_back(fe::required("spec.externalName"));
      } else {
        append(out, validateDns1123Subdomain(cname, "spec.externalName"));
      }
    }
    std::set<std::string> portNames;
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const auto& p = s.ports[i];
      std::string pp = index("spec.ports", i);
      if (s.ports.size() > 1 && p.name.empty()) {
        out.push_back(fe::required(child(pp, "name")));
      } else if (!p.name.empty()) {
        append(out, validateDns1123Label(p.name, child(pp, "name")));
        if (!portNames.insert(p.name).second) {
          out.push_back(fe::duplicate(child(pp, "name"), fe::quote(p.name)));
        }
      }
      for (const auto& m : names::portNum(p.port)) {
        out.push_back(fe::invalidInt(child(pp, "port"), p.port, m));
      }
      if (p.protocol.empty()) {
        out.push_back(fe::required(child(pp, "protocol")));
      } else if (!has(kProtocols, p.protocol)) {
        out.push_back(fe::notSupported(child(pp, "protocol"), p.protocol, kProtocols));
      }
      append(out, validatePortNumOrName(p.targetPort, child(pp, "targetPort")));
      if (p.appProtocol)
        append(out, validateQualifiedName(*p.appProtocol, child(pp, "appProtocol")));
    }
    append(out, validateLabels(s.selector, "spec.selector"));
    if (s.sessionAffinity.empty()) {
      out.push_back(fe::required("spec.sessionAffinity"));
    } else if (s.sessionAffinity != "ClientIP" && s.sessionAffinity != "None") {
      out.push_back(
          fe::notSupported("spec.sessionAffinity", s.sessionAffinity, {"ClientIP", "None"}));
    }
    if (s.sessionAffinity == "ClientIP") {
      const std::string cfg = "spec.sessionAffinityConfig";
      const std::string when = "when session affinity type is ClientIP";
      if (!s.sessionAffinityConfig) {
        out.push_back(fe::required(cfg, when));
      } else if (!s.sessionAffinityConfig->clientIP) {
        out.push_back(fe::required(child(cfg, "clientIP"), when));
      } else if (!s.sessionAffinityConfig->clientIP->timeoutSeconds) {
        out.push_back(fe::required(child(child(cfg, "clientIP"), "timeoutSeconds"), when));
      } else {
        int32_t t = *s.sessionAffinityConfig->clientIP->timeoutSeconds;
        if (t <= 0 || t > kMaxClientIPTimeout) {
          out.push_back(fe::invalidInt(child(child(cfg, "clientIP"), "timeoutSeconds"), t,
                                       "must be greater than 0 and less than 86400"));
        }
      }
    } else if (s.sessionAffinity == "None" && s.sessionAffinityConfig) {
      out.push_back(fe::forbidden("spec.sessionAffinityConfig",
                                  "must not be set when session affinity is None"));
    }
    if (s.type != "ExternalName") append(out, validateClusterIPs(s));
    for (size_t i = 0; i < s.externalIPs.size(); ++i) {
      if (!names::isIP(s.externalIPs[i])) {
        out.push_back(
            fe::invalidStr(index("spec.externalIPs", i), s.externalIPs[i], names::kIPMsg));
      }
    }
    static const std::vector<std::string> kTypes = {"ClusterIP", "ExternalName", "LoadBalancer",
                                                    "NodePort"};
    if (s.type.empty()) {
      out.push_back(fe::required("spec.type"));
    } else if (!has(kTypes, s.type)) {
      out.push_back(fe::notSupported("spec.type", s.type, kTypes));
    }
    if (s.type == "ClusterIP") {
      for (size_t i = 0; i < s.ports.size(); ++i) {
        if (s.ports[i].nodePort != 0) {
          out.push_back(fe::forbidden(child(index("spec.ports", i), "nodePort"),
                                      "may not be used when `type` is 'ClusterIP'"));
        }
      }
    }
    std::set<std::pair<std::string, int32_t>> nodePorts, ports;
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const auto& p = s.ports[i];
      std::string pp = index("spec.ports", i);
      if (p.nodePort != 0 && !nodePorts.insert({p.protocol, p.nodePort}).second) {
        out.push_back(fe::duplicate(child(pp, "nodePort"), std::to_string(p.nodePort)));
      }
      if (!ports.insert({p.protocol, p.port}).second) {
        out.push_back(
            fe::duplicate(pp, "core.ServicePort{Name:\"\", Protocol:" + fe::quote(p.protocol) +
                                  ", AppProtocol:(*string)(nil)"
                                  ", Port:" +
                                  std::to_string(p.port) +
                                  ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, "
                                  "StrVal:\"\"}, NodePort:0}"));
      }
    }
    if (!externallyAccessible(s)) {
      if (!s.externalTrafficPolicy.empty()) {
        out.push_back(fe::invalidStr("spec.externalTrafficPolicy", s.externalTrafficPolicy,
                                     "may only be set for externally-accessible services"));
      }
    } else if (s.externalTrafficPolicy.empty()) {
      out.push_back(fe::required("spec.externalTrafficPolicy"));
    } else if (s.externalTrafficPolicy != "Cluster" && s.externalTrafficPolicy != "Local") {
      out.push_back(fe::notSupported("spec.externalTrafficPolicy", s.externalTrafficPolicy,
                                     {"Cluster", "Local"}));
    }
    if (s.healthCheckNodePort != 0 &&
        !(s.type == "LoadBalancer" && s.externalTrafficPolicy == "Local")) {
      out.push_back(fe::invalidInt("spec.healthCheckNodePort", s.healthCheckNodePort,
                                   "may only be set when `type` is 'LoadBalancer' and "
                                   "`externalTrafficPolicy` is 'Local'"));
    }
    if (s.type != "ExternalName") {
      if (!s.internalTrafficPolicy) {
        out.push_back(fe::required("spec.internalTrafficPolicy"));
      } else if (*s.internalTrafficPolicy != "Cluster" && *s.internalTrafficPolicy != "Local") {
        out.push_back(fe::notSupported("spec.internalTrafficPolicy", *s.internalTrafficPolicy,
                                       {"Cluster", "Local"}));
      }
    }
    for (size_t i = 0; i < s.loadBalancerSourceRanges.size(); ++i) {
      if (!names::isCIDR(s.loadBalancerSourceRanges[i])) {
        out.push_back(fe::invalidStr(index("spec.loadBalancerSourceRanges", i),
                                     s.loadBalancerSourceRanges[i], names::kCIDRMsg));
      }
    }
    return out;
  }

  FieldErrors update(const api::Service& n, const api::Service& o) const override {
    FieldErrors out = upgradeDowngradeClusterIPs(o.spec, n.spec);
    append(out, upgradeDowngradeIPFamilies(o.spec, n.spec));
    return out;
  }

  FieldErrors status(const api::Service& n, const api::Service&) const override {
    FieldErrors out;
    const auto& ing = n.status.loadBalancer.ingress;
    for (size_t i = 0; i < ing.size(); ++i) {
      std::string ip = index("status.loadBalancer.ingress", i);
      if (!ing[i].ip.empty() && !names::isIP(ing[i].ip)) {
        out.push_back(fe::invalidStr(child(ip, "ip"), ing[i].ip, names::kIPMsg));
      }
      if (!ing[i].hostname.empty()) {
        append(out, validateDns1123Subdomain(ing[i].hostname, child(ip, "hostname")));
        if (names::isIP(ing[i].hostname)) {
          out.push_back(fe::invalidStr(child(ip, "hostname"), ing[i].hostname,
                                       "must be a DNS name, not an IP address"));
        }
      }
    }
    return out;
  }
};

class EndpointsRules final : public TypedRules<api::Endpoints> {
 protected:
  void defaults(api::Endpoints& e) const override {
    for (auto& ss : e.subsets) {
      for (auto& p : ss.ports) {
        if (p.protocol.empty()) p.protocol = "TCP";
      }
    }
  }
  FieldErrors create(const api::Endpoints& e) const override {
    MetaOptions opts;
    FieldErrors out = validateMeta(e.metadata, opts);
    for (size_t i = 0; i < e.subsets.size(); ++i) {
      const auto& ss = e.subsets[i];
      std::string sp = index("subsets", i);
      if (ss.addresses.empty() && ss.notReadyAddresses.empty()) {
        out.push_back(fe::required(sp, "must specify `addresses` or `notReadyAddresses`"));
      }
      for (const auto& [list, name] : {std::pair{&ss.addresses, "addresses"},
                                       std::pair{&ss.notReadyAddresses, "notReadyAddresses"}}) {
        for (size_t j = 0; j < list->size(); ++j) {
          const auto& a = (*list)[j];
          std::string ap = index(child(sp, name), j);
          if (!names::isIP(a.ip))
            out.push_back(fe::invalidStr(child(ap, "ip"), a.ip, names::kIPMsg));
          if (!a.hostname.empty())
            append(out, validateDns1123Label(a.hostname, child(ap, "hostname")));
          if (a.nodeName && !a.nodeName->empty()) {
            append(out, validateDns1123Subdomain(*a.nodeName, child(ap, "nodeName")));
          }
        }
      }
      for (size_t j = 0; j < ss.ports.size(); ++j) {
        const auto& p = ss.ports[j];
        std::string pp = index(child(sp, "ports"), j);
        if (ss.ports.size() > 1 && p.name.empty()) {
          out.push_back(fe::required(child(pp, "name")));
        } else if (!p.name.empty()) {
          append(out, validateDns1123Label(p.name, child(pp, "name")));
        }
        for (const auto& m : names::portNum(p.port)) {
          out.push_back(fe::invalidInt(child(pp, "port"), p.port, m));
        }
        if (p.protocol.empty()) {
          out.push_back(fe::required(child(pp, "protocol")));
        } else if (!has(kProtocols, p.protocol)) {
          out.push_back(fe::notSupported(child(pp, "protocol"), p.protocol, kProtocols));
        }
      }
    }
    return out;
  }
};

}  // namespace

const KindRules* serviceRules() {
  static const ServiceRules r;
  return &r;
}

const KindRules* endpointsRules() {
  static const EndpointsRules r;
  return &r;
}

}  // namespace orch::apiserver
