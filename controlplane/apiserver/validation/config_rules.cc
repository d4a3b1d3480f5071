// core/v1 Namespace, ConfigMap, Secret, ServiceAccount, ResourceQuota and LimitRange.

#include <set>

#include "common/api/config.h"
#include "common/api/policy.h"
#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

constexpr size_t kMaxSecretSize = 1024 * 1024;

MetaOptions coreMeta(bool namespaced = true) {
  MetaOptions o;
  o.namespaced = namespaced;
  return o;
}

// ValidateNamespace's spec.finalizers check (reported at the list path, as upstream).
FieldErrors validateKubeFinalizers(const std::vector<std::string>& fins, const std::string& path) {
  FieldErrors out;
  for (const std::string& f : fins) {
    for (const auto& m : names::qualifiedName(f)) out.push_back(fe::invalidStr(path, f, m));
    if (f.find('/') == std::string::npos && !isStandardFinalizer(f)) {
      out.push_back(fe::invalidStr(path, f,
                                   "name is neither a standard finalizer name nor is it fully "
                                   "qualified"));
    }
  }
  return out;
}

class NamespaceRules final : public TypedRules<api::Namespace> {
 protected:
  void defaults(api::Namespace& ns) const override {
    if (!ns.metadata.name.empty())
      ns.metadata.labels["kubernetes.io/metadata.name"] = ns.metadata.name;
    if (ns.status.phase.empty()) ns.status.phase = "Active";
    // Create-time (not yet stored): the "kubernetes" finalizer is required.
    if (ns.metadata.resourceVersion.empty() && ns.metadata.uid.empty()) {
      bool has = false;
      for (const auto& f : ns.spec.finalizers) has = has || f == "kubernetes";
      if (!has) ns.spec.finalizers.push_back("kubernetes");
    }
  }
  FieldErrors create(const api::Namespace& ns) const override {
    MetaOptions o = coreMeta(false);
    o.name_rule = names::NameRule::kLabel;
    FieldErrors out = validateMeta(ns.metadata, o);
    append(out, validateKubeFinalizers(ns.spec.finalizers, "spec.finalizers"));
    return out;
  }
  FieldErrors update(const api::Namespace& n, const api::Namespace& o) const override {
    if (n.spec.finalizers == o.spec.finalizers) return {};
    return {
        fe::forbidden("spec.finalizers", "may only be changed through the finalize subresource")};
  }
  FieldErrors status(const api::Namespace& n, const api::Namespace&) const override {
    if (!n.metadata.deletionTimestamp) {
      if (n.status.phase != "Active") {
        return {fe::invalidStr("status.Phase", n.status.phase,
                               "may only be 'Active' if `deletionTimestamp` is empty")};
      }
    } else if (n.status.phase != "Terminating") {
      return {fe::invalidStr("status.Phase", n.status.phase,
                             "may only be 'Terminating' if `deletionTimestamp` is not empty")};
    }
    return {};
  }
};

FieldErrors validateDataKeys(const std::map<std::string, std::string>& m, const std::string& path) {
  FieldErrors out;
  for (const auto& [k, v] : m) {
    for (const auto& msg : names::configMapKey(k))
      out.push_back(fe::invalidStr(key(path, k), k, msg));
  }
  return out;
}

size_t totalSize(const std::map<std::string, std::string>& m) {
  size_t n = 0;
  for (const auto& [k, v] : m) n += v.size();
  return n;
}

// ConfigMap and Secret: once `immutable: true` is stored, data may not change.
template <class T>
FieldErrors immutableData(const T& n, const T& o, bool config_map) {
  FieldErrors out;
  if (!o.immutable.value_or(false)) return out;
  const char* msg = "field is immutable when `immutable` is set";
  if (!n.immutable.value_or(false)) out.push_back(fe::forbidden("immutable", msg));
  if (n.data != o.data) out.push_back(fe::forbidden("data", msg));
  if constexpr (std::is_same_v<T, api::ConfigMap>) {
    if (config_map && n.binaryData != o.binaryData) out.push_back(fe::forbidden("binaryData", msg));
  }
  return out;
}

class ConfigMapRules final : public TypedRules<api::ConfigMap> {
 protected:
  FieldErrors create(const api::ConfigMap& c) const override {
    FieldErrors out = validateMeta(c.metadata, coreMeta());
    for (const auto& [k, v] : c.data) {
      for (const auto& m : names::configMapKey(k))
        out.push_back(fe::invalidStr(key("data", k), k, m));
      if (c.binaryData.count(k)) {
        out.push_back(fe::invalidStr(key("data", k), k, "duplicate of key present in binaryData"));
      }
    }
    for (const auto& [k, v] : c.binaryData) {
      for (const auto& m : names::configMapKey(k)) {
        out.push_back(fe::invalidStr(key("binaryData", k), k, m));
      }
      if (c.data.count(k)) {
        out.push_back(fe::invalidStr(key("binaryData", k), k, "duplicate of key present in data"));
      }
    }
    if (totalSize(c.data) + totalSize(c.binaryData) > kMaxSecretSize) {
      // Upstream passes field.NewPath(""), which renders as "[]".
      out.push_back(fe::tooLong("[]", "", kMaxSecretSize));
    }
    return out;
  }
  FieldErrors update(const api::ConfigMap& n, const api::ConfigMap& o) const override {
    return immutableData(n, o, true);
  }
};

class SecretRules final : public TypedRules<api::Secret> {
 protected:
  void defaults(api::Secret& s) const override {
    if (s.type.empty()) s.type = "Opaque";
    // The v1 conversion: stringData overwrites data and is not stored.
    for (auto& [k, v] : s.stringData) s.data[k] = v;
    s.stringData.clear();
  }
  FieldErrors create(const api::Secret& s) const override {
    FieldErrors out = validateMeta(s.metadata, coreMeta());
    std::map<std::string, std::string> data = s.data;
    for (const auto& [k, v] : s.stringData) data[k] = v;
    append(out, validateDataKeys(data, "data"));
    if (totalSize(data) > kMaxSecretSize) out.push_back(fe::tooLong("data", "", kMaxSecretSize));
    auto need = [&](const char* k) {
      if (!data.count(k)) out.push_back(fe::required(key("data", k)));
    };
    if (s.type == "kubernetes.io/service-account-token") {
      auto it = s.metadata.annotations.find("kubernetes.io/service-account.name");
      if (it == s.metadata.annotations.end() || it->second.empty()) {
        out.push_back(
            fe::required(key("metadata.annotations", "kubernetes.io/service-account.name")));
      }
    } else if (s.type == "kubernetes.io/dockercfg" || s.type == "kubernetes.io/dockerconfigjson") {
      const char* k = s.type == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
      auto it = data.find(k);
      if (it == data.end()) {
        need(k);
      } else if (!Json::accept(it->second)) {
        out.push_back(fe::invalidStr(key("data", k), "<secret contents redacted>",
                                     "invalid character looking for beginning of value"));
      }
    } else if (s.type == "kubernetes.io/basic-auth") {
      if (!data.count("username") && !data.count("password")) {
        need("username");
        need("password");
      }
    } else if (s.type == "kubernetes.io/ssh-auth") {
      auto it = data.find("ssh-privatekey");
      if (it == data.end() || it->second.empty())
        out.push_back(fe::required(key("data", "ssh-privatekey")));
    } else if (s.type == "kubernetes.io/tls") {
      need("tls.crt");
      need("tls.key");
    }
    return out;
  }
  FieldErrors update(const api::Secret& n, const api::Secret& o) const override {
    FieldErrors out;
    if (n.type != o.type) out.push_back(immutable("type", fe::quote(n.type)));
    append(out, immutableData(n, o, false));
    return out;
  }
};

class ServiceAccountRules final : public TypedRules<api::ServiceAccount> {
 protected:
  FieldErrors create(const api::ServiceAccount& sa) const override {
    return validateMeta(sa.metadata, coreMeta());
  }
};

const std::vector<std::string> kQuotaScopes = {
    "BestEffort",  "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass",
    "Terminating", "VolumeAttributesClass"};

class ResourceQuotaRules final : public TypedRules<api::ResourceQuota> {
 protected:
  FieldErrors create(const api::ResourceQuota& q) const override {
    FieldErrors out = validateMeta(q.metadata, coreMeta());
    append(out, validateResourceList(q.spec.hard, "spec.hard"));
    for (size_t i = 0; i < q.spec.scopes.size(); ++i) {
      bool ok = false;
      for (const auto& s : kQuotaScopes) ok = ok || s == q.spec.scopes[i];
      if (!ok) out.push_back(fe::notSupported("spec.scopes", q.spec.scopes[i], kQuotaScopes));
    }
    return out;
  }
  FieldErrors status(const api::ResourceQuota& n, const api::ResourceQuota&) const override {
    FieldErrors out = validateResourceList(n.status.hard, "status.hard");
    append(out, validateResourceList(n.status.used, "status.used"));
    return out;
  }
};

class LimitRangeRules final : public TypedRules<api::LimitRange> {
 protected:
  void defaults(api::LimitRange& lr) const override {
    for (auto& it : lr.spec.limits) {
      if (it.type != "Container") continue;
      for (const auto& [k, v] : it.max) it.default_.emplace(k, v);
      for (const auto& [k, v] : it.default_) it.defaultRequest.emplace(k, v);
      for (const auto& [k, v] : it.min) it.defaultRequest.emplace(k, v);
    }
  }
  FieldErrors create(const api::LimitRange& lr) const override {
    FieldErrors out = validateMeta(lr.metadata, coreMeta());
    static const std::vector<std::string> kTypes = {"Container", "Pod", "PersistentVolumeClaim"};
    for (size_t i = 0; i < lr.spec.limits.size(); ++i) {
      const auto& it = lr.spec.limits[i];
      std::string ip = index("spec.limits", i);
      bool known = false;
      for (const auto& t : kTypes) known = known || t == it.type;
      if (it.type.empty()) {
        out.push_back(fe::required(child(ip, "type")));
      } else if (!known) {
        out.push_back(fe::notSupported(child(ip, "type"), it.type, kTypes));
      }
      append(out, validateResourceList(it.max, child(ip, "max")));
      append(out, validateResourceList(it.min, child(ip, "min")));
      append(out, validateResourceList(it.default_, child(ip, "default")));
      append(out, validateResourceList(it.defaultRequest, child(ip, "defaultRequest")));
      for (const auto& [k, mn] : it.min) {
        auto mx = it.max.find(k);
        if (mx != it.max.end() && mn.compare(mx->second) > 0) {
          out.push_back(fe::invalidStr(key(child(ip, "min"), k), mn.toString(),
                                       "min value " + mn.toString() +
                                           " is greater than max value " + mx->second.toString()));
        }
      }
      if (it.type == "Pod" && (!it.default_.empty() || !it.defaultRequest.empty())) {
        if (!it.default_.empty()) {
          out.push_back(
              fe::forbidden(child(ip, "default"), "may not be specified when `type` is 'Pod'"));
        }
        if (!it.defaultRequest.empty()) {
          out.push_back(fe::forbidden(child(ip, "defaultRequest"),
                                      "may not be specified when `type` is 'Pod'"));
        }
      }
    }
    return out;
  }
};

}  // namespace

FieldErrors validateNamespaceFinalize(const Json& obj, const Json& old) {
  auto n = api::decode<api::Namespace>(obj);
  if (!n.ok()) return {decodeFailure(n.status())};
  auto o = api::decode<api::Namespace>(old);
  if (!o.ok()) return {decodeFailure(o.status())};
  FieldErrors out = validateMetaUpdate(n->metadata, o->metadata);
  append(out, validateKubeFinalizers(n->spec.finalizers, "spec.finalizers"));
  return out;
}

const KindRules* namespaceRules() {
  static const NamespaceRules r;
  return &r;
}
const KindRules* configMapRules() {
  static const ConfigMapRules r;
  return &r;
}
const KindRules* secretRules() {
  static const SecretRules r;
  return &r;
}
const KindRules* serviceAccountRules() {
  static const ServiceAccountRules r;
  return &r;
}
const KindRules* resourceQuotaRules() {
  static const ResourceQuotaRules r;
  return &r;
}
const KindRules* limitRangeRules() {
  static const LimitRangeRules r;
  return &r;
}

}  // namespace orch::apiserver
