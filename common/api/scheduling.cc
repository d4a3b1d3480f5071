#include "common/api/scheduling.h"

namespace orch::api {

ORCH_API_FIELDS(NodeSelectorRequirement) {
  ORCH_F(f.always("key", v.key));
  ORCH_F(f.always("operator", v.operator_));
  return f("values", v.values);
}

ORCH_API_FIELDS(NodeSelectorTerm) {
  ORCH_F(f("matchExpressions", v.matchExpressions));
  return f("matchFields", v.matchFields);
}

ORCH_API_FIELDS(NodeSelector) {
  return f.always("nodeSelectorTerms", v.nodeSelectorTerms);
}

ORCH_API_FIELDS(PreferredSchedulingTerm) {
  ORCH_F(f.always("weight", v.weight));
  return f.always("preference", v.preference);
}

ORCH_API_FIELDS(NodeAffinity) {
  ORCH_F(f("requiredDuringSchedulingIgnoredDuringExecution",
           v.requiredDuringSchedulingIgnoredDuringExecution));
  return f("preferredDuringSchedulingIgnoredDuringExecution",
           v.preferredDuringSchedulingIgnoredDuringExecution);
}

ORCH_API_FIELDS(PodAffinityTerm) {
  ORCH_F(f("labelSelector", v.labelSelector));
  ORCH_F(f("namespaces", v.namespaces));
  ORCH_F(f.always("topologyKey", v.topologyKey));
  ORCH_F(f("namespaceSelector", v.namespaceSelector));
  ORCH_F(f("matchLabelKeys", v.matchLabelKeys));
  return f("mismatchLabelKeys", v.mismatchLabelKeys);
}

ORCH_API_FIELDS(WeightedPodAffinityTerm) {
  ORCH_F(f.always("weight", v.weight));
  return f.always("podAffinityTerm", v.podAffinityTerm);
}

ORCH_API_FIELDS(PodAffinity) {
  ORCH_F(f("requiredDuringSchedulingIgnoredDuringExecution",
           v.requiredDuringSchedulingIgnoredDuringExecution));
  return f("preferredDuringSchedulingIgnoredDuringExecution",
           v.preferredDuringSchedulingIgnoredDuringExecution);
}

ORCH_API_FIELDS(Affinity) {
  ORCH_F(f("nodeAffinity", v.nodeAffinity));
  ORCH_F(f("podAffinity", v.podAffinity));
  return f("podAntiAffinity", v.podAntiAffinity);
}

ORCH_API_FIELDS(Toleration) {
  ORCH_F(f("key", v.key));
  ORCH_F(f("operator", v.operator_));
  ORCH_F(f("value", v.value));
  ORCH_F(f("effect", v.effect));
  return f("tolerationSeconds", v.tolerationSeconds);
}

ORCH_API_FIELDS(Taint) {
  ORCH_F(f.always("key", v.key));
  ORCH_F(f("value", v.value));
  ORCH_F(f.always("effect", v.effect));
  return f("timeAdded", v.timeAdded);
}

bool toleratesTaint(const Toleration& t, const Taint& taint) {
  if (!t.effect.empty() && t.effect != taint.effect) return false;
  if (!t.key.empty() && t.key != taint.key) return false;
  if (t.operator_ == "Exists") return true;
  if (t.operator_ == "Equal" || t.operator_.empty()) {
    return t.value == taint.value;
  }
  return false;
}

}  // namespace orch::api
