#pragma once
// A pod's network: its namespace (pinned at /run/netns/cni-<uuid>, as containerd names
// them) with `lo` up, and the first CNI network of the conf dir attached as eth0 through
// common/cni (ADD with the pod's CNI_ARGS and port mappings; DEL on teardown).
//
// The configuration is re-read on every call, so a CNI config installed after orch-shim
// started (a network add-on) is picked up, as containerd does.
// Threads: all methods may run concurrently for different sandboxes.

#include <string>
#include <vector>

#include "common/base/status.h"
#include "common/cni/cni.h"

namespace orch::shim {

struct PortMapping {
  std::string protocol;  // "tcp", "udp", "sctp"
  int container_port = 0;
  int host_port = 0;
  std::string host_ip;
};

struct PodNetworkRequest {
  std::string sandbox_id;
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
  std::vector<PortMapping> port_mappings;  // only those with a host port reach CNI
};

struct NetworkOptions {
  std::string conf_dir = "/etc/cni/net.d";
  std::vector<std::string> plugin_dirs = {"/opt/cni/bin"};
  std::string cache_dir = "/var/lib/cni";
};

class PodNetworkManager {
 public:
  explicit PodNetworkManager(NetworkOptions opts);

  // A name for a new namespace: its path under /run/netns, containerd's "cni-<uuid>".
  static std::string newNamespacePath();
  // Creates the namespace at `netns_path` (from newNamespacePath) with `lo` up. On failure
  // nothing is left behind.
  Status createNamespace(const std::string& netns_path);
  // CNI ADD of the conf dir's first network to the namespace: the pod's IPs, IPv4 first
  // (the pod's primary IP). On failure the ADD is undone (CNI DEL); the namespace stays.
  Result<std::vector<std::string>> attach(const PodNetworkRequest& req,
                                          const std::string& netns_path);
  // CNI DEL when the network was `attached` (the cached result's config when there is one),
  // then removal of the namespace. Idempotent: a namespace already gone (or never created)
  // is fine; an empty path is nothing to do.
  Status tearDown(const PodNetworkRequest& req, const std::string& netns_path, bool attached);
  // Why the network is not ready ("" when it is): no loadable config, or a plugin missing.
  std::string notReadyReason();

 private:
  cni::RuntimeConf runtimeConf(const PodNetworkRequest& req, const std::string& netns_path) const;

  NetworkOptions opts_;
  cni::CniConfig cni_;
};

}  // namespace orch::shim
