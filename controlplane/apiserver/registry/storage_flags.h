#pragma once
// orch-apiserver's storage and Service flags (upstream names where upstream has them) and
// the store they open: embedded SQLite under --data-dir by default, etcd v3 with
// --etcd-servers.

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

struct StorageFlags {
  std::string data_dir = "/var/lib/orch/apiserver";
  std::vector<std::string> etcd_servers;
  std::string etcd_cafile, etcd_certfile, etcd_keyfile;
  std::chrono::milliseconds etcd_compaction_interval = std::chrono::minutes(5);
  std::string service_cluster_ip_range = "10.96.0.0/12";
  std::string service_node_port_range = "30000-32767";
  std::string advertise_address;  // where the "kubernetes" Service's endpoints point
};

void addStorageFlags(CLI::App& app, StorageFlags& flags);

// "5m", "300s", "1.5h", "250ms", "0" (Go-style, one unit). EINVAL naming the text.
Result<std::chrono::milliseconds> parseDuration(const std::string& text);

// The store the flags name. EINVAL naming the flag for bad values; the store's errors.
Result<std::unique_ptr<store::Store>> openStore(const StorageFlags& flags);

}  // namespace orch::apiserver
