#include "agent/volume/payload.h"

#include "agent/envvars/downward.h"

namespace orch::agent {

namespace {

uint32_t modeOf(const std::optional<int32_t>& item_mode, int32_t default_mode) {
  return static_cast<uint32_t>(item_mode.value_or(default_mode)) & 07777;
}

// Shared by ConfigMaps (data + binaryData) and Secrets (data).
Result<Payload> keysPayload(const std::vector<api::KeyToPath>& items,
                            const std::map<std::string, std::string>& data,
                            const std::map<std::string, std::string>* binary, int32_t default_mode,
                            bool optional, const std::string& missing_key_msg) {
  Payload out;
  if (items.empty()) {
    for (const auto& [k, v] : data) out[k] = {v, modeOf(std::nullopt, default_mode)};
    if (binary != nullptr) {
      for (const auto& [k, v] : *binary) out[k] = {v, modeOf(std::nullopt, default_mode)};
    }
    return out;
  }
  for (const auto& ktp : items) {
    const std::string* value = nullptr;
    if (auto it = data.find(ktp.key); it != data.end()) {
      value = &it->second;
    } else if (binary != nullptr) {
      if (auto bit = binary->find(ktp.key); bit != binary->end()) value = &bit->second;
    }
    if (value == nullptr) {
      if (optional) continue;
      return Status::invalid(missing_key_msg + ktp.key);
    }
    out[ktp.path] = {*value, modeOf(ktp.mode, default_mode)};
  }
  return out;
}

PodAddresses statusAddresses(const api::Pod& pod) {
  PodAddresses a;
  for (const auto& ip : pod.status.podIPs) a.pod_ips.push_back(ip.ip);
  if (a.pod_ips.empty() && !pod.status.podIP.empty()) a.pod_ips.push_back(pod.status.podIP);
  for (const auto& ip : pod.status.hostIPs) a.host_ips.push_back(ip.ip);
  if (a.host_ips.empty() && !pod.status.hostIP.empty()) a.host_ips.push_back(pod.status.hostIP);
  return a;
}

void merge(Payload& into, Payload&& from) {
  for (auto& [k, v] : from) into[k] = std::move(v);
}

}  // namespace

Result<Payload> configMapPayload(const std::vector<api::KeyToPath>& items,
                                 const api::ConfigMap& config_map, int32_t default_mode,
                                 bool optional) {
  return keysPayload(items, config_map.data, &config_map.binaryData, default_mode, optional,
                     "configmap references non-existent config key: ");
}

Result<Payload> secretPayload(const std::vector<api::KeyToPath>& items, const api::Secret& secret,
                              int32_t default_mode, bool optional) {
  return keysPayload(items, secret.data, nullptr, default_mode, optional,
                     "references non-existent secret key: ");
}

Result<Payload> downwardAPIPayload(const std::vector<api::DownwardAPIVolumeFile>& items,
                                   const api::Pod& pod, const api::ResourceList& node_allocatable,
                                   int32_t default_mode) {
  PodAddresses addresses = statusAddresses(pod);
  Payload out;
  std::string errors;
  for (const auto& item : items) {
    FileProjection f{"", modeOf(item.mode, default_mode)};
    Result<std::string> value = std::string();
    if (item.fieldRef) {
      value = podFieldValue(pod, *item.fieldRef, addresses);
    } else if (item.resourceFieldRef) {
      value = containerResourceValue(*item.resourceFieldRef, pod, nullptr, node_allocatable);
    }
    if (!value.ok()) {
      errors += (errors.empty() ? "" : "; ") + item.path + ": " + value.status().context();
      continue;
    }
    f.data = std::move(value).value();
    out[item.path] = std::move(f);
  }
  if (!errors.empty()) return Status::invalid(errors);
  return out;
}

Result<api::ConfigMap> configMapForVolume(const ConfigMapGetter& get, const std::string& ns,
                                          const std::string& name, bool optional) {
  if (!get) return Status::invalid("couldn't get configMap " + ns + "/" + name + ": no API client");
  auto r = get(ns, name);
  if (!r.ok()) return r.status().withContext("get configmap \"" + ns + "/" + name + "\"");
  if (*r) return std::move(**r);
  if (!optional) return Status::notFound("configmap \"" + name + "\" not found");
  api::ConfigMap empty;
  empty.metadata.namespace_ = ns;
  empty.metadata.name = name;
  return empty;
}

Result<api::Secret> secretForVolume(const SecretGetter& get, const std::string& ns,
                                    const std::string& name, bool optional) {
  if (!get) return Status::invalid("couldn't get secret " + ns + "/" + name + ": no API client");
  auto r = get(ns, name);
  if (!r.ok()) return r.status().withContext("get secret \"" + ns + "/" + name + "\"");
  if (*r) return std::move(**r);
  if (!optional) return Status::notFound("secret \"" + name + "\" not found");
  api::Secret empty;
  empty.metadata.namespace_ = ns;
  empty.metadata.name = name;
  return empty;
}

Result<Payload> projectedPayload(const api::ProjectedVolumeSource& source, const api::Pod& pod,
                                 const ProjectionSources& sources,
                                 std::vector<std::string>* notes) {
  const int32_t default_mode = source.defaultMode.value_or(kDefaultVolumeFileMode);
  const std::string& ns = pod.metadata.namespace_;
  Payload out;
  std::string errors;
  int first_code = 0;
  auto addError = [&](size_t i, const Status& s) {
    if (first_code == 0) first_code = s.code();
    errors += (errors.empty() ? "" : "; ") + ("sources[" + std::to_string(i) + "]: ") + s.context();
  };
  for (size_t i = 0; i < source.sources.size(); ++i) {
    const api::VolumeProjection& p = source.sources[i];
    if (p.configMap) {
      bool optional = p.configMap->optional.value_or(false);
      auto cm = configMapForVolume(sources.get_config_map, ns, p.configMap->name, optional);
      if (!cm.ok()) {
        addError(i, cm.status());
        continue;
      }
      auto payload = configMapPayload(p.configMap->items, *cm, default_mode, optional);
      if (!payload.ok()) {
        addError(i, payload.status());
        continue;
      }
      merge(out, std::move(payload).value());
    } else if (p.secret) {
      bool optional = p.secret->optional.value_or(false);
      auto secret = secretForVolume(sources.get_secret, ns, p.secret->name, optional);
      if (!secret.ok()) {
        addError(i, secret.status());
        continue;
      }
      auto payload = secretPayload(p.secret->items, *secret, default_mode, optional);
      if (!payload.ok()) {
        addError(i, payload.status());
        continue;
      }
      merge(out, std::move(payload).value());
    } else if (p.downwardAPI) {
      auto payload =
          downwardAPIPayload(p.downwardAPI->items, pod, sources.node_allocatable, default_mode);
      if (!payload.ok()) {
        addError(i, payload.status());
        continue;
      }
      merge(out, std::move(payload).value());
    } else if (p.serviceAccountToken) {
      if (notes != nullptr) {
        notes->push_back("sources[" + std::to_string(i) +
                         "]: serviceAccountToken is not projected (no TokenRequest support); " +
                         p.serviceAccountToken->path + " is absent");
      }
    } else if (notes != nullptr) {
      notes->push_back("sources[" + std::to_string(i) + "]: unsupported projection source " +
                       p.unknown_fields.dump() + " skipped");
    }
  }
  if (!errors.empty()) return Status::error(first_code, errors);
  return out;
}

}  // namespace orch::agent
