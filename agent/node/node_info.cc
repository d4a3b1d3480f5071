#include "agent/node/node_info.h"

#include <optional>

#include "common/netlink/ip_address.h"

namespace orch::agent {

const char* buildArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__i386__)
  return "386";
#elif defined(__arm__)
  return "arm";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return "ppc64le";
#elif defined(__s390x__)
  return "s390x";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

std::map<std::string, std::string> defaultNodeLabels(const NodeOptions& opts) {
  return {
      {kLabelHostname, opts.hostnameOrName()},
      {kLabelOs, "linux"},
      {kLabelArch, buildArch()},
      {kLabelBetaOs, "linux"},
      {kLabelBetaArch, buildArch()},
  };
}

std::map<std::string, std::string> initialNodeLabels(const NodeOptions& opts) {
  auto labels = defaultNodeLabels(opts);
  for (const auto& [k, v] : opts.nodeLabels) labels[k] = v;
  return labels;
}

const std::vector<std::string>& ownedLabelKeys() {
  static const std::vector<std::string> keys = {kLabelHostname, kLabelOs, kLabelArch, kLabelBetaOs,
                                                kLabelBetaArch};
  return keys;
}

api::Node initialNode(const NodeOptions& opts) {
  api::Node node;
  node.metadata.name = opts.nodeName;
  node.metadata.labels = initialNodeLabels(opts);
  node.metadata.annotations[kAnnotationControllerManagedAttachDetach] = "true";
  node.spec.taints = opts.registerWithTaints;
  return node;
}

Result<std::vector<api::NodeAddress>> nodeAddresses(const NodeOptions& opts, HostProbe& probe) {
  if (opts.nodeIPs.size() > 2) return Status::invalid("node IPs: at most two (one per family)");
  std::vector<netlink::IpAddress> given;
  std::optional<netlink::IpFamily> preferred;
  for (const auto& text : opts.nodeIPs) {
    auto ip = netlink::IpAddress::parse(text);
    if (!ip.ok()) return ip.status().withContext("node IP \"" + text + "\"");
    if (ip->isZero()) {
      if (opts.nodeIPs.size() > 1) {
        return Status::invalid("node IPs: a dual-stack pair cannot include \"" + text + "\"");
      }
      preferred = ip->family();
      continue;
    }
    given.push_back(*ip);
  }
  if (given.size() == 2 && given[0].family() == given[1].family()) {
    return Status::invalid("node IPs " + opts.nodeIPs[0] + "," + opts.nodeIPs[1] +
                           ": dual-stack needs one IPv4 and one IPv6 address");
  }

  std::vector<api::NodeAddress> out;
  if (!given.empty() && !preferred) {
    for (const auto& ip : given) out.push_back({"InternalIP", ip.toString(), {}});
  } else {
    // As the kubelet without --node-ip: a hostname override that is an IP, else the address of
    // the default-route interface (the kubelet tries a DNS lookup of the name first; we don't).
    std::string ip;
    if (auto as_ip = netlink::IpAddress::parse(opts.hostnameOrName()); as_ip.ok()) {
      ip = as_ip->toString();
    } else {
      auto detected = probe.defaultRouteAddresses();
      if (!detected.ok()) return detected.status().withContext("detect node IP");
      for (const auto& d : *detected) {
        auto a = netlink::IpAddress::parse(d);
        if (!a.ok()) continue;
        if (!preferred || a->family() == *preferred) {
          ip = a->toString();
          break;
        }
      }
      if (ip.empty() && !detected->empty()) ip = detected->front();
    }
    if (ip.empty()) {
      return Status::notFound("can't get ip address of node " + opts.nodeName +
                              ": no --node-ip and no address on a default-route interface");
    }
    out.push_back({"InternalIP", ip, {}});
  }
  out.push_back({"Hostname", opts.hostnameOrName(), {}});
  return out;
}

Result<api::ResourceList> nodeCapacity(const NodeOptions& opts, HostProbe& probe) {
  using api::Quantity;
  api::ResourceList cap;
  auto cpus = probe.onlineCpus();
  if (!cpus.ok()) return cpus.status().withContext("node capacity: cpu");
  auto mem = probe.memory();
  if (!mem.ok()) return mem.status().withContext("node capacity: memory");
  auto fs = probe.filesystem(opts.rootDir);
  if (!fs.ok()) return fs.status().withContext("node capacity: ephemeral-storage");
  cap["cpu"] = Quantity::fromValue(*cpus, Quantity::Format::kDecimalSI);
  cap["memory"] = Quantity::fromValue(mem->totalBytes, Quantity::Format::kBinarySI);
  cap["pods"] = Quantity::fromValue(opts.maxPods, Quantity::Format::kDecimalSI);
  cap["ephemeral-storage"] = Quantity::fromValue(fs->capacityBytes, Quantity::Format::kBinarySI);
  return cap;
}

api::ResourceList nodeAllocatable(const api::ResourceList& capacity,
                                  const api::ResourceList& reserved) {
  api::ResourceList out = capacity;
  for (auto& [name, q] : out) {
    auto it = reserved.find(name);
    if (it == reserved.end()) continue;
    q -= it->second;
    if (q.sign() < 0) q = api::Quantity::fromValue(0, q.format());
  }
  return out;
}

std::string containerRuntimeVersionString(const RuntimeVersion& v) {
  return v.runtimeName + "://" + v.runtimeVersion;
}

api::NodeSystemInfo nodeSystemInfo(const NodeOptions& opts, const SystemIds& ids,
                                   const std::string& container_runtime_version) {
  api::NodeSystemInfo info;
  info.machineID = ids.machineID;
  info.systemUUID = ids.systemUUID;
  info.bootID = ids.bootID;
  info.kernelVersion = ids.kernelVersion;
  info.osImage = ids.osImage;
  info.containerRuntimeVersion = container_runtime_version;
  info.kubeletVersion = opts.kubeletVersion;
  info.kubeProxyVersion = opts.kubeProxyVersion;
  info.operatingSystem = "linux";
  info.architecture = buildArch();
  return info;
}

}  // namespace orch::agent
