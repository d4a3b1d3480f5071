#include "runtime-shim/server/pod_network.h"

#include <algorithm>

#include "common/cni/exec.h"
#include "common/netlink/netlink.h"
#include "common/netlink/netns.h"
#include "runtime-shim/server/ids.h"

namespace orch::shim {

namespace {

constexpr const char* kIfName = "eth0";

Status bringLoopbackUp(const netlink::NetNs& ns) {
  ORCH_ASSIGN_OR_RETURN(auto nl, netlink::Netlink::openIn(ns));
  return nl.setUp("lo", true).withContext("set lo up");
}

std::string netnsNameOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

PodNetworkManager::PodNetworkManager(NetworkOptions opts)
    : opts_(std::move(opts)),
      cni_(cni::CniConfig::Options{.plugin_dirs = opts_.plugin_dirs,
                                   .cache_dir = opts_.cache_dir}) {}

cni::RuntimeConf PodNetworkManager::runtimeConf(const PodNetworkRequest& req,
                                                const std::string& netns_path) const {
  cni::RuntimeConf rt;
  rt.container_id = req.sandbox_id;
  rt.netns = netns_path;
  rt.ifname = kIfName;
  rt.args = {{"IgnoreUnknown", "1"},
             {"K8S_POD_NAMESPACE", req.pod_namespace},
             {"K8S_POD_NAME", req.pod_name},
             {"K8S_POD_INFRA_CONTAINER_ID", req.sandbox_id},
             {"K8S_POD_UID", req.pod_uid}};
  nlohmann::json ports = nlohmann::json::array();
  for (const auto& p : req.port_mappings) {
    if (p.host_port <= 0) continue;
    nlohmann::json m = {
        {"hostPort", p.host_port}, {"containerPort", p.container_port}, {"protocol", p.protocol}};
    if (!p.host_ip.empty()) m["hostIP"] = p.host_ip;
    ports.push_back(std::move(m));
  }
  if (!ports.empty()) rt.capability_args["portMappings"] = std::move(ports);
  return rt;
}

std::string PodNetworkManager::newNamespacePath() {
  std::string id = newObjectId();
  // A valid name by construction: pathFor cannot fail.
  return netlink::NetNs::pathFor("cni-" + id.substr(0, 8) + "-" + id.substr(8, 4) + "-" +
                                 id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
                                 id.substr(20, 12))
      .value();
}

Status PodNetworkManager::createNamespace(const std::string& netns_path) {
  const std::string name = netnsNameOf(netns_path);
  ORCH_ASSIGN_OR_RETURN(auto ns, netlink::NetNs::create(name));
  if (Status st = bringLoopbackUp(ns); !st.isOk()) {
    (void)netlink::NetNs::remove(name);
    return st;
  }
  return Status::ok();
}

Result<std::vector<std::string>> PodNetworkManager::attach(const PodNetworkRequest& req,
                                                           const std::string& netns_path) {
  ORCH_ASSIGN_OR_RETURN(auto list, cni::loadFirstNetwork(opts_.conf_dir));
  auto rt = runtimeConf(req, netns_path);
  auto added = cni_.addNetworkList(list, rt);
  if (!added.ok()) {
    (void)cni_.delNetworkList(list, rt);
    return added.status().withContext("CNI ADD of network \"" + list.name + "\"");
  }
  std::vector<std::string> ips;
  for (const auto& ip : added->ips) ips.push_back(ip.address.ip.toString());
  std::stable_partition(ips.begin(), ips.end(),
                        [](const std::string& ip) { return ip.find(':') == std::string::npos; });
  return ips;
}

Status PodNetworkManager::tearDown(const PodNetworkRequest& req, const std::string& netns_path,
                                   bool attached) {
  if (netns_path.empty()) return Status::ok();
  if (attached) {
    auto rt = runtimeConf(req, netns_path);
    auto list = cni::loadFirstNetwork(opts_.conf_dir);
    if (list.ok()) {
      Status st = cni_.delNetworkList(*list, rt);
      if (!st.isOk()) return st.withContext("CNI DEL of network \"" + list->name + "\"");
    }
  }
  Status st = netlink::NetNs::remove(netnsNameOf(netns_path));
  if (!st.isOk() && st.code() != ENOENT) return st;
  return Status::ok();
}

std::string PodNetworkManager::notReadyReason() {
  auto list = cni::loadFirstNetwork(opts_.conf_dir);
  if (!list.ok()) return "cni config uninitialized: " + list.status().context();
  for (const auto& plugin : list->plugins) {
    auto found = cni::findPlugin(plugin.type, opts_.plugin_dirs);
    if (!found.ok()) return "cni plugin not initialized: " + found.status().context();
  }
  return "";
}

}  // namespace orch::shim
