#pragma once
// postStart and preStop hooks: exec (through the runtime's ExecSync, in the container),
// httpGet (to the pod IP unless a host is given; named ports resolved from the container's
// ports), and sleep. A hook's failure is an error with the kubelet's wording
// ("Exec lifecycle hook ([cmd]) for Container \"c\" in Pod \"p\" failed - error: ..., message:
// ...").

#include <chrono>
#include <string>

#include "agent/runtime/cri_runtime.h"
#include "common/api/pod.h"
#include "common/base/status.h"

namespace orch::agent {

Status runLifecycleHook(CriRuntime& runtime, const api::LifecycleHandler& hook, const api::Pod& pod,
                        const api::Container& container, const std::string& container_id,
                        const std::string& pod_ip, std::chrono::seconds timeout);

}  // namespace orch::agent
