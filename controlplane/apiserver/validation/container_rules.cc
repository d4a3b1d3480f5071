// Container validation: upstream's validateContainers / validateInitContainers /
// validateContainerCommon and what they call (ports, env, volume mounts, resources, probes,
// lifecycle hooks, pull and termination-message policies).

#include <set>

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

const std::vector<std::string> kProtocols = {"SCTP", "TCP", "UDP"};
const std::vector<std::string> kEnvFieldPaths = {"metadata.name",
                                                 "metadata.namespace",
                                                 "metadata.uid",
                                                 "spec.nodeName",
                                                 "spec.serviceAccountName",
                                                 "status.hostIP",
                                                 "status.hostIPs",
                                                 "status.podIP",
                                                 "status.podIPs"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  for (const auto& e : v) {
    if (e == s) return true;
  }
  return false;
}

FieldErrors validatePorts(const std::vector<api::ContainerPort>& ports, const std::string& path) {
  FieldErrors out;
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const auto& p = ports[i];
    std::string ip = index(path, i);
    if (!p.name.empty()) {
      auto msgs = names::portName(p.name);
      if (!msgs.empty()) {
        for (const auto& m : msgs) out.push_back(fe::invalidStr(child(ip, "name"), p.name, m));
      } else if (!names.insert(p.name).second) {
        out.push_back(fe::duplicate(child(ip, "name"), fe::quote(p.name)));
      }
    }
    if (p.containerPort == 0) {
      out.push_back(fe::required(child(ip, "containerPort")));
    } else {
      for (const auto& m : names::portNum(p.containerPort)) {
        out.push_back(fe::invalidInt(child(ip, "containerPort"), p.containerPort, m));
      }
    }
    if (p.hostPort != 0) {
      for (const auto& m : names::portNum(p.hostPort)) {
        out.push_back(fe::invalidInt(child(ip, "hostPort"), p.hostPort, m));
      }
    }
    if (p.protocol.empty()) {
      out.push_back(fe::required(child(ip, "protocol")));
    } else if (!contains(kProtocols, p.protocol)) {
      out.push_back(fe::notSupported(child(ip, "protocol"), p.protocol, kProtocols));
    }
  }
  return out;
}

FieldErrors validateKeyRef(const std::string& name, const std::string& key,
                           const std::string& path) {
  FieldErrors out;
  if (name.empty()) {
    out.push_back(fe::required(child(path, "name")));
  } else {
    append(out, validateDns1123Subdomain(name, child(path, "name")));
  }
  if (key.empty()) {
    out.push_back(fe::required(child(path, "key")));
  } else {
    for (const auto& m : names::configMapKey(key)) {
      out.push_back(fe::invalidStr(child(path, "key"), key, m));
    }
  }
  return out;
}

FieldErrors validateFieldRef(const api::ObjectFieldSelector& f, const std::string& path) {
  if (f.apiVersion.empty()) return {fe::required(child(path, "apiVersion"))};
  if (f.fieldPath.empty()) return {fe::required(child(path, "fieldPath"))};
  const std::string& fp = f.fieldPath;
  for (std::string_view prefix : {"metadata.labels['", "metadata.annotations['"}) {
    if (fp.starts_with(prefix) && fp.ends_with("']")) {
      std::string sub = fp.substr(prefix.size(), fp.size() - prefix.size() - 2);
      return validateQualifiedName(sub, path);
    }
  }
  if (!contains(kEnvFieldPaths, fp)) {
    return {fe::notSupported(child(path, "fieldPath"), fp, kEnvFieldPaths)};
  }
  return {};
}

FieldErrors validateEnv(const std::vector<api::EnvVar>& env, const std::string& path) {
  FieldErrors out;
  for (size_t i = 0; i < env.size(); ++i) {
    const auto& e = env[i];
    std::string ip = index(path, i);
    if (e.name.empty()) out.push_back(fe::required(child(ip, "name")));
    for (const auto& m : names::envVarName(e.name)) {
      out.push_back(fe::invalidStr(child(ip, "name"), e.name, m));
    }
    if (!e.valueFrom) continue;
    const auto& vf = *e.valueFrom;
    std::string vp = child(ip, "valueFrom");
    int sources = 0;
    if (vf.fieldRef) {
      ++sources;
      append(out, validateFieldRef(*vf.fieldRef, child(vp, "fieldRef")));
    }
    if (vf.resourceFieldRef) {
      ++sources;
      if (vf.resourceFieldRef->resource.empty()) {
        out.push_back(fe::required(child(child(vp, "resourceFieldRef"), "resource")));
      }
    }
    if (vf.configMapKeyRef) {
      ++sources;
      append(out, validateKeyRef(vf.configMapKeyRef->name, vf.configMapKeyRef->key,
                                 child(vp, "configMapKeyRef")));
    }
    if (vf.secretKeyRef) {
      ++sources;
      append(out, validateKeyRef(vf.secretKeyRef->name, vf.secretKeyRef->key,
                                 child(vp, "secretKeyRef")));
    }
    if (sources == 0) {
      out.push_back(fe::invalidStr(
          vp, "",
          "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
          "`secretKeyRef`"));
    } else if (!e.value.empty()) {
      out.push_back(fe::invalidStr(vp, "", "may not be specified when `value` is not empty"));
    } else if (sources > 1) {
      out.push_back(fe::invalidStr(vp, "", "may not have more than one field specified at a time"));
    }
  }
  return out;
}

FieldErrors validateMounts(const std::vector<api::VolumeMount>& mounts,
                           const std::set<std::string>& volumes, const std::string& path) {
  FieldErrors out;
  std::set<std::string> points;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const auto& m = mounts[i];
    std::string ip = index(path, i);
    if (m.name.empty()) out.push_back(fe::required(child(ip, "name")));
    if (!volumes.count(m.name)) out.push_back(fe::notFound(child(ip, "name"), fe::quote(m.name)));
    if (m.mountPath.empty()) out.push_back(fe::required(child(ip, "mountPath")));
    if (!points.insert(m.mountPath).second) {
      out.push_back(fe::invalidStr(child(ip, "mountPath"), m.mountPath, "must be unique"));
    }
    for (const auto* sub : {&m.subPath}) {
      if (sub->empty()) continue;
      if (sub->front() == '/') {
        out.push_back(fe::invalidStr(child(ip, "subPath"), *sub, "must be a relative path"));
      }
      if (("/" + *sub + "/").find("/../") != std::string::npos) {
        out.push_back(fe::invalidStr(child(ip, "subPath"), *sub, "must not contain '..'"));
      }
    }
    if (!m.subPath.empty() && !m.subPathExpr.empty()) {
      out.push_back(fe::invalidStr(child(ip, "subPathExpr"), m.subPathExpr,
                                   "subPathExpr and subPath are mutually exclusive"));
    }
    if (m.mountPropagation) {
      static const std::vector<std::string> kModes = {"Bidirectional", "HostToContainer", "None"};
      if (!contains(kModes, *m.mountPropagation)) {
        out.push_back(fe::notSupported(child(ip, "mountPropagation"), *m.mountPropagation, kModes));
      }
    }
  }
  return out;
}

bool nativeResource(const std::string& name) {
  return name.find('/') == std::string::npos || name.starts_with("kubernetes.io/");
}

FieldErrors validateResources(const api::ResourceRequirements& r, const std::string& path) {
  FieldErrors out;
  std::string lim = child(path, "limits"), req = child(path, "requests");
  auto nameCheck = [&](const std::string& name, const std::string& p) {
    append(out, validateQualifiedName(name, p));
    if (name.find('/') == std::string::npos && name != "cpu" && name != "memory" &&
        name != "ephemeral-storage" && !name.starts_with("hugepages-")) {
      out.push_back(fe::invalidStr(p, name, "must be a standard resource for containers"));
    }
  };
  for (const auto& [name, q] : r.limits) {
    std::string p = key(lim, name);
    nameCheck(name, p);
    if (q.sign() < 0) out.push_back(fe::invalidStr(p, q.toString(), names::kNonNegative));
  }
  for (const auto& [name, q] : r.requests) {
    std::string p = key(req, name);
    nameCheck(name, p);
    if (q.sign() < 0) out.push_back(fe::invalidStr(p, q.toString(), names::kNonNegative));
    bool overcommit = nativeResource(name) && !name.starts_with("hugepages-");
    auto it = r.limits.find(name);
    if (it != r.limits.end()) {
      if (q.compare(it->second) != 0 && !overcommit) {
        out.push_back(fe::invalidStr(
            req, q.toString(), "must be equal to " + name + " limit of " + it->second.toString()));
      } else if (q.compare(it->second) > 0) {
        out.push_back(fe::invalidStr(
            req, q.toString(),
            "must be less than or equal to " + name + " limit of " + it->second.toString()));
      }
    } else if (!overcommit) {
      out.push_back(fe::required(lim, "Limit must be set for non overcommitable resources"));
    }
  }
  return out;
}

FieldErrors validateHttpGet(const api::HTTPGetAction& h, const std::string& path) {
  FieldErrors out;
  if (h.path.empty()) out.push_back(fe::required(child(path, "path")));
  append(out, validatePortNumOrName(h.port, child(path, "port")));
  if (h.scheme != "HTTP" && h.scheme != "HTTPS") {
    out.push_back(fe::notSupported(child(path, "scheme"), h.scheme, {"HTTP", "HTTPS"}));
  }
  return out;
}

// validateHandler: exactly one handler; `sleep` only for lifecycle hooks, `grpc` only for
// probes.
template <class H>
FieldErrors validateHandler(const H& h, const std::string& path) {
  FieldErrors out;
  int n = 0;
  auto one = [&](bool set, const char* name, auto check) {
    if (!set) return;
    if (n > 0) {
      out.push_back(fe::forbidden(child(path, name), "may not specify more than 1 handler type"));
      return;
    }
    ++n;
    check();
  };
  one(h.exec.has_value(), "exec", [&] {
    if (h.exec->command.empty()) out.push_back(fe::required(child(child(path, "exec"), "command")));
  });
  one(h.httpGet.has_value(), "httpGet",
      [&] { append(out, validateHttpGet(*h.httpGet, child(path, "httpGet"))); });
  one(h.tcpSocket.has_value(), "tcpSocket", [&] {
    append(out, validatePortNumOrName(h.tcpSocket->port, child(child(path, "tcpSocket"), "port")));
  });
  if constexpr (std::is_same_v<H, api::Probe>) {
    one(h.grpc.has_value(), "grpc", [&] {
      for (const auto& m : names::portNum(h.grpc->port)) {
        out.push_back(fe::invalidInt(child(child(path, "grpc"), "port"), h.grpc->port, m));
      }
    });
  } else {
    one(h.sleep.has_value(), "sleep", [&] {
      if (h.sleep->seconds <= 0) {
        out.push_back(fe::invalidInt(child(child(path, "sleep"), "seconds"), h.sleep->seconds,
                                     "must be greater than 0"));
      }
    });
  }
  if (n == 0) out.push_back(fe::required(path, "must specify a handler type"));
  return out;
}

FieldErrors validateProbe(const std::optional<api::Probe>& p, const std::string& path,
                          const char* kind) {
  if (!p) return {};
  FieldErrors out = validateHandler(*p, path);
  append(out, validateNonNegative(p->initialDelaySeconds, child(path, "initialDelaySeconds")));
  append(out, validateNonNegative(p->timeoutSeconds, child(path, "timeoutSeconds")));
  append(out, validateNonNegative(p->periodSeconds, child(path, "periodSeconds")));
  append(out, validateNonNegative(p->successThreshold, child(path, "successThreshold")));
  append(out, validateNonNegative(p->failureThreshold, child(path, "failureThreshold")));
  if (p->terminationGracePeriodSeconds && *p->terminationGracePeriodSeconds <= 0) {
    out.push_back(fe::invalidInt(child(path, "terminationGracePeriodSeconds"),
                                 *p->terminationGracePeriodSeconds, "must be greater than 0"));
  }
  std::string k = kind;
  if ((k == "liveness" || k == "startup") && p->successThreshold != 1) {
    out.push_back(
        fe::invalidInt(child(path, "successThreshold"), p->successThreshold, "must be 1"));
  }
  if (k == "readiness" && p->terminationGracePeriodSeconds) {
    out.push_back(fe::invalidInt(child(path, "terminationGracePeriodSeconds"),
                                 *p->terminationGracePeriodSeconds,
                                 "must not be set for readinessProbes"));
  }
  return out;
}

FieldErrors validateProbesAndHooks(const api::Container& c, const std::string& path) {
  FieldErrors out;
  if (c.lifecycle) {
    if (c.lifecycle->postStart) {
      append(out, validateHandler(*c.lifecycle->postStart,
                                  child(child(path, "lifecycle"), "postStart")));
    }
    if (c.lifecycle->preStop) {
      append(out,
             validateHandler(*c.lifecycle->preStop, child(child(path, "lifecycle"), "preStop")));
    }
  }
  append(out, validateProbe(c.livenessProbe, child(path, "livenessProbe"), "liveness"));
  append(out, validateProbe(c.readinessProbe, child(path, "readinessProbe"), "readiness"));
  append(out, validateProbe(c.startupProbe, child(path, "startupProbe"), "startup"));
  return out;
}

FieldErrors validateCommon(const api::Container& c, const std::set<std::string>& volumes,
                           const std::string& path) {
  FieldErrors out;
  if (c.name.empty()) {
    out.push_back(fe::required(child(path, "name")));
  } else {
    append(out, validateDns1123Label(c.name, child(path, "name")));
  }
  if (c.image.empty()) out.push_back(fe::required(child(path, "image")));
  const std::string& tmp = c.terminationMessagePolicy;
  if (tmp.empty()) {
    out.push_back(fe::required(child(path, "terminationMessagePolicy")));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    out.push_back(fe::notSupported(child(path, "terminationMessagePolicy"), tmp,
                                   {"File", "FallbackToLogsOnError"}));
  }
  append(out, validatePorts(c.ports, child(path, "ports")));
  append(out, validateEnv(c.env, child(path, "env")));
  for (size_t i = 0; i < c.envFrom.size(); ++i) {
    const auto& e = c.envFrom[i];
    std::string ip = index(child(path, "envFrom"), i);
    int n = (e.configMapRef ? 1 : 0) + (e.secretRef ? 1 : 0);
    if (n == 0) {
      out.push_back(fe::invalidStr(ip, "", "must specify one of: `configMapRef` or `secretRef`"));
    } else if (n > 1) {
      out.push_back(fe::invalidStr(ip, "", "may not have more than one field specified at a time"));
    }
  }
  append(out, validateMounts(c.volumeMounts, volumes, child(path, "volumeMounts")));
  const std::string& pp = c.imagePullPolicy;
  if (pp.empty()) {
    out.push_back(fe::required(child(path, "imagePullPolicy")));
  } else if (pp != "Always" && pp != "IfNotPresent" && pp != "Never") {
    out.push_back(
        fe::notSupported(child(path, "imagePullPolicy"), pp, {"Always", "IfNotPresent", "Never"}));
  }
  append(out, validateResources(c.resources, child(path, "resources")));
  return out;
}

}  // namespace

FieldErrors validatePortNumOrName(const api::IntOrString& port, const std::string& path) {
  FieldErrors out;
  if (port.isInt()) {
    for (const auto& m : names::portNum(port.intValue())) {
      out.push_back(fe::invalidInt(path, port.intValue(), m));
    }
  } else {
    for (const auto& m : names::portName(port.strValue())) {
      out.push_back(fe::invalidStr(path, port.strValue(), m));
    }
  }
  return out;
}

FieldErrors validateAllContainers(const api::PodSpec& spec, const std::string& path,
                                  const std::set<std::string>& volumes) {
  FieldErrors out;
  std::string cpath = child(path, "containers");
  if (spec.containers.empty()) out.push_back(fe::required(cpath));
  std::set<std::string> all;
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    const auto& c = spec.containers[i];
    std::string ip = index(cpath, i);
    append(out, validateCommon(c, volumes, ip));
    if (!all.insert(c.name).second)
      out.push_back(fe::duplicate(child(ip, "name"), fe::quote(c.name)));
    append(out, validateProbesAndHooks(c, ip));
    if (c.restartPolicy) {
      out.push_back(
          fe::forbidden(child(ip, "restartPolicy"), "may not be set for non-init containers"));
    }
  }
  std::string ipath = child(path, "initContainers");
  for (size_t i = 0; i < spec.initContainers.size(); ++i) {
    const auto& c = spec.initContainers[i];
    std::string ip = index(ipath, i);
    append(out, validateCommon(c, volumes, ip));
    bool always = false;
    if (c.restartPolicy) {
      always = *c.restartPolicy == "Always";
      if (!always) {
        out.push_back(fe::notSupported(child(ip, "restartPolicy"), *c.restartPolicy, {"Always"}));
      }
    }
    if (all.count(c.name)) {
      out.push_back(fe::duplicate(child(ip, "name"), fe::quote(c.name)));
    } else if (!c.name.empty()) {
      all.insert(c.name);
    }
    if (always) {
      append(out, validateProbesAndHooks(c, ip));
    } else {
      const char* msg = "may not be set for init containers without restartPolicy=Always";
      if (c.lifecycle) out.push_back(fe::forbidden(child(ip, "lifecycle"), msg));
      if (c.livenessProbe) out.push_back(fe::forbidden(child(ip, "livenessProbe"), msg));
      if (c.readinessProbe) out.push_back(fe::forbidden(child(ip, "readinessProbe"), msg));
      if (c.startupProbe) out.push_back(fe::forbidden(child(ip, "startupProbe"), msg));
    }
  }
  return out;
}

}  // namespace orch::apiserver
