#pragma once
// api::Pod -> runtime::v1::PodSandboxConfig, as the kubelet's generatePodSandboxConfig:
//  - metadata {name, namespace, uid, attempt};
//  - hostname: spec.hostname or the pod name, cut to 63 characters (trailing '-' / '.'
//    dropped); with setHostnameAsFQDN and a subdomain "<host>.<subdomain>.<ns>.svc.<domain>";
//    empty for hostNetwork pods (the runtime keeps the node's);
//  - log_directory <pod_logs_dir>/<ns>_<name>_<uid>;
//  - dns_config (dns_config.h);
//  - port_mappings: every port of the app containers and sidecars (hostPort 0 included, as
//    upstream; runtimes map only the ones with a hostPort), a repeated port name skipped;
//  - labels (pod labels + io.kubernetes.pod.*), annotations (the pod's);
//  - linux: cgroup_parent (the caller's), sysctls, security context (namespace options,
//    run_as_user/group, supplemental groups (fsGroup first), privileged when any container
//    is, seccomp RuntimeDefault — the kubelet always confines the sandbox itself), overhead
//    and the pod's aggregate resources (linux_resources.h).
// Pure.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "agent/kuberuntime/dns_config.h"
#include "common/api/pod.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

struct SandboxConfigOptions {
  std::string pod_logs_dir = "/var/log/pods";
  DnsSettings dns;
  std::string cgroup_parent;  // the pod's cgroup, decided by the caller
  bool cfs_quota = true;      // --cpu-cfs-quota, for linux.resources / overhead
};

// EINVAL for an invalid spec.hostname / spec.subdomain, an unknown dnsPolicy or an FQDN
// hostname over 64 characters; ENOTSUP for hostUsers: false (no user namespaces here).
Result<runtime::v1::PodSandboxConfig> makeSandboxConfig(const api::Pod& pod, uint32_t attempt,
                                                        const SandboxConfigOptions& options);

// <pod_logs_dir>/<namespace>_<name>_<uid>
std::string podLogsDirectory(const std::string& pod_logs_dir, const api::Pod& pod);

// The pod's hostname and DNS domain ("<subdomain>.<ns>.svc.<cluster_domain>" or ""), as
// GeneratePodHostNameAndDomain. EINVAL for a hostname / subdomain that is not a DNS label.
Result<std::pair<std::string, std::string>> podHostnameAndDomain(const api::Pod& pod,
                                                                 const std::string& cluster_domain);

std::vector<runtime::v1::PortMapping> podPortMappings(const api::Pod& pod);

}  // namespace orch::agent
