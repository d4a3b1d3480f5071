#include "agent/envvars/environment.h"

#include <map>
#include <optional>
#include <utility>

#include "agent/envvars/downward.h"
#include "agent/envvars/service_env.h"

namespace orch::agent {

namespace {

// Insertion-ordered variables, one per name.
class OrderedEnv {
 public:
  void set(const std::string& name, std::string value) {
    auto [it, inserted] = values_.try_emplace(name, value);
    if (inserted) {
      order_.push_back(name);
    } else {
      it->second = std::move(value);
    }
  }
  const std::map<std::string, std::string>& map() const { return values_; }
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::vector<EnvVarValue> entries() const {
    std::vector<EnvVarValue> out;
    out.reserve(order_.size());
    for (const auto& n : order_) out.push_back({n, values_.at(n)});
    return out;
  }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::string> values_;
};

std::string containerField(const api::Pod& pod, const api::Container& c) {
  auto find = [&](const std::vector<api::Container>& list, const char* field) -> std::string {
    for (size_t i = 0; i < list.size(); ++i) {
      if (&list[i] == &c) return std::string(field) + "[" + std::to_string(i) + "]";
    }
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].name == c.name) return std::string(field) + "[" + std::to_string(i) + "]";
    }
    return {};
  };
  std::string f = find(pod.spec.containers, "spec.containers");
  if (f.empty()) f = find(pod.spec.initContainers, "spec.initContainers");
  if (f.empty()) f = "container \"" + c.name + "\"";
  return f;
}

PodAddresses addressesFor(const api::Pod& pod, const EnvContext& ctx) {
  PodAddresses a{ctx.pod_ips, ctx.host_ips};
  if (a.pod_ips.empty()) {
    for (const auto& ip : pod.status.podIPs) a.pod_ips.push_back(ip.ip);
    if (a.pod_ips.empty() && !pod.status.podIP.empty()) a.pod_ips.push_back(pod.status.podIP);
  }
  if (a.host_ips.empty()) {
    for (const auto& ip : pod.status.hostIPs) a.host_ips.push_back(ip.ip);
    if (a.host_ips.empty() && !pod.status.hostIP.empty()) a.host_ips.push_back(pod.status.hostIP);
  }
  return a;
}

// Reads ConfigMaps and Secrets once per call, as upstream caches them per container.
class Objects {
 public:
  Objects(const api::Pod& pod, const EnvContext& ctx) : pod_(pod), ctx_(ctx) {}

  // nullptr when the object does not exist.
  Result<const api::ConfigMap*> configMap(const std::string& name) {
    if (auto it = cms_.find(name); it != cms_.end()) return it->second ? &*it->second : nullptr;
    if (!ctx_.get_config_map) {
      return Status::invalid("couldn't get configMap " + ns() + "/" + name +
                             ", no API client defined");
    }
    auto r = ctx_.get_config_map(ns(), name);
    if (!r.ok()) return r.status().withContext("get configmap \"" + ns() + "/" + name + "\"");
    auto& slot = cms_[name] = std::move(r).value();
    return slot ? &*slot : nullptr;
  }
  Result<const api::Secret*> secret(const std::string& name) {
    if (auto it = secrets_.find(name); it != secrets_.end()) {
      return it->second ? &*it->second : nullptr;
    }
    if (!ctx_.get_secret) {
      return Status::invalid("couldn't get secret " + ns() + "/" + name +
                             ", no API client defined");
    }
    auto r = ctx_.get_secret(ns(), name);
    if (!r.ok()) return r.status().withContext("get secret \"" + ns() + "/" + name + "\"");
    auto& slot = secrets_[name] = std::move(r).value();
    return slot ? &*slot : nullptr;
  }

 private:
  const std::string& ns() const { return pod_.metadata.namespace_; }
  const api::Pod& pod_;
  const EnvContext& ctx_;
  std::map<std::string, std::optional<api::ConfigMap>> cms_;
  std::map<std::string, std::optional<api::Secret>> secrets_;
};

void addAll(OrderedEnv& env, const std::map<std::string, std::string>& data,
            const std::string& prefix, const std::string& what, const std::string& field,
            std::vector<std::string>* warnings) {
  std::string invalid;
  for (const auto& [k, v] : data) {
    std::string name = prefix + k;
    if (!isEnvVarName(name)) {
      invalid += invalid.empty() ? name : ", " + name;
      continue;
    }
    env.set(name, v);
  }
  if (!invalid.empty() && warnings != nullptr) {
    warnings->push_back(field + ": keys [" + invalid + "] from the EnvFrom " + what +
                        " were skipped since they are considered invalid environment variable "
                        "names");
  }
}

}  // namespace

bool isEnvVarName(std::string_view name) {
  if (name.empty()) return false;
  auto ok = [](char c, bool first) {
    if (c == '-' || c == '.' || c == '_') return true;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return !first && c >= '0' && c <= '9';
  };
  for (size_t i = 0; i < name.size(); ++i) {
    if (!ok(name[i], i == 0)) return false;
  }
  return true;
}

Result<std::vector<EnvVarValue>> makeEnvironment(const api::Pod& pod,
                                                 const api::Container& container,
                                                 const EnvContext& ctx,
                                                 std::vector<std::string>* warnings) {
  const std::string cfield = containerField(pod, container);
  const std::string& ns = pod.metadata.namespace_;

  std::vector<EnvVarValue> service_vars;
  if (ctx.list_services) {
    auto services = ctx.list_services();
    if (!services.ok()) {
      return services.status().withContext("list services for the environment of " + cfield);
    }
    service_vars = podServiceEnvVars(*services, ns, pod.spec.enableServiceLinks.value_or(true));
  }
  std::map<std::string, std::string> service_map;
  for (const auto& v : service_vars) service_map.emplace(v.name, v.value);

  Objects objects(pod, ctx);
  OrderedEnv env;

  for (size_t i = 0; i < container.envFrom.size(); ++i) {
    const api::EnvFromSource& src = container.envFrom[i];
    std::string field = cfield + ".envFrom[" + std::to_string(i) + "]";
    if (src.configMapRef) {
      field += ".configMapRef";
      const auto& ref = *src.configMapRef;
      auto cm = objects.configMap(ref.name);
      if (!cm.ok()) return cm.status().withContext(field);
      if (*cm == nullptr) {
        if (ref.optional.value_or(false)) continue;
        return Status::notFound(field + ": configmap \"" + ref.name + "\" not found");
      }
      addAll(env, (*cm)->data, src.prefix, "configMap " + ns + "/" + ref.name, field, warnings);
    } else if (src.secretRef) {
      field += ".secretRef";
      const auto& ref = *src.secretRef;
      auto secret = objects.secret(ref.name);
      if (!secret.ok()) return secret.status().withContext(field);
      if (*secret == nullptr) {
        if (ref.optional.value_or(false)) continue;
        return Status::notFound(field + ": secret \"" + ref.name + "\" not found");
      }
      addAll(env, (*secret)->data, src.prefix, "secret " + ns + "/" + ref.name, field, warnings);
    }
  }

  PodAddresses addresses = addressesFor(pod, ctx);
  for (size_t i = 0; i < container.env.size(); ++i) {
    const api::EnvVar& ev = container.env[i];
    std::string field = cfield + ".env[" + std::to_string(i) + "]";
    std::string value = ev.value;
    if (!value.empty()) {
      value = expandVars(value, lookupInMaps({&env.map(), &service_map}));
    } else if (ev.valueFrom) {
      const api::EnvVarSource& from = *ev.valueFrom;
      if (from.fieldRef) {
        auto v = podFieldValue(pod, *from.fieldRef, addresses);
        if (!v.ok()) return v.status().withContext(field + ".valueFrom.fieldRef");
        value = std::move(v).value();
      } else if (from.resourceFieldRef) {
        auto v =
            containerResourceValue(*from.resourceFieldRef, pod, &container, ctx.node_allocatable);
        if (!v.ok()) return v.status().withContext(field + ".valueFrom.resourceFieldRef");
        value = std::move(v).value();
      } else if (from.configMapKeyRef) {
        const auto& ref = *from.configMapKeyRef;
        std::string f = field + ".valueFrom.configMapKeyRef";
        bool optional = ref.optional.value_or(false);
        auto cm = objects.configMap(ref.name);
        if (!cm.ok()) return cm.status().withContext(f);
        if (*cm == nullptr) {
          if (optional) continue;
          return Status::notFound(f + ": configmap \"" + ref.name + "\" not found");
        }
        auto it = (*cm)->data.find(ref.key);
        if (it == (*cm)->data.end()) {
          if (optional) continue;
          return Status::notFound(f + ": couldn't find key " + ref.key + " in ConfigMap " + ns +
                                  "/" + ref.name);
        }
        value = it->second;
      } else if (from.secretKeyRef) {
        const auto& ref = *from.secretKeyRef;
        std::string f = field + ".valueFrom.secretKeyRef";
        bool optional = ref.optional.value_or(false);
        auto secret = objects.secret(ref.name);
        if (!secret.ok()) return secret.status().withContext(f);
        if (*secret == nullptr) {
          if (optional) continue;
          return Status::notFound(f + ": secret \"" + ref.name + "\" not found");
        }
        auto it = (*secret)->data.find(ref.key);
        if (it == (*secret)->data.end()) {
          if (optional) continue;
          return Status::notFound(f + ": couldn't find key " + ref.key + " in Secret " + ns + "/" +
                                  ref.name);
        }
        value = it->second;
      } else {
        return Status::invalid(field + ".valueFrom: no supported source set");
      }
    }
    env.set(ev.name, std::move(value));
  }

  std::vector<EnvVarValue> out = env.entries();
  for (auto& v : service_vars) {
    if (!env.has(v.name)) out.push_back(std::move(v));
  }
  return out;
}

VarLookup lookupInEnv(const std::vector<EnvVarValue>& env) {
  std::map<std::string, std::string> m;
  for (const auto& v : env) m[v.name] = v.value;  // the last of a name wins
  return [m = std::move(m)](std::string_view name) -> std::optional<std::string> {
    auto it = m.find(std::string(name));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

std::vector<std::string> expandAll(const std::vector<std::string>& in,
                                   const std::vector<EnvVarValue>& env) {
  VarLookup lookup = lookupInEnv(env);
  std::vector<std::string> out;
  out.reserve(in.size());
  for (const auto& s : in) out.push_back(expandVars(s, lookup));
  return out;
}

}  // namespace orch::agent
