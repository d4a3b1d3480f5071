// Pod and pod-template defaulting: upstream's pkg/apis/core/v1/defaults.go (SetDefaults_Pod,
// SetDefaults_PodSpec, SetDefaults_Container, SetDefaults_Probe, SetDefaults_*VolumeSource,
// ...) plus the v1 conversion's mirroring of deprecated fields (serviceAccount, podIP).

#include <cctype>

#include "controlplane/apiserver/validation/rules_internal.h"

namespace orch::apiserver {

namespace {

constexpr int32_t kDefaultFileMode = 0644;  // 420

// The tag parsers.ParseImageName finds: "latest" for a bare name, "" with a digest only or
// when the reference does not parse (so the policy falls to IfNotPresent, as upstream).
std::string imageTag(const std::string& image) {
  if (image.empty()) return "";
  std::string ref = image;
  bool digest = false;
  if (size_t at = ref.find('@'); at != std::string::npos) {
    digest = true;
    ref = ref.substr(0, at);
  }
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  std::string repo = ref;
  std::string tag;
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    tag = ref.substr(colon + 1);
    repo = ref.substr(0, colon);
  }
  // The path after the registry host must be lower case for a valid reference.
  size_t first = repo.find('/');
  std::string path = repo;
  if (first != std::string::npos) {
    std::string host = repo.substr(0, first);
    if (host.find('.') != std::string::npos || host.find(':') != std::string::npos ||
        host == "localhost") {
      path = repo.substr(first + 1);
    }
  }
  for (char c : path) {
    if (std::isupper(static_cast<unsigned char>(c))) return "";
  }
  if (tag.empty() && !digest) return "latest";
  return tag;
}

void defaultHttpGet(std::optional<api::HTTPGetAction>& h) {
  if (!h) return;
  if (h->path.empty()) h->path = "/";
  if (h->scheme.empty()) h->scheme = "HTTP";
}

void defaultProbe(std::optional<api::Probe>& p) {
  if (!p) return;
  if (p->timeoutSeconds == 0) p->timeoutSeconds = 1;
  if (p->periodSeconds == 0) p->periodSeconds = 10;
  if (p->successThreshold == 0) p->successThreshold = 1;
  if (p->failureThreshold == 0) p->failureThreshold = 3;
  defaultHttpGet(p->httpGet);
}

void defaultHandler(std::optional<api::LifecycleHandler>& h) {
  if (h) defaultHttpGet(h->httpGet);
}

void defaultFieldRef(std::optional<api::ObjectFieldSelector>& f) {
  if (f && f->apiVersion.empty()) f->apiVersion = "v1";
}

void defaultContainer(api::Container& c) {
  if (c.imagePullPolicy.empty()) {
    c.imagePullPolicy = imageTag(c.image) == "latest" ? "Always" : "IfNotPresent";
  }
  if (c.terminationMessagePath.empty()) c.terminationMessagePath = "/dev/termination-log";
  if (c.terminationMessagePolicy.empty()) c.terminationMessagePolicy = "File";
  for (auto& p : c.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
  }
  for (auto& e : c.env) {
    if (e.valueFrom) defaultFieldRef(e.valueFrom->fieldRef);
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  if (c.lifecycle) {
    defaultHandler(c.lifecycle->postStart);
    defaultHandler(c.lifecycle->preStop);
  }
}

void defaultVolume(api::Volume& v) {
  bool any = v.hostPath || v.emptyDir || v.secret || v.persistentVolumeClaim || v.downwardAPI ||
             v.configMap || v.projected ||
             (v.unknown_fields.is_object() && !v.unknown_fields.empty());
  // SetDefaults_Volume: a volume without a source is an emptyDir.
  if (!any) v.emptyDir = api::EmptyDirVolumeSource{};
  if (v.hostPath && !v.hostPath->type) v.hostPath->type = "";
  if (v.secret && !v.secret->defaultMode) v.secret->defaultMode = kDefaultFileMode;
  if (v.configMap && !v.configMap->defaultMode) v.configMap->defaultMode = kDefaultFileMode;
  if (v.downwardAPI) {
    if (!v.downwardAPI->defaultMode) v.downwardAPI->defaultMode = kDefaultFileMode;
    for (auto& f : v.downwardAPI->items) defaultFieldRef(f.fieldRef);
  }
  if (v.projected) {
    if (!v.projected->defaultMode) v.projected->defaultMode = kDefaultFileMode;
    for (auto& s : v.projected->sources) {
      if (s.serviceAccountToken && !s.serviceAccountToken->expirationSeconds) {
        s.serviceAccountToken->expirationSeconds = 3600;
      }
      if (s.downwardAPI) {
        for (auto& f : s.downwardAPI->items) defaultFieldRef(f.fieldRef);
      }
    }
  }
}

void defaultHostNetworkPorts(std::vector<api::Container>& cs) {
  for (auto& c : cs) {
    for (auto& p : c.ports) {
      if (p.hostPort == 0) p.hostPort = p.containerPort;
    }
  }
}

void requestsFromLimits(std::vector<api::Container>& cs) {
  for (auto& c : cs) {
    for (const auto& [name, q] : c.resources.limits) c.resources.requests.emplace(name, q);
  }
}

}  // namespace

void defaultPodSpec(api::PodSpec& s) {
  if (s.dnsPolicy.empty()) s.dnsPolicy = "ClusterFirst";
  if (s.restartPolicy.empty()) s.restartPolicy = "Always";
  if (!s.securityContext) s.securityContext = api::PodSecurityContext{};
  if (!s.terminationGracePeriodSeconds) s.terminationGracePeriodSeconds = 30;
  if (s.schedulerName.empty()) s.schedulerName = "default-scheduler";
  // The v1 conversion keeps the deprecated serviceAccount equal to serviceAccountName.
  if (s.serviceAccountName.empty()) s.serviceAccountName = s.serviceAccount;
  s.serviceAccount = s.serviceAccountName;
  for (auto& c : s.initContainers) defaultContainer(c);
  for (auto& c : s.containers) defaultContainer(c);
  for (auto& v : s.volumes) defaultVolume(v);
}

void defaultPod(api::Pod& pod) {
  requestsFromLimits(pod.spec.containers);
  requestsFromLimits(pod.spec.initContainers);
  if (!pod.spec.enableServiceLinks) pod.spec.enableServiceLinks = true;
  if (pod.spec.hostNetwork) {
    defaultHostNetworkPorts(pod.spec.containers);
    defaultHostNetworkPorts(pod.spec.initContainers);
  }
  defaultPodSpec(pod.spec);
  // The v1 conversion mirrors podIP/podIPs and hostIP/hostIPs.
  auto& st = pod.status;
  if (st.podIPs.empty() && !st.podIP.empty()) st.podIPs.push_back(api::PodIP{st.podIP, {}});
  if (!st.podIPs.empty()) st.podIP = st.podIPs[0].ip;
  if (st.hostIPs.empty() && !st.hostIP.empty()) st.hostIPs.push_back(api::PodIP{st.hostIP, {}});
  if (!st.hostIPs.empty()) st.hostIP = st.hostIPs[0].ip;
}

}  // namespace orch::apiserver
