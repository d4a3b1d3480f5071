#pragma once
// Pods: a new pod starts Pending with its QoS class; deleting a pod that runs on a node is
// graceful (deletionTimestamp, then the node's delete with grace 0 removes it), while
// unscheduled or finished pods go at once, as upstream's pod strategy does.

#include "controlplane/apiserver/registry/kind_hooks.h"

namespace orch::apiserver {

class PodHooks : public KindHooks {
 public:
  void prepareCreate(api::Json& obj, const WriteContext& ctx) override;
  int64_t gracePeriod(const api::Json& obj, std::optional<int64_t> requested) override;
};

// The QoS class of a pod ("Guaranteed", "Burstable", "BestEffort") from its containers'
// requests and limits, as upstream's qos.GetPodQOS.
std::string podQosClass(const api::Json& pod);

}  // namespace orch::apiserver
