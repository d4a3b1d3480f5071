#include "common/cni/cni.h"

#include <algorithm>

#include "common/cni/exec.h"
#include "common/cni/version.h"

namespace orch::cni {

using nlohmann::json;

json buildPluginConfig(const NetworkConfigList& list, const PluginConf& plugin,
                       const json& prev_result, const RuntimeConf& rt) {
  json conf = plugin.raw;
  conf["name"] = list.name;
  conf["cniVersion"] = list.cni_version;
  if (!prev_result.is_null()) conf["prevResult"] = prev_result;
  json runtime = json::object();
  if (rt.capability_args.is_object()) {
    for (const auto& [cap, enabled] : plugin.capabilities) {
      if (!enabled) continue;
      if (auto it = rt.capability_args.find(cap); it != rt.capability_args.end()) {
        runtime[cap] = *it;
      }
    }
  }
  // libcni replaces runtimeConfig only when a capability applies.
  if (!runtime.empty()) conf["runtimeConfig"] = std::move(runtime);
  return conf;
}

Result<json> CniConfig::invoke(const NetworkConfigList& list, const PluginConf& plugin,
                               const std::string& command, const json& config,
                               const RuntimeConf& rt) {
  ORCH_ASSIGN_OR_RETURN(std::string binary, findPlugin(plugin.type, opts_.plugin_dirs));
  PluginEnv env{command, rt.container_id, rt.netns, rt.ifname, rt.args, opts_.plugin_dirs};
  ORCH_ASSIGN_OR_RETURN(ExecOutcome out, execPlugin(binary, env, config.dump(), opts_.timeout));
  if (out.error) {
    return out.error->toStatus("network " + list.name + ": plugin " + plugin.type + " " + command);
  }
  return out.output;
}

Result<CniResult> CniConfig::addNetworkList(const NetworkConfigList& list, const RuntimeConf& rt) {
  json prev;
  std::optional<CniResult> last;
  for (const auto& plugin : list.plugins) {
    json conf = buildPluginConfig(list, plugin, prev, rt);
    ORCH_ASSIGN_OR_RETURN(json out, invoke(list, plugin, "ADD", conf, rt));
    auto r = CniResult::fromJson(out);
    if (!r.ok()) {
      return r.status().withContext("network " + list.name + ": plugin " + plugin.type +
                                    " ADD result");
    }
    // Every plugin sees prevResult in the list's version, whatever the previous one printed.
    ORCH_ASSIGN_OR_RETURN(prev, r->toJson(list.cni_version));
    last = std::move(r).value();
  }
  ORCH_ASSIGN_OR_RETURN(CniResult result, CniResult::fromJson(prev));
  CacheEntry e;
  e.container_id = rt.container_id;
  e.ifname = rt.ifname;
  e.network_name = list.name;
  e.netns = rt.netns;
  e.cni_args = rt.args;
  e.capability_args = rt.capability_args;
  e.result = prev;
  json raw = json::object();
  raw["cniVersion"] = list.cni_version;
  raw["name"] = list.name;
  json plugins = json::array();
  for (const auto& p : list.plugins) plugins.push_back(p.raw);
  raw["plugins"] = std::move(plugins);
  e.config = raw.dump();
  ORCH_RETURN_IF_ERROR(cache_.write(e).withContext("cache ADD result"));
  return result;
}

Result<std::optional<CniResult>> CniConfig::getCachedResult(const NetworkConfigList& list,
                                                            const RuntimeConf& rt) const {
  ORCH_ASSIGN_OR_RETURN(auto entry, cache_.read(list.name, rt.container_id, rt.ifname));
  if (!entry || entry->result.is_null()) return std::optional<CniResult>();
  ORCH_ASSIGN_OR_RETURN(CniResult r, CniResult::fromJson(entry->result));
  return std::optional<CniResult>(std::move(r));
}

Status CniConfig::delNetworkList(const NetworkConfigList& list, const RuntimeConf& rt) {
  json prev;
  // prevResult on DEL exists from 0.4.0 on. A broken cache entry must not block DEL.
  if (versionAtLeast(list.cni_version, "0.4.0")) {
    auto cached = getCachedResult(list, rt);
    if (cached.ok() && *cached) {
      auto j = (*cached)->toJson(list.cni_version);
      if (j.ok()) prev = *j;
    }
  }
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it) {
    json conf = buildPluginConfig(list, *it, prev, rt);
    auto out = invoke(list, *it, "DEL", conf, rt);
    if (!out.ok()) return out.status();
  }
  return cache_.remove(list.name, rt.container_id, rt.ifname);
}

Status CniConfig::checkNetworkList(const NetworkConfigList& list, const RuntimeConf& rt) {
  if (!versionAtLeast(list.cni_version, "0.4.0")) {
    return Status::error(ENOTSUP, "network " + list.name + ": cniVersion " + list.cni_version +
                                      " does not support CHECK");
  }
  if (list.disable_check) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(auto cached, getCachedResult(list, rt));
  if (!cached) {
    return Status::notFound("network " + list.name + ": no cached result for container " +
                            rt.container_id + " ifname " + rt.ifname);
  }
  ORCH_ASSIGN_OR_RETURN(json prev, cached->toJson(list.cni_version));
  for (const auto& plugin : list.plugins) {
    json conf = buildPluginConfig(list, plugin, prev, rt);
    auto out = invoke(list, plugin, "CHECK", conf, rt);
    if (!out.ok()) return out.status();
  }
  return Status::ok();
}

Status CniConfig::gcNetworkList(const NetworkConfigList& list,
                                const std::vector<GcAttachment>& valid) {
  if (list.disable_gc) return Status::ok();
  Status first;
  auto keep = [&](const Status& s) {
    if (first.isOk() && !s.isOk()) first = s;
  };
  ORCH_ASSIGN_OR_RETURN(auto cached, cache_.list(list.name));
  for (const auto& e : cached) {
    GcAttachment a{e.container_id, e.ifname};
    if (std::find(valid.begin(), valid.end(), a) != valid.end()) continue;
    RuntimeConf rt{e.container_id, e.netns, e.ifname, e.cni_args, e.capability_args};
    keep(delNetworkList(list, rt));
  }
  if (versionAtLeast(list.cni_version, "1.1.0")) {
    json attachments = json::array();
    for (const auto& a : valid) {
      attachments.push_back({{"containerID", a.container_id}, {"ifname", a.ifname}});
    }
    for (const auto& plugin : list.plugins) {
      json conf = buildPluginConfig(list, plugin, json(), RuntimeConf{});
      conf["cni.dev/valid-attachments"] = attachments;
      auto out = invoke(list, plugin, "GC", conf, RuntimeConf{});
      if (!out.ok()) keep(out.status());
    }
  }
  return first;
}

Status CniConfig::getStatusNetworkList(const NetworkConfigList& list) {
  if (!versionAtLeast(list.cni_version, "1.1.0")) return Status::ok();
  for (const auto& plugin : list.plugins) {
    json conf = buildPluginConfig(list, plugin, json(), RuntimeConf{});
    auto out = invoke(list, plugin, "STATUS", conf, RuntimeConf{});
    if (!out.ok()) return out.status();
  }
  return Status::ok();
}

Result<VersionInfo> CniConfig::getVersionInfo(const std::string& plugin_type) {
  ORCH_ASSIGN_OR_RETURN(std::string binary, findPlugin(plugin_type, opts_.plugin_dirs));
  PluginEnv env{"VERSION", "", "", "", {}, opts_.plugin_dirs};
  json in = {{"cniVersion", std::string(kSpecVersion)}};
  ORCH_ASSIGN_OR_RETURN(ExecOutcome out, execPlugin(binary, env, in.dump(), opts_.timeout));
  if (out.error) return out.error->toStatus("plugin " + plugin_type + " VERSION");
  VersionInfo v;
  const json& j = out.output;
  if (!j.is_object() || !j.contains("supportedVersions") || !j["supportedVersions"].is_array()) {
    return Status::invalid("plugin " + plugin_type + " VERSION: supportedVersions is missing");
  }
  if (j.contains("cniVersion") && j["cniVersion"].is_string()) {
    v.cni_version = j["cniVersion"].get<std::string>();
  }
  for (const auto& s : j["supportedVersions"]) {
    if (s.is_string()) v.supported_versions.push_back(s.get<std::string>());
  }
  return v;
}

}  // namespace orch::cni
