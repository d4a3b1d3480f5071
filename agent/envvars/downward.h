#pragma once
// Downward API values shared by env vars (fieldRef, resourceFieldRef) and downwardAPI /
// projected volumes, as the kubelet computes them.
//
// fieldRef paths: metadata.name, metadata.namespace, metadata.uid, metadata.labels,
// metadata.annotations (whole maps as sorted `key="value"` lines), metadata.labels['k'],
// metadata.annotations['k'] (a missing key is ""), spec.nodeName, spec.serviceAccountName,
// status.hostIP, status.hostIPs, status.podIP, status.podIPs (lists joined with ",").
// apiVersion must be "v1" or empty. Other paths are EINVAL "unsupported fieldPath ...".
//
// resourceFieldRef: limits.cpu / limits.memory / limits.ephemeral-storage, requests.* of the
// same, limits/requests.hugepages-<size>; the value is divided by the divisor (default 1) and
// rounded up (cpu in millicores before dividing, as upstream). A container without a cpu,
// memory or ephemeral-storage limit reports the node's allocatable amount instead.
// Pure functions; thread-safe.

#include <map>
#include <string>
#include <vector>

#include "common/api/pod.h"
#include "common/api/quantity.h"
#include "common/base/status.h"

namespace orch::agent {

// The addresses a fieldRef may read (status.podIP(s), status.hostIP(s)).
struct PodAddresses {
  std::vector<std::string> pod_ips;   // first = status.podIP
  std::vector<std::string> host_ips;  // first = status.hostIP
};

// Go's FormatMap: sorted `key="value"` lines (values quoted as Go's %q), no final newline.
std::string formatDownwardMap(const std::map<std::string, std::string>& m);

Result<std::string> podFieldValue(const api::Pod& pod, const api::ObjectFieldSelector& selector,
                                  const PodAddresses& addresses);

// `container` answers selectors with an empty containerName (env vars); a named container is
// looked up in the pod's containers and initContainers (EINVAL when absent).
Result<std::string> containerResourceValue(const api::ResourceFieldSelector& selector,
                                           const api::Pod& pod, const api::Container* container,
                                           const api::ResourceList& node_allocatable);

}  // namespace orch::agent
