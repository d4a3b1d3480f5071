#pragma once
// The per-pod files orch-shim writes into a sandbox's directory and bind-mounts into every
// container of the pod (as containerd does): /etc/resolv.conf from the CRI DNSConfig,
// /etc/hostname, and /etc/hosts (unless the kubelet mounts its own).

#include <string>
#include <vector>

#include "common/base/status.h"

namespace orch::shim {

struct DnsSettings {
  std::vector<std::string> servers;
  std::vector<std::string> searches;
  std::vector<std::string> options;
  bool empty() const { return servers.empty() && searches.empty() && options.empty(); }
};

// resolv.conf text: "search a b", "nameserver x" lines, "options o1 o2".
std::string resolvConfText(const DnsSettings& dns);
// /etc/hosts for a pod with its own network namespace: localhost entries for v4 and v6.
std::string defaultHostsText();

// Writes resolv.conf, hostname and hosts into `dir`. Without DNS settings the host's
// /etc/resolv.conf is copied; with host networking the host's /etc/hosts is copied.
Status writePodFiles(const std::string& dir, const DnsSettings& dns, const std::string& hostname,
                     bool host_network);

}  // namespace orch::shim
