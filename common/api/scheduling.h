#pragma once
// Scheduling constraints: node/pod (anti-)affinity, tolerations and node taints.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "common/api/label_selector.h"
#include "common/api/time.h"

namespace orch::api {

struct NodeSelectorRequirement {
  std::string key;
  std::string operator_;  // JSON "operator": In, NotIn, Exists, DoesNotExist, Gt, Lt
  std::vector<std::string> values;
  Json unknown_fields;
};

struct NodeSelectorTerm {
  std::vector<NodeSelectorRequirement> matchExpressions;  // on node labels
  std::vector<NodeSelectorRequirement> matchFields;       // on node fields (metadata.name)
  Json unknown_fields;
};

struct NodeSelector {
  std::vector<NodeSelectorTerm> nodeSelectorTerms;  // ORed
  Json unknown_fields;
};

struct PreferredSchedulingTerm {
  int32_t weight = 0;  // 1..100
  NodeSelectorTerm preference;
  Json unknown_fields;
};

struct NodeAffinity {
  std::optional<NodeSelector> requiredDuringSchedulingIgnoredDuringExecution;
  std::vector<PreferredSchedulingTerm> preferredDuringSchedulingIgnoredDuringExecution;
  Json unknown_fields;
};

struct PodAffinityTerm {
  std::optional<LabelSelector> labelSelector;
  std::vector<std::string> namespaces;
  std::string topologyKey;
  std::optional<LabelSelector> namespaceSelector;
  std::vector<std::string> matchLabelKeys, mismatchLabelKeys;
  Json unknown_fields;
};

struct WeightedPodAffinityTerm {
  int32_t weight = 0;
  PodAffinityTerm podAffinityTerm;
  Json unknown_fields;
};

// Used for both podAffinity and podAntiAffinity (same shape upstream).
struct PodAffinity {
  std::vector<PodAffinityTerm> requiredDuringSchedulingIgnoredDuringExecution;
  std::vector<WeightedPodAffinityTerm> preferredDuringSchedulingIgnoredDuringExecution;
  Json unknown_fields;
};
using PodAntiAffinity = PodAffinity;

struct Affinity {
  std::optional<NodeAffinity> nodeAffinity;
  std::optional<PodAffinity> podAffinity;
  std::optional<PodAntiAffinity> podAntiAffinity;
  Json unknown_fields;
};

struct Toleration {
  std::string key;
  std::string operator_;  // JSON "operator": Exists, Equal
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute ("" = all)
  std::optional<int64_t> tolerationSeconds;
  Json unknown_fields;
};

struct Taint {
  std::string key, value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
  std::optional<Time> timeAdded;
  Json unknown_fields;
};

ORCH_API_CODEC(NodeSelectorRequirement);
ORCH_API_CODEC(NodeSelectorTerm);
ORCH_API_CODEC(NodeSelector);
ORCH_API_CODEC(PreferredSchedulingTerm);
ORCH_API_CODEC(NodeAffinity);
ORCH_API_CODEC(PodAffinityTerm);
ORCH_API_CODEC(WeightedPodAffinityTerm);
ORCH_API_CODEC(PodAffinity);
ORCH_API_CODEC(Affinity);
ORCH_API_CODEC(Toleration);
ORCH_API_CODEC(Taint);

// Whether a toleration tolerates a taint (v1.Toleration.ToleratesTaint): effects match (or the
// toleration's is empty), keys match (or the toleration's is empty), and the operator is
// Exists, or Equal (the default) with equal values.
bool toleratesTaint(const Toleration& t, const Taint& taint);

}  // namespace orch::api
