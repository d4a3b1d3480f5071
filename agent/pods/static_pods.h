#pragma once
// Static pods: manifests (YAML or JSON Pod objects, one per file) in --pod-manifest-path,
// run by the agent even without an apiserver, and mirrored to it when there is one. As the
// kubelet does, each pod is named "<name>-<node>", defaulted and validated with upstream's
// rules (the same library the apiserver uses), bound to this node, and given a uid derived
// from its content and source file, so an unchanged manifest keeps its uid across restarts
// and an edited one becomes a new pod.

#include <string>
#include <utility>
#include <vector>

#include "common/api/pod.h"
#include "common/base/status.h"

namespace orch::agent {

inline constexpr char kConfigSourceAnnotation[] = "kubernetes.io/config.source";
inline constexpr char kConfigHashAnnotation[] = "kubernetes.io/config.hash";
inline constexpr char kConfigMirrorAnnotation[] = "kubernetes.io/config.mirror";

struct StaticPodScan {
  std::vector<api::Pod> pods;
  std::vector<std::pair<std::string, std::string>> errors;  // file, what is wrong with it
};

// Reads every regular, non-hidden *.yaml / *.yml / *.json file of `dir` (a missing dir is no
// pods). A bad manifest is reported in `errors` and skipped; the others still run.
StaticPodScan readStaticPods(const std::string& dir, const std::string& node_name);

// One manifest's text → the pod to run (EINVAL naming the field for an invalid one).
Result<api::Pod> staticPodFromManifest(const std::string& text, const std::string& source,
                                       const std::string& node_name);

bool isStaticPod(const api::Pod& pod);
bool isMirrorPod(const api::Pod& pod);
// The mirror pod to create in the apiserver for a static pod: same name, namespace and spec,
// the config.mirror annotation, owned by the Node.
api::Pod mirrorPodOf(const api::Pod& static_pod, const std::string& node_uid);

}  // namespace orch::agent
