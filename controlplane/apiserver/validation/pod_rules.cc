// Pod validation: upstream's ValidatePodSpec (volumes, policies, scheduling fields),
// ValidatePodTemplateSpec, ValidatePodUpdate (only images, activeDeadlineSeconds, tolerations
// additions and terminationGracePeriodSeconds may change), ValidatePodStatusUpdate, and the
// Binding subresource body.

#include <climits>
#include <set>

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

constexpr const char* kFileModeMsg = "must be a number between 0 and 0777 (octal), both inclusive";

FieldErrors validateMode(const std::optional<int32_t>& mode, const std::string& path) {
  if (mode && (*mode < 0 || *mode > 0777)) return {fe::invalidInt(path, *mode, kFileModeMsg)};
  return {};
}

FieldErrors validateItems(const std::vector<api::KeyToPath>& items, const std::string& path) {
  FieldErrors out;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string ip = index(path, i);
    if (items[i].key.empty()) out.push_back(fe::required(child(ip, "key")));
    const std::string& p = items[i].path;
    if (p.empty()) {
      out.push_back(fe::required(child(ip, "path")));
    } else {
      if (p.front() == '/') {
        out.push_back(fe::invalidStr(child(ip, "path"), p, "must be a relative path"));
      }
      if (("/" + p + "/").find("/../") != std::string::npos) {
        out.push_back(fe::invalidStr(child(ip, "path"), p, "must not contain '..'"));
      }
      if (p.starts_with("..")) {
        out.push_back(fe::invalidStr(child(ip, "path"), p, "must not start with '..'"));
      }
    }
    append(out, validateMode(items[i].mode, child(ip, "mode")));
  }
  return out;
}

// validateVolumeSource: exactly one source, then the source's own fields.
FieldErrors validateVolumeSource(const api::Volume& v, const std::string& path) {
  FieldErrors out;
  int n = 0;
  auto one = [&](bool set, const std::string& name) {
    if (!set) return false;
    if (n > 0) {
      out.push_back(fe::forbidden(child(path, name), "may not specify more than 1 volume type"));
      return false;
    }
    ++n;
    return true;
  };
  if (one(v.hostPath.has_value(), "hostPath")) {
    std::string p = child(path, "hostPath");
    if (v.hostPath->path.empty()) {
      out.push_back(fe::required(child(p, "path")));
    } else if (("/" + v.hostPath->path + "/").find("/../") != std::string::npos) {
      out.push_back(fe::invalidStr(child(p, "path"), v.hostPath->path, "must not contain '..'"));
    }
    static const std::vector<std::string> kTypes = {
        "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
        "File", "FileOrCreate", "Socket"};
    std::string t = v.hostPath->type.value_or("");
    bool known = false;
    for (const auto& k : kTypes) known = known || k == t;
    if (!known) out.push_back(fe::notSupported(child(p, "type"), t, kTypes));
  }
  if (one(v.emptyDir.has_value(), "emptyDir")) {
    if (v.emptyDir->sizeLimit && v.emptyDir->sizeLimit->sign() < 0) {
      out.push_back(fe::forbidden(child(child(path, "emptyDir"), "sizeLimit"),
                                  "SizeLimit field must be a valid resource quantity"));
    }
  }
  if (one(v.secret.has_value(), "secret")) {
    std::string p = child(path, "secret");
    if (v.secret->secretName.empty()) out.push_back(fe::required(child(p, "secretName")));
    append(out, validateMode(v.secret->defaultMode, child(p, "defaultMode")));
    append(out, validateItems(v.secret->items, child(p, "items")));
  }
  if (one(v.persistentVolumeClaim.has_value(), "persistentVolumeClaim")) {
    if (v.persistentVolumeClaim->claimName.empty()) {
      out.push_back(fe::required(child(child(path, "persistentVolumeClaim"), "claimName")));
    }
  }
  if (one(v.downwardAPI.has_value(), "downwardAPI")) {
    std::string p = child(path, "downwardAPI");
    append(out, validateMode(v.downwardAPI->defaultMode, child(p, "defaultMode")));
    for (size_t i = 0; i < v.downwardAPI->items.size(); ++i) {
      const auto& f = v.downwardAPI->items[i];
      std::string ip = index(child(p, "items"), i);
      if (f.path.empty()) out.push_back(fe::required(child(ip, "path")));
      int refs = (f.fieldRef ? 1 : 0) + (f.resourceFieldRef ? 1 : 0);
      if (refs == 0) {
        out.push_back(fe::required(ip, "one of fieldRef and resourceFieldRef is required"));
      } else if (refs > 1) {
        out.push_back(fe::invalidStr(ip, "",
                                     "fieldRef and resourceFieldRef can not be specified "
                                     "simultaneously"));
      }
      append(out, validateMode(f.mode, child(ip, "mode")));
    }
  }
  if (one(v.configMap.has_value(), "configMap")) {
    std::string p = child(path, "configMap");
    if (v.configMap->name.empty()) out.push_back(fe::required(child(p, "name")));
    append(out, validateMode(v.configMap->defaultMode, child(p, "defaultMode")));
    append(out, validateItems(v.configMap->items, child(p, "items")));
  }
  if (one(v.projected.has_value(), "projected")) {
    std::string p = child(path, "projected");
    append(out, validateMode(v.projected->defaultMode, child(p, "defaultMode")));
    for (size_t i = 0; i < v.projected->sources.size(); ++i) {
      const auto& s = v.projected->sources[i];
      std::string sp = index(child(p, "sources"), i);
      int k = (s.secret ? 1 : 0) + (s.configMap ? 1 : 0) + (s.downwardAPI ? 1 : 0) +
              (s.serviceAccountToken ? 1 : 0) +
              (s.unknown_fields.is_object() ? static_cast<int>(s.unknown_fields.size()) : 0);
      if (k > 1) {
        out.push_back(fe::forbidden(sp, "may not specify more than 1 volume type per source"));
      }
      if (s.serviceAccountToken) {
        const auto& t = *s.serviceAccountToken;
        std::string tp = child(sp, "serviceAccountToken");
        if (t.expirationSeconds && *t.expirationSeconds < 600) {
          out.push_back(fe::invalidInt(child(tp, "expirationSeconds"), *t.expirationSeconds,
                                       "may not specify a duration less than 10 minutes"));
        }
        if (t.path.empty()) out.push_back(fe::required(child(tp, "path")));
      }
    }
  }
  // Volume sources the types do not model each count as one.
  if (v.unknown_fields.is_object()) {
    for (auto it = v.unknown_fields.begin(); it != v.unknown_fields.end(); ++it) {
      one(true, it.key());
    }
  }
  if (n == 0) out.push_back(fe::required(path, "must specify a volume type"));
  return out;
}

FieldErrors validateVolumes(const std::vector<api::Volume>& vols, const std::string& path,
                            std::set<std::string>& names) {
  FieldErrors out;
  for (size_t i = 0; i < vols.size(); ++i) {
    const auto& v = vols[i];
    std::string ip = index(path, i);
    FieldErrors el = validateVolumeSource(v, ip);
    if (v.name.empty()) {
      el.push_back(fe::required(child(ip, "name")));
    } else {
      append(el, validateDns1123Label(v.name, child(ip, "name")));
    }
    if (names.count(v.name)) el.push_back(fe::duplicate(child(ip, "name"), fe::quote(v.name)));
    if (el.empty()) names.insert(v.name);
    append(out, std::move(el));
  }
  return out;
}

std::string goToleration(const api::Toleration& t) {
  return "core.Toleration{Key:" + fe::quote(t.key) + ", Operator:" + fe::quote(t.operator_) +
         ", Value:" + fe::quote(t.value) + ", Effect:" + fe::quote(t.effect) +
         ", TolerationSeconds:" +
         (t.tolerationSeconds ? "(*int64)(" + std::to_string(*t.tolerationSeconds) + ")"
                              : std::string("(*int64)(nil)")) +
         "}";
}

}  // namespace

FieldErrors validateTolerations(const std::vector<api::Toleration>& ts, const std::string& path) {
  FieldErrors out;
  static const std::vector<std::string> kEffects = {"NoSchedule", "PreferNoSchedule", "NoExecute"};
  for (size_t i = 0; i < ts.size(); ++i) {
    const auto& t = ts[i];
    std::string ip = index(path, i);
    if (!t.key.empty()) append(out, validateQualifiedName(t.key, child(ip, "key")));
    if (t.key.empty() && t.operator_ != "Exists") {
      out.push_back(fe::invalidStr(child(ip, "operator"), t.operator_,
                                   "operator must be Exists when `key` is empty, which means "
                                   "\"match all values and all keys\""));
    }
    if (t.tolerationSeconds && t.effect != "NoExecute") {
      out.push_back(fe::invalidStr(child(ip, "effect"), t.effect,
                                   "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (t.operator_ == "Equal" || t.operator_.empty()) {
      auto msgs = names::labelValue(t.value);
      if (!msgs.empty()) {
        std::string joined;
        for (const auto& m : msgs) joined += (joined.empty() ? "" : ";") + m;
        out.push_back(fe::invalidStr(child(ip, "operator"), t.value, joined));
      }
    } else if (t.operator_ == "Exists") {
      if (!t.value.empty()) {
        out.push_back(fe::invalid(child(ip, "operator"), goToleration(t),
                                  "value must be empty when `operator` is 'Exists'"));
      }
    } else {
      out.push_back(fe::notSupported(child(ip, "operator"), t.operator_, {"Equal", "Exists"}));
    }
    if (!t.effect.empty()) {
      bool ok = false;
      for (const auto& e : kEffects) ok = ok || e == t.effect;
      if (!ok) out.push_back(fe::notSupported(child(ip, "effect"), t.effect, kEffects));
    }
  }
  return out;
}

FieldErrors validateConditionStatus(const std::string& status, const std::string& path) {
  if (status == "True" || status == "False" || status == "Unknown") return {};
  if (status.empty()) return {fe::required(path)};
  return {fe::notSupported(path, status, {"True", "False", "Unknown"})};
}

FieldErrors validateResourceList(const api::ResourceList& rl, const std::string& path) {
  FieldErrors out;
  for (const auto& [name, q] : rl) {
    std::string p = key(path, name);
    append(out, validateQualifiedName(name, p));
    if (q.sign() < 0) out.push_back(fe::invalidStr(p, q.toString(), names::kNonNegative));
  }
  return out;
}

FieldErrors validatePodSpec(const api::PodSpec& s, const std::string& path) {
  std::set<std::string> volumes;
  FieldErrors out = validateVolumes(s.volumes, child(path, "volumes"), volumes);
  append(out, validateAllContainers(s, path, volumes));
  const std::string& rp = s.restartPolicy;
  if (rp.empty()) {
    out.push_back(fe::required(child(path, "restartPolicy")));
  } else if (rp != "Always" && rp != "OnFailure" && rp != "Never") {
    out.push_back(
        fe::notSupported(child(path, "restartPolicy"), rp, {"Always", "OnFailure", "Never"}));
  }
  const std::string& dp = s.dnsPolicy;
  if (dp.empty()) {
    out.push_back(fe::required(child(path, "dnsPolicy")));
  } else if (dp != "ClusterFirst" && dp != "ClusterFirstWithHostNet" && dp != "Default" &&
             dp != "None") {
    out.push_back(fe::notSupported(child(path, "dnsPolicy"), dp,
                                   {"ClusterFirst", "ClusterFirstWithHostNet", "None", "Default"}));
  }
  if (dp == "None" && (!s.dnsConfig || s.dnsConfig->nameservers.empty())) {
    out.push_back(fe::required(child(path, "dnsConfig"),
                               "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  append(out, validateLabels(s.nodeSelector, child(path, "nodeSelector")));
  if (s.dnsConfig) {
    std::string dc = child(path, "dnsConfig");
    if (s.dnsConfig->nameservers.size() > 3) {
      out.push_back(fe::invalid(child(dc, "nameservers"), fe::quoteList(s.dnsConfig->nameservers),
                                "must not have more than 3 nameservers"));
    }
    for (size_t i = 0; i < s.dnsConfig->nameservers.size(); ++i) {
      const auto& ns = s.dnsConfig->nameservers[i];
      if (!names::isIP(ns)) {
        out.push_back(fe::invalidStr(index(child(dc, "nameservers"), i), ns, names::kIPMsg));
      }
    }
  }
  if (!s.serviceAccountName.empty()) {
    append(out, validateDns1123Subdomain(s.serviceAccountName, child(path, "serviceAccountName")));
  }
  if (!s.nodeName.empty())
    append(out, validateDns1123Subdomain(s.nodeName, child(path, "nodeName")));
  if (s.activeDeadlineSeconds) {
    int64_t v = *s.activeDeadlineSeconds;
    if (v < 1 || v > INT32_MAX) {
      out.push_back(fe::invalidInt(child(path, "activeDeadlineSeconds"), v,
                                   "must be between 1 and 2147483647, inclusive"));
    }
  }
  if (!s.hostname.empty()) append(out, validateDns1123Label(s.hostname, child(path, "hostname")));
  if (!s.subdomain.empty())
    append(out, validateDns1123Label(s.subdomain, child(path, "subdomain")));
  append(out, validateTolerations(s.tolerations, child(path, "tolerations")));
  for (size_t i = 0; i < s.hostAliases.size(); ++i) {
    std::string ip = index(child(path, "hostAliases"), i);
    if (!names::isIP(s.hostAliases[i].ip)) {
      out.push_back(fe::invalidStr(child(ip, "ip"), s.hostAliases[i].ip, names::kIPMsg));
    }
    for (size_t j = 0; j < s.hostAliases[i].hostnames.size(); ++j) {
      append(out, validateDns1123Subdomain(s.hostAliases[i].hostnames[j],
                                           index(child(ip, "hostnames"), j)));
    }
  }
  if (!s.priorityClassName.empty()) {
    append(out, validateDns1123Subdomain(s.priorityClassName, child(path, "priorityClassName")));
  }
  if (s.runtimeClassName) {
    append(out, validateDns1123Subdomain(*s.runtimeClassName, child(path, "runtimeClassName")));
  }
  if (s.preemptionPolicy && *s.preemptionPolicy != "PreemptLowerPriority" &&
      *s.preemptionPolicy != "Never") {
    out.push_back(fe::notSupported(child(path, "preemptionPolicy"), *s.preemptionPolicy,
                                   {"PreemptLowerPriority", "Never"}));
  }
  if (s.os && s.os->name != "linux" && s.os->name != "windows") {
    out.push_back(
        fe::notSupported(child(child(path, "os"), "name"), s.os->name, {"linux", "windows"}));
  }
  if (s.terminationGracePeriodSeconds) {
    append(out, validateNonNegative(*s.terminationGracePeriodSeconds,
                                    child(path, "terminationGracePeriodSeconds")));
  }
  append(out, validateResourceList(s.overhead, child(path, "overhead")));
  return out;
}

FieldErrors validatePodTemplateSpec(const api::PodTemplateSpec& t, const std::string& path) {
  FieldErrors out = validateTemplateMeta(t.metadata, child(path, "metadata"));
  append(out, validatePodSpec(t.spec, child(path, "spec")));
  return out;
}

}  // namespace orch::apiserver
