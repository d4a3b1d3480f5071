#include "agent/kuberuntime/dns_config.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "common/base/file_util.h"

namespace orch::agent {

namespace {

constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearchPaths = 32;
constexpr size_t kMaxSearchListChars = 2048;
constexpr size_t kMaxSearchDomainLength = 253;  // a DNS-1123 subdomain

std::vector<std::string> fields(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string f;
  while (in >> f) out.push_back(f);
  return out;
}

std::string optionName(const std::string& option) {
  return option.substr(0, option.find(':'));
}

// Adds options, a later one replacing an earlier one of the same name (in place).
void appendOptions(std::vector<std::string>& options, const std::vector<std::string>& add) {
  for (const auto& o : add) {
    bool replaced = false;
    for (auto& existing : options) {
      if (optionName(existing) == optionName(o)) {
        existing = o;
        replaced = true;
        break;
      }
    }
    if (!replaced) options.push_back(o);
  }
}

void appendUnique(std::vector<std::string>& to, const std::vector<std::string>& add) {
  std::set<std::string> seen(to.begin(), to.end());
  std::vector<std::string> deduped;
  for (const auto& s : to)
    if (std::find(deduped.begin(), deduped.end(), s) == deduped.end()) deduped.push_back(s);
  to = std::move(deduped);
  for (const auto& s : add)
    if (seen.insert(s).second) to.push_back(s);
}

std::vector<std::string> fitSearches(std::vector<std::string> searches) {
  if (searches.size() > kMaxSearchPaths) searches.resize(kMaxSearchPaths);
  std::erase_if(searches, [](const std::string& s) { return s.size() > kMaxSearchDomainLength; });
  size_t total = 0;
  for (size_t i = 0; i < searches.size(); ++i) total += searches[i].size() + (i ? 1 : 0);
  while (total > kMaxSearchListChars && !searches.empty()) {
    total -= searches.back().size() + (searches.size() > 1 ? 1 : 0);
    searches.pop_back();
  }
  return searches;
}

bool clusterFirst(const std::string& policy) {
  return policy.empty() || policy == "ClusterFirst";
}

}  // namespace

ResolvConf parseResolvConf(std::string_view text) {
  ResolvConf out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    if (size_t c = line.find_first_of("#;"); c != std::string_view::npos) line = line.substr(0, c);
    auto f = fields(line);
    if (f.empty()) continue;
    if (f[0] == "nameserver" && f.size() >= 2) {
      out.nameservers.push_back(f[1]);
    } else if (f[0] == "search") {
      out.searches.clear();
      for (size_t i = 1; i < f.size(); ++i) {
        if (f[i] == ".") continue;
        std::string s = f[i];
        if (!s.empty() && s.back() == '.') s.pop_back();
        out.searches.push_back(s);
      }
    } else if (f[0] == "options") {
      appendOptions(out.options, std::vector<std::string>(f.begin() + 1, f.end()));
    }
  }
  return out;
}

Result<ResolvConf> loadResolvConf(const std::string& path) {
  auto text = readFile(path);
  if (!text.ok()) return text.status().withContext("read resolv.conf " + path);
  return parseResolvConf(*text);
}

Result<PodDnsType> podDnsType(const api::Pod& pod, const DnsSettings& settings) {
  const std::string& policy = pod.spec.dnsPolicy;
  PodDnsType type;
  if (policy == "None") {
    type = PodDnsType::kNone;
  } else if (policy == "ClusterFirstWithHostNet") {
    type = PodDnsType::kCluster;
  } else if (clusterFirst(policy)) {
    type = pod.spec.hostNetwork ? PodDnsType::kHost : PodDnsType::kCluster;
  } else if (policy == "Default") {
    type = PodDnsType::kHost;
  } else {
    return Status::invalid("pod " + pod.metadata.namespace_ + "/" + pod.metadata.name +
                           ": unknown dnsPolicy \"" + policy + "\"");
  }
  if (type == PodDnsType::kCluster && settings.cluster_dns.empty()) type = PodDnsType::kHost;
  return type;
}

bool missingClusterDns(const api::Pod& pod, const DnsSettings& settings) {
  if (!settings.cluster_dns.empty()) return false;
  const std::string& policy = pod.spec.dnsPolicy;
  return policy == "ClusterFirstWithHostNet" || (clusterFirst(policy) && !pod.spec.hostNetwork);
}

Result<runtime::v1::DNSConfig> podDnsConfig(const api::Pod& pod, const DnsSettings& settings) {
  ORCH_ASSIGN_OR_RETURN(PodDnsType type, podDnsType(pod, settings));
  ResolvConf host = settings.host.value_or(ResolvConf{});
  std::vector<std::string> servers, searches, options;
  switch (type) {
    case PodDnsType::kCluster: {
      servers = settings.cluster_dns;
      if (!settings.cluster_domain.empty()) {
        const std::string& d = settings.cluster_domain;
        searches = {pod.metadata.namespace_ + ".svc." + d, "svc." + d, d};
      }
      appendUnique(searches, host.searches);
      options = {"ndots:5"};
      break;
    }
    case PodDnsType::kHost:
      if (!settings.host) {
        // --resolv-conf="": "the nameserver on the local machine", no search.
        servers = {"127.0.0.1"};
        searches = {"."};
      } else {
        servers = host.nameservers;
        searches = host.searches;
        options = host.options;
      }
      break;
    case PodDnsType::kNone:
      break;
  }
  if (pod.spec.dnsConfig) {
    const api::PodDNSConfig& pc = *pod.spec.dnsConfig;
    appendUnique(servers, pc.nameservers);
    appendUnique(searches, pc.searches);
    std::vector<std::string> pod_options;
    for (const auto& o : pc.options)
      pod_options.push_back(o.value && !o.value->empty() ? o.name + ":" + *o.value : o.name);
    appendOptions(options, pod_options);
  }
  if (servers.size() > kMaxNameservers) servers.resize(kMaxNameservers);
  searches = fitSearches(std::move(searches));

  runtime::v1::DNSConfig out;
  for (const auto& s : servers) out.add_servers(s);
  for (const auto& s : searches) out.add_searches(s);
  for (const auto& o : options) out.add_options(o);
  return out;
}

}  // namespace orch::agent
