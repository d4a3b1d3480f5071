#include "agent/kuberuntime/sandbox_config.h"

#include <set>

#include "agent/kuberuntime/labels.h"
#include "agent/kuberuntime/linux_resources.h"
#include "agent/kuberuntime/security_context.h"

namespace orch::agent {

namespace v1 = runtime::v1;

namespace {

constexpr size_t kMaxHostnameLength = 63;
constexpr size_t kMaxFqdnLength = 64;

bool isDns1123Label(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && !(c == '-' && i != 0 && i + 1 != s.size())) return false;
  }
  return true;
}

std::string fullName(const api::Pod& pod) {
  return pod.metadata.namespace_ + "/" + pod.metadata.name;
}

v1::Protocol protocolOf(const std::string& p) {
  if (p == "UDP") return v1::UDP;
  if (p == "SCTP") return v1::SCTP;
  return v1::TCP;
}

std::optional<api::Quantity> lookup(const api::ResourceList& list, const char* name) {
  auto it = list.find(name);
  if (it == list.end()) return std::nullopt;
  return it->second;
}

void appendContainerPorts(const api::Container& c, std::vector<v1::PortMapping>& out) {
  std::set<std::string> names;
  for (const auto& p : c.ports) {
    std::string name = p.name;
    if (name.empty()) {
      std::string family;
      if (!p.hostIP.empty()) family = p.hostIP.find(':') == std::string::npos ? "v4" : "v6";
      name = family + "-" + p.protocol + "-" + p.hostIP + ":" + std::to_string(p.containerPort) +
             ":" + std::to_string(p.hostPort);
    }
    if (!names.insert(name).second) continue;  // a port name used twice: the first wins
    v1::PortMapping m;
    m.set_protocol(protocolOf(p.protocol));
    m.set_container_port(p.containerPort);
    m.set_host_port(p.hostPort);
    m.set_host_ip(p.hostIP);
    out.push_back(std::move(m));
  }
}

void fillLinux(const api::Pod& pod, const SandboxConfigOptions& options,
               v1::LinuxPodSandboxConfig* lc) {
  lc->set_cgroup_parent(options.cgroup_parent);
  auto* sc = lc->mutable_security_context();
  sc->set_privileged(hasPrivilegedContainer(pod));
  sc->mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
  *sc->mutable_namespace_options() = namespaceOptionsForPod(pod);
  if (const auto& psc = pod.spec.securityContext) {
    for (const auto& s : psc->sysctls) (*lc->mutable_sysctls())[s.name] = s.value;
    if (psc->runAsUser) sc->mutable_run_as_user()->set_value(*psc->runAsUser);
    if (psc->runAsGroup) sc->mutable_run_as_group()->set_value(*psc->runAsGroup);
    if (psc->fsGroup) sc->add_supplemental_groups(*psc->fsGroup);
    for (int64_t g : psc->supplementalGroups) sc->add_supplemental_groups(g);
    if (psc->supplementalGroupsPolicy && *psc->supplementalGroupsPolicy == "Strict")
      sc->set_supplemental_groups_policy(v1::Strict);
  }
  api::ResourceList req = podRequests(pod), lim = podLimits(pod);
  *lc->mutable_resources() = linuxResources(lookup(req, "cpu"), lookup(lim, "cpu"),
                                            lookup(lim, "memory"), options.cfs_quota);
  if (!pod.spec.overhead.empty()) {
    auto cpu = lookup(pod.spec.overhead, "cpu").value_or(api::Quantity());
    // Overhead has no request/limit split: treated as guaranteed (requests == limits).
    *lc->mutable_overhead() =
        linuxResources(cpu, cpu, lookup(pod.spec.overhead, "memory"), /*cfs_quota=*/false);
  }
}

}  // namespace

std::string podLogsDirectory(const std::string& pod_logs_dir, const api::Pod& pod) {
  return pod_logs_dir + "/" + pod.metadata.namespace_ + "_" + pod.metadata.name + "_" +
         pod.metadata.uid;
}

Result<std::pair<std::string, std::string>> podHostnameAndDomain(
    const api::Pod& pod, const std::string& cluster_domain) {
  std::string hostname = pod.metadata.name;
  if (!pod.spec.hostname.empty()) {
    if (!isDns1123Label(pod.spec.hostname))
      return Status::invalid("pod " + fullName(pod) + ": hostname \"" + pod.spec.hostname +
                             "\" is not a valid DNS label");
    hostname = pod.spec.hostname;
  }
  if (hostname.size() > kMaxHostnameLength) {
    hostname.resize(kMaxHostnameLength);
    while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.'))
      hostname.pop_back();
    if (hostname.empty())
      return Status::invalid("pod " + fullName(pod) + ": hostname is empty after truncation");
  }
  std::string domain;
  if (!pod.spec.subdomain.empty()) {
    if (!isDns1123Label(pod.spec.subdomain))
      return Status::invalid("pod " + fullName(pod) + ": subdomain \"" + pod.spec.subdomain +
                             "\" is not a valid DNS label");
    domain = pod.spec.subdomain + "." + pod.metadata.namespace_ + ".svc." + cluster_domain;
  }
  return std::make_pair(hostname, domain);
}

std::vector<v1::PortMapping> podPortMappings(const api::Pod& pod) {
  std::vector<v1::PortMapping> out;
  for (const auto& c : pod.spec.initContainers)
    if (isSidecar(c)) appendContainerPorts(c, out);
  for (const auto& c : pod.spec.containers) appendContainerPorts(c, out);
  return out;
}

Result<v1::PodSandboxConfig> makeSandboxConfig(const api::Pod& pod, uint32_t attempt,
                                               const SandboxConfigOptions& options) {
  if (pod.spec.hostUsers && !*pod.spec.hostUsers)
    return Status::error(
        ENOTSUP, "pod " + fullName(pod) + ": hostUsers: false (user namespaces) is not supported");
  v1::PodSandboxConfig c;
  auto* md = c.mutable_metadata();
  md->set_name(pod.metadata.name);
  md->set_namespace_(pod.metadata.namespace_);
  md->set_uid(pod.metadata.uid);
  md->set_attempt(attempt);

  if (!pod.spec.hostNetwork) {
    ORCH_ASSIGN_OR_RETURN(auto host_domain, podHostnameAndDomain(pod, options.dns.cluster_domain));
    std::string hostname = host_domain.first;
    if (pod.spec.setHostnameAsFQDN.value_or(false) && !host_domain.second.empty()) {
      hostname += "." + host_domain.second;
      if (hostname.size() > kMaxFqdnLength)
        return Status::invalid("pod " + fullName(pod) + ": FQDN \"" + hostname +
                               "\" is longer than 64 characters");
    }
    c.set_hostname(hostname);
  }
  c.set_log_directory(podLogsDirectory(options.pod_logs_dir, pod));

  auto dns = podDnsConfig(pod, options.dns);
  if (!dns.ok()) return dns.status();
  *c.mutable_dns_config() = std::move(*dns);

  for (auto& m : podPortMappings(pod)) *c.add_port_mappings() = std::move(m);
  for (const auto& [k, v] : sandboxLabels(pod)) (*c.mutable_labels())[k] = v;
  for (const auto& [k, v] : sandboxAnnotations(pod)) (*c.mutable_annotations())[k] = v;
  fillLinux(pod, options, c.mutable_linux());
  return c;
}

}  // namespace orch::agent
