// core/v1 Node and Event, coordination.k8s.io/v1 Lease, discovery.k8s.io/v1 EndpointSlice and
// the policy/v1 Eviction body.

#include <set>

#include "common/api/discovery.h"
#include "common/api/event.h"
#include "common/api/lease.h"
#include "common/api/node.h"
#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

MetaOptions coreMeta(bool namespaced) {
  MetaOptions o;
  o.namespaced = namespaced;
  return o;
}

class NodeRules final : public TypedRules<api::Node> {
 protected:
  void defaults(api::Node& n) const override {
    if (n.status.allocatable.empty() && !n.status.capacity.empty()) {
      n.status.allocatable = n.status.capacity;
    }
    // The v1 conversion keeps podCIDR == podCIDRs[0].
    auto& s = n.spec;
    if (s.podCIDRs.empty() && !s.podCIDR.empty()) s.podCIDRs.push_back(s.podCIDR);
    if (!s.podCIDRs.empty()) s.podCIDR = s.podCIDRs[0];
  }
  FieldErrors create(const api::Node& n) const override {
    FieldErrors out = validateMeta(n.metadata, coreMeta(false));
    // Upstream validates the taints at metadata.taints (sic).
    static const std::vector<std::string> kEffects = {"NoSchedule", "PreferNoSchedule",
                                                      "NoExecute"};
    std::set<std::pair<std::string, std::string>> seen;
    for (size_t i = 0; i < n.spec.taints.size(); ++i) {
      const auto& t = n.spec.taints[i];
      std::string p = index("metadata.taints", i);
      append(out, validateQualifiedName(t.key, child(p, "key")));
      auto msgs = names::labelValue(t.value);
      if (!msgs.empty()) {
        std::string joined;
        for (const auto& m : msgs) joined += (joined.empty() ? "" : ";") + m;
        out.push_back(fe::invalidStr(child(p, "value"), t.value, joined));
      }
      bool ok = false;
      for (const auto& e : kEffects) ok = ok || e == t.effect;
      if (t.effect.empty()) {
        out.push_back(fe::required(child(p, "effect")));
      } else if (!ok) {
        out.push_back(fe::notSupported(child(p, "effect"), t.effect, kEffects));
      }
      if (!seen.insert({t.effect, t.key}).second) {
        FieldError e = fe::duplicate(
            p, "core.Taint{Key:" + fe::quote(t.key) + ", Value:" + fe::quote(t.value) +
                   ", Effect:" + fe::quote(t.effect) + ", TimeAdded:<nil>}");
        e.detail = "taints must be unique by key and effect pair";
        out.push_back(std::move(e));
      }
    }
    append(out, validateResourceList(n.status.capacity, "status.capacity"));
    append(out, validateResourceList(n.status.allocatable, "status.allocatable"));
    const auto& cidrs = n.spec.podCIDRs;
    std::set<int> families;
    bool all_valid = true;
    for (size_t i = 0; i < cidrs.size(); ++i) {
      int fam = 0;
      if (!names::isCIDR(cidrs[i], &fam)) {
        out.push_back(fe::invalidStr(index("spec.podCIDRs", i), cidrs[i], names::kCIDRMsg));
        all_valid = false;
      }
      families.insert(fam);
    }
    if (all_valid && cidrs.size() > 1 && (cidrs.size() > 2 || families.size() != 2)) {
      out.push_back(fe::invalid("spec.podCIDRs", fe::quoteList(cidrs),
                                "may specify no more than one CIDR for each IP family"));
    }
    return out;
  }
  FieldErrors update(const api::Node& n, const api::Node& o) const override {
    FieldErrors out;
    if (!o.spec.podCIDRs.empty() && n.spec.podCIDRs != o.spec.podCIDRs) {
      out.push_back(fe::forbidden("spec.podCIDRs",
                                  "node updates may not change podCIDR except from \"\" to valid"));
    }
    if (!o.spec.providerID.empty() && n.spec.providerID != o.spec.providerID) {
      out.push_back(fe::forbidden(
          "spec.providerID", "node updates may not change providerID except from \"\" to valid"));
    }
    return out;
  }
  FieldErrors status(const api::Node& n, const api::Node&) const override {
    FieldErrors out = validateResourceList(n.status.capacity, "status.capacity");
    append(out, validateResourceList(n.status.allocatable, "status.allocatable"));
    for (size_t i = 0; i < n.status.conditions.size(); ++i) {
      append(out, validateConditionStatus(n.status.conditions[i].status,
                                          child(index("status.conditions", i), "status")));
    }
    static const std::vector<std::string> kAddr = {"ExternalDNS", "ExternalIP", "Hostname",
                                                   "InternalDNS", "InternalIP"};
    for (size_t i = 0; i < n.status.addresses.size(); ++i) {
      const auto& a = n.status.addresses[i];
      bool ok = false;
      for (const auto& k : kAddr) ok = ok || k == a.type;
      if (!ok)
        out.push_back(fe::notSupported(child(index("status.addresses", i), "type"), a.type, kAddr));
    }
    return out;
  }
};

class EventRules final : public TypedRules<api::Event> {
 protected:
  FieldErrors create(const api::Event& e) const override {
    FieldErrors out = validateMeta(e.metadata, coreMeta(true));
    const std::string& ns = e.metadata.namespace_;
    const std::string& ins = e.involvedObject.namespace_;
    const std::string mismatch = "does not match event.namespace";
    if (!e.eventTime) {
      if (ins.empty()) {
        if (!ns.empty() && ns != "default") {
          out.push_back(fe::invalidStr("involvedObject.namespace", ins, mismatch));
        }
      } else if (ns != ins) {
        out.push_back(fe::invalidStr("involvedObject.namespace", ins, mismatch));
      }
    } else {
      if (ins.empty() && ns != "default" && ns != "kube-system") {
        out.push_back(fe::invalidStr("involvedObject.namespace", ins, mismatch));
      }
      if (e.reportingComponent.empty()) {
        out.push_back(fe::required("reportingComponent"));
      } else {
        append(out, validateQualifiedName(e.reportingComponent, "reportingComponent"));
      }
      if (e.reportingInstance.empty()) out.push_back(fe::required("reportingInstance"));
      if (e.reportingInstance.size() > 128) {
        out.push_back(fe::invalidStr("reportingInstance", "", "can have at most 128 characters"));
      }
      if (e.action.empty()) out.push_back(fe::required("action"));
      if (e.action.size() > 128) {
        out.push_back(fe::invalidStr("action", "", "can have at most 128 characters"));
      }
      if (e.reason.empty()) out.push_back(fe::required("reason"));
      if (e.reason.size() > 128) {
        out.push_back(fe::invalidStr("reason", "", "can have at most 128 characters"));
      }
      if (e.message.size() > 1024) {
        out.push_back(fe::invalidStr("message", "", "can have at most 1024 characters"));
      }
    }
    if (!e.type.empty() && e.type != "Normal" && e.type != "Warning") {
      out.push_back(fe::notSupported("type", e.type, {"Normal", "Warning"}));
    }
    return out;
  }
};

class LeaseRules final : public TypedRules<api::Lease> {
 protected:
  FieldErrors create(const api::Lease& l) const override {
    FieldErrors out = validateMeta(l.metadata, MetaOptions{});
    const auto& s = l.spec;
    if (s.leaseDurationSeconds && *s.leaseDurationSeconds <= 0) {
      out.push_back(fe::invalidInt("spec.leaseDurationSeconds", *s.leaseDurationSeconds,
                                   "must be greater than 0"));
    }
    if (s.leaseTransitions && *s.leaseTransitions < 0) {
      out.push_back(
          fe::invalidInt("spec.leaseTransitions", *s.leaseTransitions, names::kNonNegative));
    }
    if (s.strategy && *s.strategy != "OldestEmulationVersion") {
      out.push_back(fe::notSupported("spec.strategy", *s.strategy, {"OldestEmulationVersion"}));
    }
    if (s.preferredHolder && !s.preferredHolder->empty() && (!s.strategy || s.strategy->empty())) {
      out.push_back(
          fe::forbidden("spec.preferredHolder", "may only be specified if `strategy` is defined"));
    }
    return out;
  }
};

class EndpointSliceRules final : public TypedRules<api::EndpointSlice> {
 protected:
  void defaults(api::EndpointSlice& s) const override {
    for (auto& p : s.ports) {
      if (!p.name) p.name = "";
      if (!p.protocol) p.protocol = "TCP";
    }
  }
  FieldErrors create(const api::EndpointSlice& s) const override {
    FieldErrors out = validateMeta(s.metadata, MetaOptions{});
    static const std::vector<std::string> kTypes = {"FQDN", "IPv4", "IPv6"};
    bool known = s.addressType == "FQDN" || s.addressType == "IPv4" || s.addressType == "IPv6";
    if (!known) out.push_back(fe::notSupported("addressType", s.addressType, kTypes));
    if (s.endpoints.size() > 1000)
      out.push_back(fe::tooMany("endpoints", s.endpoints.size(), 1000));
    for (size_t i = 0; i < s.endpoints.size(); ++i) {
      const auto& e = s.endpoints[i];
      std::string ep = index("endpoints", i);
      std::string ap = child(ep, "addresses");
      if (e.addresses.empty()) {
        out.push_back(fe::required(ap, "must contain at least 1 address"));
      } else if (e.addresses.size() > 100) {
        out.push_back(fe::tooMany(ap, e.addresses.size(), 100));
      }
      for (size_t j = 0; j < e.addresses.size(); ++j) {
        const std::string& a = e.addresses[j];
        if (s.addressType == "IPv4" && !names::isIPv4(a)) {
          out.push_back(fe::invalidStr(index(ap, j), a, "must be a valid IPv4 address"));
        } else if (s.addressType == "IPv6" && !names::isIPv6(a)) {
          out.push_back(fe::invalidStr(index(ap, j), a, "must be a valid IPv6 address"));
        } else if (s.addressType == "FQDN") {
          for (const auto& m : names::fullyQualifiedDomainName(a)) {
            out.push_back(fe::invalidStr(index(ap, j), a, m));
          }
        }
      }
      if (e.hostname && !e.hostname->empty())
        append(out, validateDns1123Label(*e.hostname, child(ep, "hostname")));
      if (e.nodeName && !e.nodeName->empty()) {
        append(out, validateDns1123Subdomain(*e.nodeName, child(ep, "nodeName")));
      }
      append(out, validateLabels(e.deprecatedTopology, child(ep, "deprecatedTopology")));
    }
    if (s.ports.size() > 20000) out.push_back(fe::tooMany("ports", s.ports.size(), 20000));
    std::set<std::string> names;
    for (size_t i = 0; i < s.ports.size(); ++i) {
      const auto& p = s.ports[i];
      std::string pp = index("ports", i);
      std::string name = p.name.value_or("");
      if (!name.empty()) append(out, validateDns1123Label(name, child(pp, "name")));
      if (!names.insert(name).second)
        out.push_back(fe::duplicate(child(pp, "name"), fe::quote(name)));
      if (!p.protocol) {
        out.push_back(fe::required(child(pp, "protocol")));
      } else if (*p.protocol != "TCP" && *p.protocol != "UDP" && *p.protocol != "SCTP") {
        out.push_back(fe::notSupported(child(pp, "protocol"), *p.protocol, {"SCTP", "TCP", "UDP"}));
      }
      if (p.port && (*p.port < 0 || *p.port > 65535)) {
        out.push_back(
            fe::invalidInt(child(pp, "port"), *p.port, "must be between 1 and 65535, inclusive"));
      }
      if (p.appProtocol)
        append(out, validateQualifiedName(*p.appProtocol, child(pp, "appProtocol")));
    }
    return out;
  }
  FieldErrors update(const api::EndpointSlice& n, const api::EndpointSlice& o) const override {
    if (n.addressType == o.addressType) return {};
    return {immutable("addressType", fe::quote(n.addressType))};
  }
};

// policy/v1 Eviction: its deleteOptions (ValidateDeleteOptions), on the JSON.
class EvictionRules final : public KindRules {
 public:
  Status applyDefaults(Json& obj) const override {
    if (!obj.is_object())
      return Status::invalid("expected object, got " + std::string(api::jsonTypeName(obj)));
    return Status::ok();
  }
  FieldErrors validateCreate(const Json& obj) const override {
    FieldErrors out;
    if (!obj.is_object() || !obj.contains("deleteOptions") || !obj["deleteOptions"].is_object()) {
      return out;
    }
    const Json& d = obj["deleteOptions"];
    if (d.contains("propagationPolicy") && d["propagationPolicy"].is_string()) {
      std::string p = d["propagationPolicy"].get<std::string>();
      if (d.contains("orphanDependents") && !d["orphanDependents"].is_null()) {
        out.push_back(fe::invalidStr(
            "propagationPolicy", p, "orphanDependents and deletionPropagation cannot be both set"));
      }
      if (p != "Foreground" && p != "Background" && p != "Orphan") {
        out.push_back(fe::notSupported("propagationPolicy", p,
                                       {"Foreground", "Background", "Orphan", "nil"}));
      }
    }
    if (d.contains("dryRun") && d["dryRun"].is_array()) {
      std::vector<std::string> v;
      bool ok = true;
      for (const auto& e : d["dryRun"]) {
        std::string s = e.is_string() ? e.get<std::string>() : e.dump();
        ok = ok && s == "All";
        v.push_back(s);
      }
      if (!ok) {
        FieldError e = fe::notSupported("dryRun", "", {"All"});
        e.value = fe::quoteList(v);
        out.push_back(std::move(e));
      }
    }
    return out;
  }
  FieldErrors validateUpdate(const Json& obj, const Json&) const override {
    return validateCreate(obj);
  }
  FieldErrors validateStatusUpdate(const Json&, const Json&) const override { return {}; }
};

}  // namespace

const KindRules* nodeRules() {
  static const NodeRules r;
  return &r;
}
const KindRules* eventRules() {
  static const EventRules r;
  return &r;
}
const KindRules* leaseRules() {
  static const LeaseRules r;
  return &r;
}
const KindRules* endpointSliceRules() {
  static const EndpointSliceRules r;
  return &r;
}
const KindRules* evictionRules() {
  static const EvictionRules r;
  return &r;
}

}  // namespace orch::apiserver
