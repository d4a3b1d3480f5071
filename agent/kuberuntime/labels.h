#pragma once
// The labels and annotations the kubelet puts on CRI sandboxes and containers, and parsing
// them back, so that the agent can recognise (adopt) what it started before a restart.
// Names and encodings as upstream (pkg/kubelet/types/labels.go, kuberuntime/labels.go):
// the hash is lower-case hex, the restart count decimal, the preStop handler and the ports
// JSON. Pure functions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/map.h>

#include "common/api/container.h"
#include "common/api/pod.h"
#include "common/api/probe.h"

namespace orch::agent {

inline constexpr char kPodNameLabel[] = "io.kubernetes.pod.name";
inline constexpr char kPodNamespaceLabel[] = "io.kubernetes.pod.namespace";
inline constexpr char kPodUidLabel[] = "io.kubernetes.pod.uid";
inline constexpr char kContainerNameLabel[] = "io.kubernetes.container.name";

inline constexpr char kContainerHashAnnotation[] = "io.kubernetes.container.hash";
inline constexpr char kContainerRestartCountAnnotation[] = "io.kubernetes.container.restartCount";
inline constexpr char kTerminationMessagePathAnnotation[] =
    "io.kubernetes.container.terminationMessagePath";
inline constexpr char kTerminationMessagePolicyAnnotation[] =
    "io.kubernetes.container.terminationMessagePolicy";
inline constexpr char kPodDeletionGracePeriodAnnotation[] = "io.kubernetes.pod.deletionGracePeriod";
inline constexpr char kPodTerminationGracePeriodAnnotation[] =
    "io.kubernetes.pod.terminationGracePeriod";
inline constexpr char kPreStopHandlerAnnotation[] = "io.kubernetes.container.preStopHandler";
inline constexpr char kContainerPortsAnnotation[] = "io.kubernetes.container.ports";

using StringMap = std::map<std::string, std::string>;

// A CRI (protobuf) label or annotation map as a StringMap.
StringMap toStringMap(const google::protobuf::Map<std::string, std::string>& m);

// The container's spec hash as the kubelet computes it since 1.31: FNV-1a (32 bit) over the
// JSON of {"image", "name"} — the only fields of a running container's spec that can change
// (resources are resized in place, not by restart). A different hash means "restart it".
uint64_t hashContainer(const api::Container& container);
// hashContainer as the annotation writes it (lower-case hex).
std::string containerHashString(const api::Container& container);

// Sandbox labels: the pod's labels plus io.kubernetes.pod.{name,namespace,uid}.
StringMap sandboxLabels(const api::Pod& pod);
// Sandbox annotations: the pod's annotations.
StringMap sandboxAnnotations(const api::Pod& pod);
// Container labels: io.kubernetes.pod.{name,namespace,uid} and io.kubernetes.container.name.
StringMap containerLabels(const api::Pod& pod, const api::Container& container);
// Container annotations: hash, restartCount, terminationMessagePath/Policy, the pod's
// deletion and termination grace periods (when set), the preStop handler and the ports
// (JSON, when present).
StringMap containerAnnotations(const api::Pod& pod, const api::Container& container,
                               int restart_count);

// Which pod a sandbox belongs to, from its labels. Empty fields when a label is missing.
struct SandboxLabels {
  std::string pod_name, pod_namespace, pod_uid;
};
SandboxLabels parseSandboxLabels(const StringMap& labels);

// Everything the kubelet stored on a container, parsed back. Fields whose label or
// annotation is missing or malformed keep their defaults (as upstream, which only logs).
struct ContainerLabels {
  std::string pod_name, pod_namespace, pod_uid, container_name;
  uint64_t hash = 0;  // 0: unknown (never equal to a real spec's hash in practice)
  int32_t restart_count = 0;
  std::string termination_message_path, termination_message_policy;
  std::optional<int64_t> pod_deletion_grace_period, pod_termination_grace_period;
  std::optional<api::LifecycleHandler> pre_stop;
  std::vector<api::ContainerPort> ports;
};
ContainerLabels parseContainerLabels(const StringMap& labels, const StringMap& annotations);

// True when labels carry a pod uid and a container name, i.e. the kubelet made it.
bool isKubeletContainer(const StringMap& labels);

}  // namespace orch::agent
