#include "agent/envvars/downward.h"

#include <cstdint>

#include "common/base/go_quote.h"

namespace orch::agent {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

// "metadata.labels['k']" → {"metadata.labels", "k"}, as upstream's SplitMaybeSubscriptedPath.
bool splitSubscript(const std::string& path, std::string& base, std::string& key) {
  constexpr std::string_view kClose = "']";
  if (path.size() < kClose.size() || path.compare(path.size() - 2, 2, kClose) != 0) return false;
  std::string s = path.substr(0, path.size() - 2);
  size_t open = s.find("['");
  if (open == std::string::npos || open == 0) return false;
  base = s.substr(0, open);
  key = s.substr(open + 2);
  return true;
}

int64_t ceilDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) == (b < 0))) ++q;
  return q;
}

const api::Container* findContainer(const api::Pod& pod, const std::string& name) {
  for (const auto& c : pod.spec.containers) {
    if (c.name == name) return &c;
  }
  for (const auto& c : pod.spec.initContainers) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace

std::string formatDownwardMap(const std::map<std::string, std::string>& m) {
  std::string out;
  for (const auto& [k, v] : m) {
    if (!out.empty()) out += '\n';
    out += k + "=" + goQuote(v);
  }
  return out;
}

Result<std::string> podFieldValue(const api::Pod& pod, const api::ObjectFieldSelector& selector,
                                  const PodAddresses& addresses) {
  const std::string& path = selector.fieldPath;
  if (!selector.apiVersion.empty() && selector.apiVersion != "v1") {
    return Status::invalid("unsupported apiVersion \"" + selector.apiVersion + "\" for fieldPath " +
                           path);
  }
  std::string base, key;
  if (splitSubscript(path, base, key)) {
    if (base == "metadata.labels") {
      auto it = pod.metadata.labels.find(key);
      return it == pod.metadata.labels.end() ? std::string() : it->second;
    }
    if (base == "metadata.annotations") {
      auto it = pod.metadata.annotations.find(key);
      return it == pod.metadata.annotations.end() ? std::string() : it->second;
    }
    return Status::invalid("fieldPath \"" + path + "\" does not support subscript");
  }
  if (path == "metadata.name") return pod.metadata.name;
  if (path == "metadata.namespace") return pod.metadata.namespace_;
  if (path == "metadata.uid") return pod.metadata.uid;
  if (path == "metadata.labels") return formatDownwardMap(pod.metadata.labels);
  if (path == "metadata.annotations") return formatDownwardMap(pod.metadata.annotations);
  if (path == "spec.nodeName") return pod.spec.nodeName;
  if (path == "spec.serviceAccountName") return pod.spec.serviceAccountName;
  if (path == "status.podIP") {
    return addresses.pod_ips.empty() ? std::string() : addresses.pod_ips.front();
  }
  if (path == "status.podIPs") return join(addresses.pod_ips);
  if (path == "status.hostIP" || path == "status.hostIPs") {
    if (addresses.host_ips.empty()) return Status::notFound(path + ": the node's IP is not known");
    return path == "status.hostIP" ? addresses.host_ips.front() : join(addresses.host_ips);
  }
  return Status::invalid("unsupported fieldPath: " + path);
}

Result<std::string> containerResourceValue(const api::ResourceFieldSelector& selector,
                                           const api::Pod& pod, const api::Container* container,
                                           const api::ResourceList& node_allocatable) {
  const api::Container* c = container;
  if (!selector.containerName.empty()) {
    c = findContainer(pod, selector.containerName);
    if (c == nullptr) {
      return Status::invalid("container " + selector.containerName + " not found");
    }
  }
  if (c == nullptr) return Status::invalid("resourceFieldRef without a container");

  const std::string& res = selector.resource;
  std::string kind, name;
  if (res.rfind("limits.", 0) == 0) {
    kind = "limits";
    name = res.substr(7);
  } else if (res.rfind("requests.", 0) == 0) {
    kind = "requests";
    name = res.substr(9);
  }
  bool hugepages = name.rfind("hugepages-", 0) == 0;
  bool standard = name == "cpu" || name == "memory" || name == "ephemeral-storage";
  if (kind.empty() || (!standard && !hugepages)) {
    return Status::invalid("unsupported container resource : " + res);
  }

  const api::ResourceList& list = kind == "limits" ? c->resources.limits : c->resources.requests;
  api::Quantity q;
  if (auto it = list.find(name); it != list.end()) q = it->second;
  // Without a limit the container may use what the node has (upstream's
  // MergeContainerResourceLimits; hugepages are never overcommitted, so never defaulted).
  if (kind == "limits" && standard && q.isZero()) {
    if (auto it = node_allocatable.find(name); it != node_allocatable.end()) q = it->second;
  }

  api::Quantity divisor = selector.divisor.value_or(api::Quantity());
  if (divisor.isZero()) divisor = api::Quantity::fromValue(1);
  int64_t v, d;
  if (name == "cpu") {
    v = q.milliValue();
    d = divisor.milliValue();
  } else {
    v = q.value();
    d = divisor.value();
  }
  if (d <= 0) return Status::invalid("invalid divisor " + divisor.toString() + " for " + res);
  return std::to_string(ceilDiv(v, d));
}

}  // namespace orch::agent
