#include "runtime-shim/container/launch_spec.h"

#include <sys/capability.h>

#include <limits>
#include <set>
#include <utility>

#include "runtime-shim/container/mount_options.h"
#include "runtime-shim/container/process_setup.h"

namespace orch::shim {

namespace {

using nlohmann::json;

const char* kindName(SeccompSpec::Kind k) {
  switch (k) {
    case SeccompSpec::Kind::kUnconfined:
      return "Unconfined";
    case SeccompSpec::Kind::kRuntimeDefault:
      return "RuntimeDefault";
    case SeccompSpec::Kind::kLocalhost:
      return "Localhost";
  }
  return "Unconfined";
}

// Reads fields of one JSON object; every error names the field by its path from "spec".
class Reader {
 public:
  Reader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  Status checkObject() const {
    if (!j_.is_object()) return Status::invalid(path_ + ": expected an object");
    return Status::ok();
  }
  const json* find(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string at(const char* key) const { return path_ + "." + key; }

  Status str(const char* key, std::string& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_string()) return Status::invalid(at(key) + ": expected a string");
    out = v->get<std::string>();
    return Status::ok();
  }
  Status boolean(const char* key, bool& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_boolean()) return Status::invalid(at(key) + ": expected a boolean");
    out = v->get<bool>();
    return Status::ok();
  }
  template <class Int>
  Status integer(const char* key, Int& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    return integerValue(*v, at(key), out);
  }
  Status strings(const char* key, std::vector<std::string>& out) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_array()) return Status::invalid(at(key) + ": expected an array of strings");
    out.clear();
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) {
        return Status::invalid(at(key) + "[" + std::to_string(i) + "]: expected a string");
      }
      out.push_back((*v)[i].get<std::string>());
    }
    return Status::ok();
  }
  // Calls fn(element, "<path>.key[i]") for each element of an array field.
  template <class Fn>
  Status array(const char* key, Fn fn) const {
    const json* v = find(key);
    if (v == nullptr) return Status::ok();
    if (!v->is_array()) return Status::invalid(at(key) + ": expected an array");
    for (size_t i = 0; i < v->size(); ++i) {
      ORCH_RETURN_IF_ERROR(fn((*v)[i], at(key) + "[" + std::to_string(i) + "]"));
    }
    return Status::ok();
  }

  template <class Int>
  static Status integerValue(const json& v, const std::string& path, Int& out) {
    if (v.is_number_unsigned()) {
      auto u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
        return Status::invalid(path + ": out of range");
      }
      out = static_cast<Int>(u);
      return Status::ok();
    }
    if (v.is_number_integer()) {
      auto s = v.get<int64_t>();
      if (s < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
          (s > 0 &&
           static_cast<uint64_t>(s) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
        return Status::invalid(path + ": out of range");
      }
      out = static_cast<Int>(s);
      return Status::ok();
    }
    return Status::invalid(path + ": expected an integer");
  }

 private:
  const json& j_;
  std::string path_;
};

const std::set<std::string>& namespaceTypes() {
  static const std::set<std::string> kTypes = {"net", "ipc", "uts", "pid", "mnt", "cgroup"};
  return kTypes;
}

Status readNamespace(const json& j, const std::string& path, LaunchSpec& spec) {
  Reader r(j, path);
  ORCH_RETURN_IF_ERROR(r.checkObject());
  NamespaceSpec ns;
  ORCH_RETURN_IF_ERROR(r.str("type", ns.type));
  ORCH_RETURN_IF_ERROR(r.str("path", ns.path));
  if (namespaceTypes().count(ns.type) == 0) {
    return Status::invalid(r.at("type") + ": unknown namespace \"" + ns.type + "\"");
  }
  for (const NamespaceSpec& other : spec.namespaces) {
    if (other.type == ns.type) {
      return Status::invalid(r.at("type") + ": namespace \"" + ns.type + "\" given twice");
    }
  }
  spec.namespaces.push_back(std::move(ns));
  return Status::ok();
}

Status readMount(const json& j, const std::string& path, LaunchSpec& spec) {
  Reader r(j, path);
  ORCH_RETURN_IF_ERROR(r.checkObject());
  MountSpec m;
  ORCH_RETURN_IF_ERROR(r.str("source", m.source));
  ORCH_RETURN_IF_ERROR(r.str("destination", m.destination));
  ORCH_RETURN_IF_ERROR(r.str("type", m.type));
  ORCH_RETURN_IF_ERROR(r.strings("options", m.options));
  ORCH_RETURN_IF_ERROR(r.str("propagation", m.propagation));
  if (m.destination.empty() || m.destination[0] != '/') {
    return Status::invalid(r.at("destination") + ": must be an absolute path, got \"" +
                           m.destination + "\"");
  }
  if (m.type.empty()) return Status::invalid(r.at("type") + ": must not be empty");
  if (!m.propagation.empty() && !propagationFlags(m.propagation).ok()) {
    return Status::invalid(r.at("propagation") + ": unknown propagation \"" + m.propagation + "\"");
  }
  if (auto parsed = parseMountOptions(m.options); !parsed.ok()) {
    return parsed.status().withContext(r.at("options"));
  }
  spec.mounts.push_back(std::move(m));
  return Status::ok();
}

Status readRlimit(const json& j, const std::string& path, LaunchSpec& spec) {
  Reader r(j, path);
  ORCH_RETURN_IF_ERROR(r.checkObject());
  RlimitSpec l;
  ORCH_RETURN_IF_ERROR(r.str("type", l.type));
  ORCH_RETURN_IF_ERROR(r.integer("soft", l.soft));
  ORCH_RETURN_IF_ERROR(r.integer("hard", l.hard));
  if (!rlimitResource(l.type).ok()) {
    return Status::invalid(r.at("type") + ": unknown rlimit \"" + l.type + "\"");
  }
  if (l.soft > l.hard) return Status::invalid(r.at("soft") + ": greater than hard");
  spec.rlimits.push_back(std::move(l));
  return Status::ok();
}

Status readResources(const json& j, const std::string& path, ResourceSpec& res) {
  Reader r(j, path);
  ORCH_RETURN_IF_ERROR(r.checkObject());
  ORCH_RETURN_IF_ERROR(r.integer("cpu_shares", res.cpu_shares));
  ORCH_RETURN_IF_ERROR(r.integer("cpu_quota", res.cpu_quota));
  ORCH_RETURN_IF_ERROR(r.integer("cpu_period", res.cpu_period));
  ORCH_RETURN_IF_ERROR(r.integer("memory_limit_bytes", res.memory_limit_bytes));
  ORCH_RETURN_IF_ERROR(r.integer("pids_limit", res.pids_limit));
  ORCH_RETURN_IF_ERROR(r.str("cpuset_cpus", res.cpuset_cpus));
  ORCH_RETURN_IF_ERROR(r.str("cpuset_mems", res.cpuset_mems));
  if (res.cpu_shares < 0) return Status::invalid(r.at("cpu_shares") + ": negative");
  if (res.cpu_period < 0) return Status::invalid(r.at("cpu_period") + ": negative");
  if (res.cpu_quota < -1) return Status::invalid(r.at("cpu_quota") + ": below -1");
  if (res.memory_limit_bytes < 0) {
    return Status::invalid(r.at("memory_limit_bytes") + ": negative");
  }
  return Status::ok();
}

Status readSeccomp(const json& j, const std::string& path, SeccompSpec& sc) {
  Reader r(j, path);
  ORCH_RETURN_IF_ERROR(r.checkObject());
  std::string kind = kindName(sc.kind);
  ORCH_RETURN_IF_ERROR(r.str("kind", kind));
  if (kind == "Unconfined") {
    sc.kind = SeccompSpec::Kind::kUnconfined;
  } else if (kind == "RuntimeDefault") {
    sc.kind = SeccompSpec::Kind::kRuntimeDefault;
  } else if (kind == "Localhost") {
    sc.kind = SeccompSpec::Kind::kLocalhost;
  } else {
    return Status::invalid(r.at("kind") + ": unknown seccomp kind \"" + kind +
                           "\" (Unconfined, RuntimeDefault, Localhost)");
  }
  ORCH_RETURN_IF_ERROR(r.str("localhost_path", sc.localhost_path));
  if (sc.kind == SeccompSpec::Kind::kLocalhost && sc.localhost_path.empty()) {
    return Status::invalid(r.at("localhost_path") + ": required for Localhost");
  }
  return Status::ok();
}

Status readTop(const json& j, LaunchSpec& spec) {
  Reader r(j, "spec");
  ORCH_RETURN_IF_ERROR(r.checkObject());
  ORCH_RETURN_IF_ERROR(r.strings("args", spec.args));
  if (spec.args.empty() || spec.args[0].empty()) {
    return Status::invalid("spec.args: must not be empty");
  }
  ORCH_RETURN_IF_ERROR(r.strings("env", spec.env));
  for (size_t i = 0; i < spec.env.size(); ++i) {
    if (spec.env[i].find('=') == std::string::npos) {
      return Status::invalid("spec.env[" + std::to_string(i) + "]: expected KEY=VALUE, got \"" +
                             spec.env[i] + "\"");
    }
  }
  ORCH_RETURN_IF_ERROR(r.str("cwd", spec.cwd));
  if (spec.cwd.empty() || spec.cwd[0] != '/') {
    return Status::invalid("spec.cwd: must be an absolute path, got \"" + spec.cwd + "\"");
  }
  ORCH_RETURN_IF_ERROR(r.strings("lower_dirs", spec.lower_dirs));
  ORCH_RETURN_IF_ERROR(r.str("upper_dir", spec.upper_dir));
  ORCH_RETURN_IF_ERROR(r.str("work_dir", spec.work_dir));
  ORCH_RETURN_IF_ERROR(r.str("rootfs_dir", spec.rootfs_dir));
  if (!spec.lower_dirs.empty() && spec.rootfs_dir.empty()) {
    return Status::invalid("spec.rootfs_dir: required with lower_dirs");
  }
  if (spec.upper_dir.empty() != spec.work_dir.empty()) {
    return Status::invalid("spec.work_dir: upper_dir and work_dir go together");
  }
  ORCH_RETURN_IF_ERROR(r.boolean("readonly_rootfs", spec.readonly_rootfs));
  ORCH_RETURN_IF_ERROR(r.str("hostname", spec.hostname));
  ORCH_RETURN_IF_ERROR(r.array("namespaces", [&](const json& e, const std::string& p) {
    return readNamespace(e, p, spec);
  }));
  ORCH_RETURN_IF_ERROR(r.array(
      "mounts", [&](const json& e, const std::string& p) { return readMount(e, p, spec); }));
  ORCH_RETURN_IF_ERROR(r.strings("masked_paths", spec.masked_paths));
  ORCH_RETURN_IF_ERROR(r.strings("readonly_paths", spec.readonly_paths));
  if (const json* s = r.find("sysctls")) {
    if (!s->is_object()) return Status::invalid("spec.sysctls: expected an object");
    for (const auto& [k, v] : s->items()) {
      if (!v.is_string()) return Status::invalid("spec.sysctls." + k + ": expected a string");
      if (k.empty() || k.find("..") != std::string::npos || k[0] == '/' || k[0] == '.') {
        return Status::invalid("spec.sysctls." + k + ": bad sysctl name");
      }
      spec.sysctls[k] = v.get<std::string>();
    }
  }
  ORCH_RETURN_IF_ERROR(r.str("cgroup_path", spec.cgroup_path));
  if (!spec.cgroup_path.empty() &&
      (spec.cgroup_path[0] != '/' || spec.cgroup_path.find("..") != std::string::npos)) {
    return Status::invalid("spec.cgroup_path: must be absolute without \"..\", got \"" +
                           spec.cgroup_path + "\"");
  }
  if (const json* res = r.find("resources")) {
    ORCH_RETURN_IF_ERROR(readResources(*res, "spec.resources", spec.resources));
  }
  ORCH_RETURN_IF_ERROR(r.boolean("privileged", spec.privileged));
  ORCH_RETURN_IF_ERROR(r.strings("capabilities", spec.capabilities));
  for (size_t i = 0; i < spec.capabilities.size(); ++i) {
    cap_value_t v;
    if (cap_from_name(spec.capabilities[i].c_str(), &v) != 0) {
      return Status::invalid("spec.capabilities[" + std::to_string(i) + "]: unknown capability \"" +
                             spec.capabilities[i] + "\"");
    }
  }
  ORCH_RETURN_IF_ERROR(r.boolean("no_new_privs", spec.no_new_privs));
  if (const json* sc = r.find("seccomp")) {
    ORCH_RETURN_IF_ERROR(readSeccomp(*sc, "spec.seccomp", spec.seccomp));
  }
  ORCH_RETURN_IF_ERROR(r.integer("uid", spec.uid));
  ORCH_RETURN_IF_ERROR(r.integer("gid", spec.gid));
  ORCH_RETURN_IF_ERROR(r.array("additional_gids", [&](const json& e, const std::string& p) {
    uint32_t g = 0;
    ORCH_RETURN_IF_ERROR(Reader::integerValue(e, p, g));
    spec.additional_gids.push_back(g);
    return Status::ok();
  }));
  ORCH_RETURN_IF_ERROR(r.array(
      "rlimits", [&](const json& e, const std::string& p) { return readRlimit(e, p, spec); }));
  if (r.find("oom_score_adj") != nullptr) {
    int v = 0;
    ORCH_RETURN_IF_ERROR(r.integer("oom_score_adj", v));
    if (v < -1000 || v > 1000) return Status::invalid("spec.oom_score_adj: outside -1000..1000");
    spec.oom_score_adj = v;
  }
  ORCH_RETURN_IF_ERROR(r.str("log_path", spec.log_path));
  ORCH_RETURN_IF_ERROR(r.boolean("tty", spec.tty));
  return Status::ok();
}

}  // namespace

json toJson(const LaunchSpec& spec) {
  json j = json::object();
  j["args"] = spec.args;
  j["env"] = spec.env;
  j["cwd"] = spec.cwd;
  j["lower_dirs"] = spec.lower_dirs;
  j["upper_dir"] = spec.upper_dir;
  j["work_dir"] = spec.work_dir;
  j["rootfs_dir"] = spec.rootfs_dir;
  j["readonly_rootfs"] = spec.readonly_rootfs;
  j["hostname"] = spec.hostname;
  json ns = json::array();
  for (const NamespaceSpec& n : spec.namespaces) ns.push_back({{"type", n.type}, {"path", n.path}});
  j["namespaces"] = std::move(ns);
  json mounts = json::array();
  for (const MountSpec& m : spec.mounts) {
    mounts.push_back({{"source", m.source},
                      {"destination", m.destination},
                      {"type", m.type},
                      {"options", m.options},
                      {"propagation", m.propagation}});
  }
  j["mounts"] = std::move(mounts);
  j["masked_paths"] = spec.masked_paths;
  j["readonly_paths"] = spec.readonly_paths;
  j["sysctls"] = spec.sysctls;
  j["cgroup_path"] = spec.cgroup_path;
  const ResourceSpec& r = spec.resources;
  j["resources"] = {{"cpu_shares", r.cpu_shares},  {"cpu_quota", r.cpu_quota},
                    {"cpu_period", r.cpu_period},  {"memory_limit_bytes", r.memory_limit_bytes},
                    {"pids_limit", r.pids_limit},  {"cpuset_cpus", r.cpuset_cpus},
                    {"cpuset_mems", r.cpuset_mems}};
  j["privileged"] = spec.privileged;
  j["capabilities"] = spec.capabilities;
  j["no_new_privs"] = spec.no_new_privs;
  j["seccomp"] = {{"kind", kindName(spec.seccomp.kind)},
                  {"localhost_path", spec.seccomp.localhost_path}};
  j["uid"] = spec.uid;
  j["gid"] = spec.gid;
  j["additional_gids"] = spec.additional_gids;
  json rl = json::array();
  for (const RlimitSpec& l : spec.rlimits) {
    rl.push_back({{"type", l.type}, {"soft", l.soft}, {"hard", l.hard}});
  }
  j["rlimits"] = std::move(rl);
  j["oom_score_adj"] = spec.oom_score_adj ? json(*spec.oom_score_adj) : json(nullptr);
  j["log_path"] = spec.log_path;
  j["tty"] = spec.tty;
  return j;
}

Result<LaunchSpec> launchSpecFromJson(const json& j) {
  LaunchSpec spec;
  ORCH_RETURN_IF_ERROR(readTop(j, spec));
  return spec;
}

const std::vector<std::string>& defaultCapabilities() {
  static const std::vector<std::string> kCaps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE",
  };
  return kCaps;
}

}  // namespace orch::shim
