#pragma once
// The DNS configuration of a pod's sandbox, as the kubelet computes it
// (pkg/kubelet/network/dns): from the pod's dnsPolicy and dnsConfig, the kubelet's
// --cluster-dns / --cluster-domain and the node's resolv.conf (--resolv-conf).
//
//  - ClusterFirst (and the empty default): nameservers = cluster DNS, searches =
//    "<ns>.svc.<domain> svc.<domain> <domain>" followed by the host's search domains,
//    options = ndots:5. A hostNetwork pod with ClusterFirst is treated as Default, and so is
//    every ClusterFirst pod when no cluster DNS is configured (upstream emits the event
//    MissingClusterDNS).
//  - ClusterFirstWithHostNet: as ClusterFirst, also for hostNetwork pods.
//  - Default: the host's resolv.conf (nameserver 127.0.0.1, search "." when --resolv-conf is
//    empty, i.e. `host` is nullopt).
//  - None: only pod.spec.dnsConfig.
// pod.spec.dnsConfig is then merged in (nameservers and searches appended without duplicates,
// options overriding by name), and the result is cut to 3 nameservers, 32 search domains of
// at most 253 characters each and a search line of at most 2048 characters. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/pod.h"
#include "common/base/status.h"
#include "common/cri/api.pb.h"

namespace orch::agent {

struct ResolvConf {
  std::vector<std::string> nameservers, searches, options;
};

// resolv.conf(5) as the kubelet reads it: "nameserver", the last "search" line (trailing
// dots dropped, "." ignored), "options" (a later option replaces an earlier one of the same
// name); comments start at '#' or ';'.
ResolvConf parseResolvConf(std::string_view text);
// parseResolvConf of a file; errors name the path.
Result<ResolvConf> loadResolvConf(const std::string& path);

struct DnsSettings {
  std::vector<std::string> cluster_dns;  // --cluster-dns
  std::string cluster_domain;            // --cluster-domain (e.g. cluster.local)
  std::optional<ResolvConf> host;        // --resolv-conf, parsed; nullopt when set to ""
};

enum class PodDnsType { kCluster, kHost, kNone };

// The effective kind of DNS of a pod. EINVAL for an unknown dnsPolicy.
Result<PodDnsType> podDnsType(const api::Pod& pod, const DnsSettings& settings);

// True when the pod asks for cluster DNS but none is configured (fell back to Default).
bool missingClusterDns(const api::Pod& pod, const DnsSettings& settings);

// The sandbox's DNSConfig. EINVAL for an unknown dnsPolicy.
Result<runtime::v1::DNSConfig> podDnsConfig(const api::Pod& pod, const DnsSettings& settings);

}  // namespace orch::agent
