#include "agent/kuberuntime/labels.h"

#include <charconv>
#include <cstdio>

#include "common/api/codec.h"

namespace orch::agent {

namespace {

uint32_t fnv1a32(std::string_view data) {
  uint32_t h = 2166136261u;
  for (unsigned char c : data) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

template <class T>
std::optional<T> parseNumber(const StringMap& m, const char* key, int base = 10) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  T v{};
  const char* b = it->second.data();
  const char* e = b + it->second.size();
  auto [p, ec] = std::from_chars(b, e, v, base);
  if (ec != std::errc() || p != e || b == e) return std::nullopt;
  return v;
}

std::string valueOr(const StringMap& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

StringMap toStringMap(const google::protobuf::Map<std::string, std::string>& m) {
  return StringMap(m.begin(), m.end());
}

uint64_t hashContainer(const api::Container& container) {
  // nlohmann::json sorts object keys, so this is {"image":...,"name":...} as Go's
  // json.Marshal of a map writes it.
  api::Json j = {{"name", container.name}, {"image", container.image}};
  return fnv1a32(j.dump());
}

std::string containerHashString(const api::Container& container) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx",
                static_cast<unsigned long long>(hashContainer(container)));
  return buf;
}

StringMap sandboxLabels(const api::Pod& pod) {
  StringMap out = pod.metadata.labels;
  out[kPodNameLabel] = pod.metadata.name;
  out[kPodNamespaceLabel] = pod.metadata.namespace_;
  out[kPodUidLabel] = pod.metadata.uid;
  return out;
}

StringMap sandboxAnnotations(const api::Pod& pod) {
  return pod.metadata.annotations;
}

StringMap containerLabels(const api::Pod& pod, const api::Container& container) {
  return {{kPodNameLabel, pod.metadata.name},
          {kPodNamespaceLabel, pod.metadata.namespace_},
          {kPodUidLabel, pod.metadata.uid},
          {kContainerNameLabel, container.name}};
}

StringMap containerAnnotations(const api::Pod& pod, const api::Container& container,
                               int restart_count) {
  StringMap out;
  out[kContainerHashAnnotation] = containerHashString(container);
  out[kContainerRestartCountAnnotation] = std::to_string(restart_count);
  out[kTerminationMessagePathAnnotation] = container.terminationMessagePath;
  out[kTerminationMessagePolicyAnnotation] = container.terminationMessagePolicy;
  if (pod.metadata.deletionGracePeriodSeconds)
    out[kPodDeletionGracePeriodAnnotation] =
        std::to_string(*pod.metadata.deletionGracePeriodSeconds);
  if (pod.spec.terminationGracePeriodSeconds)
    out[kPodTerminationGracePeriodAnnotation] =
        std::to_string(*pod.spec.terminationGracePeriodSeconds);
  if (container.lifecycle && container.lifecycle->preStop)
    out[kPreStopHandlerAnnotation] = api::encode(*container.lifecycle->preStop).dump();
  if (!container.ports.empty())
    out[kContainerPortsAnnotation] = api::encode(container.ports).dump();
  return out;
}

SandboxLabels parseSandboxLabels(const StringMap& labels) {
  return {valueOr(labels, kPodNameLabel), valueOr(labels, kPodNamespaceLabel),
          valueOr(labels, kPodUidLabel)};
}

ContainerLabels parseContainerLabels(const StringMap& labels, const StringMap& annotations) {
  ContainerLabels out;
  out.pod_name = valueOr(labels, kPodNameLabel);
  out.pod_namespace = valueOr(labels, kPodNamespaceLabel);
  out.pod_uid = valueOr(labels, kPodUidLabel);
  out.container_name = valueOr(labels, kContainerNameLabel);
  out.hash = parseNumber<uint64_t>(annotations, kContainerHashAnnotation, 16).value_or(0);
  out.restart_count =
      parseNumber<int32_t>(annotations, kContainerRestartCountAnnotation).value_or(0);
  out.termination_message_path = valueOr(annotations, kTerminationMessagePathAnnotation);
  out.termination_message_policy = valueOr(annotations, kTerminationMessagePolicyAnnotation);
  out.pod_deletion_grace_period =
      parseNumber<int64_t>(annotations, kPodDeletionGracePeriodAnnotation);
  out.pod_termination_grace_period =
      parseNumber<int64_t>(annotations, kPodTerminationGracePeriodAnnotation);
  if (auto it = annotations.find(kPreStopHandlerAnnotation); it != annotations.end()) {
    api::Json j = api::Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      if (auto handler = api::decode<api::LifecycleHandler>(j); handler.ok())
        out.pre_stop = std::move(*handler);
    }
  }
  if (auto it = annotations.find(kContainerPortsAnnotation); it != annotations.end()) {
    api::Json j = api::Json::parse(it->second, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) {
      if (auto ports = api::decode<std::vector<api::ContainerPort>>(j); ports.ok())
        out.ports = std::move(*ports);
    }
  }
  return out;
}

bool isKubeletContainer(const StringMap& labels) {
  return labels.count(kPodUidLabel) && labels.count(kContainerNameLabel);
}

}  // namespace orch::agent
