#include "agent/kuberuntime/pod_runtime_status.h"

#include <algorithm>
#include <map>

namespace orch::agent {

namespace v1 = runtime::v1;

Clock::WallTime fromCriTime(int64_t nanos) {
  return Clock::WallTime(
      std::chrono::duration_cast<Clock::WallTime::duration>(std::chrono::nanoseconds(nanos)));
}

bool isSet(Clock::WallTime t) {
  return t.time_since_epoch().count() != 0;
}

const ContainerRuntimeStatus* PodRuntimeStatus::findContainer(const std::string& n) const {
  for (const auto& c : containers)
    if (c.name == n) return &c;
  return nullptr;
}

const ContainerRuntimeStatus* PodRuntimeStatus::lastExited(const std::string& n) const {
  for (const auto& c : containers)
    if (c.name == n && c.exited()) return &c;
  return nullptr;
}

std::vector<const ContainerRuntimeStatus*> PodRuntimeStatus::instancesOf(
    const std::string& n) const {
  std::vector<const ContainerRuntimeStatus*> out;
  for (const auto& c : containers)
    if (c.name == n) out.push_back(&c);
  return out;
}

SandboxRuntimeStatus toSandboxRuntimeStatus(const v1::PodSandboxStatus& s) {
  SandboxRuntimeStatus out;
  out.id = s.id();
  out.attempt = s.metadata().attempt();
  out.state = s.state();
  out.created_at = fromCriTime(s.created_at());
  out.network_mode = s.linux().namespaces().options().network();
  out.has_network_status = s.has_network();
  out.ip = s.network().ip();
  for (const auto& ip : s.network().additional_ips()) out.additional_ips.push_back(ip.ip());
  return out;
}

ContainerRuntimeStatus toContainerRuntimeStatus(const v1::ContainerStatus& s,
                                                const std::string& sandbox_id) {
  ContainerRuntimeStatus out;
  out.id = s.id();
  out.sandbox_id = sandbox_id;
  out.labels = parseContainerLabels(toStringMap(s.labels()), toStringMap(s.annotations()));
  out.name = out.labels.container_name.empty() ? s.metadata().name() : out.labels.container_name;
  out.state = s.state();
  out.created_at = fromCriTime(s.created_at());
  out.started_at = fromCriTime(s.started_at());
  out.finished_at = fromCriTime(s.finished_at());
  out.exit_code = s.exit_code();
  out.reason = s.reason();
  out.message = s.message();
  out.image = s.image().image();
  out.image_ref = s.image_ref();
  out.image_id = s.image_id();
  out.hash = out.labels.hash;
  out.restart_count = out.labels.restart_count;
  out.log_path = s.log_path();
  out.raw = s;
  return out;
}

PodRuntimeStatus assemblePodRuntimeStatus(std::string uid, std::string name, std::string namespace_,
                                          std::vector<SandboxRuntimeStatus> sandboxes,
                                          std::vector<ContainerRuntimeStatus> containers) {
  PodRuntimeStatus out;
  out.uid = std::move(uid);
  out.name = std::move(name);
  out.namespace_ = std::move(namespace_);
  // Newest first; equal creation times (coarse clocks) fall back to the attempt numbers.
  std::stable_sort(sandboxes.begin(), sandboxes.end(), [](const auto& a, const auto& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.attempt > b.attempt;
  });
  std::stable_sort(containers.begin(), containers.end(), [](const auto& a, const auto& b) {
    if (a.created_at != b.created_at) return a.created_at > b.created_at;
    return a.restart_count > b.restart_count;
  });
  out.sandboxes = std::move(sandboxes);
  out.containers = std::move(containers);
  // As the kubelet: only the newest sandbox's IPs count, and only while it is ready.
  if (const auto* sb = out.latestSandbox(); sb && sb->ready() && !sb->ip.empty()) {
    out.ips.push_back(sb->ip);
    for (const auto& ip : sb->additional_ips) out.ips.push_back(ip);
  }
  return out;
}

Result<PodRuntimeStatus> getPodRuntimeStatus(CriRuntime& runtime, const std::string& uid,
                                             const std::string& name,
                                             const std::string& namespace_) {
  const std::string what = "status of pod " + namespace_ + "/" + name + " (" + uid + ")";
  v1::PodSandboxFilter sf;
  (*sf.mutable_label_selector())[kPodUidLabel] = uid;
  auto listed = runtime.listPodSandbox(sf);
  if (!listed.ok()) return listed.status().withContext(what);
  std::vector<SandboxRuntimeStatus> sandboxes;
  for (const auto& sb : *listed) {
    auto st = runtime.podSandboxStatus(sb.id());
    if (!st.ok()) {
      if (st.status().code() == ENOENT) continue;
      return st.status().withContext(what);
    }
    sandboxes.push_back(toSandboxRuntimeStatus(st->status));
  }
  v1::ContainerFilter cf;
  (*cf.mutable_label_selector())[kPodUidLabel] = uid;
  auto containers_listed = runtime.listContainers(cf);
  if (!containers_listed.ok()) return containers_listed.status().withContext(what);
  std::vector<ContainerRuntimeStatus> containers;
  for (const auto& c : *containers_listed) {
    auto st = runtime.containerStatus(c.id());
    if (!st.ok()) {
      if (st.status().code() == ENOENT) continue;
      return st.status().withContext(what);
    }
    containers.push_back(toContainerRuntimeStatus(*st, c.pod_sandbox_id()));
  }
  return assemblePodRuntimeStatus(uid, name, namespace_, std::move(sandboxes),
                                  std::move(containers));
}

Result<std::vector<RuntimePod>> listRuntimePods(CriRuntime& runtime) {
  auto sandboxes = runtime.listPodSandbox();
  if (!sandboxes.ok()) return sandboxes.status().withContext("list runtime pods");
  auto containers = runtime.listContainers();
  if (!containers.ok()) return containers.status().withContext("list runtime pods");
  std::map<std::string, RuntimePod> pods;
  auto podFor = [&](const google::protobuf::Map<std::string, std::string>& labels) -> RuntimePod* {
    auto parsed = parseSandboxLabels(toStringMap(labels));
    if (parsed.pod_uid.empty()) return nullptr;  // not made by a kubelet
    RuntimePod& p = pods[parsed.pod_uid];
    p.uid = parsed.pod_uid;
    if (p.name.empty()) p.name = parsed.pod_name;
    if (p.namespace_.empty()) p.namespace_ = parsed.pod_namespace;
    return &p;
  };
  for (auto& sb : *sandboxes)
    if (RuntimePod* p = podFor(sb.labels())) p->sandboxes.push_back(std::move(sb));
  for (auto& c : *containers)
    if (RuntimePod* p = podFor(c.labels())) p->containers.push_back(std::move(c));
  std::vector<RuntimePod> out;
  for (auto& [uid, p] : pods) {
    std::stable_sort(p.sandboxes.begin(), p.sandboxes.end(),
                     [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
    std::stable_sort(p.containers.begin(), p.containers.end(),
                     [](const auto& a, const auto& b) { return a.created_at() > b.created_at(); });
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace orch::agent
