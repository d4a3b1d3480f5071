#include "controlplane/apiserver/registry/storage_flags.h"

#include <sys/stat.h>

#include "controlplane/store/etcd_store.h"
#include "controlplane/store/sqlite_store.h"

namespace orch::apiserver {

Result<std::chrono::milliseconds> parseDuration(const std::string& text) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return Status::invalid("\"" + text + "\" is not a duration (like 5m, 300s, 1h)");
  }
  const std::string unit = text.substr(used);
  double ms = 0;
  if (unit == "ms")
    ms = value;
  else if (unit == "s" || (unit.empty() && value == 0))
    ms = value * 1000;
  else if (unit == "m")
    ms = value * 60'000;
  else if (unit == "h")
    ms = value * 3'600'000;
  else
    return Status::invalid("\"" + text + "\" is not a duration (like 5m, 300s, 1h)");
  if (ms < 0) return Status::invalid("\"" + text + "\": a duration cannot be negative");
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

void addStorageFlags(CLI::App& app, StorageFlags& f) {
  app.add_option("--data-dir", f.data_dir,
                 "directory of the embedded store (SQLite), used without --etcd-servers");
  app.add_option("--etcd-servers", f.etcd_servers,
                 "etcd endpoints (https://host:port, comma separated): use etcd instead of the "
                 "embedded store")
      ->delimiter(',');
  app.add_option("--etcd-cafile", f.etcd_cafile, "CA bundle of the etcd servers (PEM)");
  app.add_option("--etcd-certfile", f.etcd_certfile, "client certificate for etcd (PEM)");
  app.add_option("--etcd-keyfile", f.etcd_keyfile, "client key for etcd (PEM)");
  app.add_option_function<std::string>(
      "--etcd-compaction-interval",
      [&f](const std::string& text) {
        auto d = parseDuration(text);
        if (!d.ok()) throw CLI::ValidationError("--etcd-compaction-interval", d.status().context());
        f.etcd_compaction_interval = *d;
      },
      "how often etcd's history is compacted, as 5m, 300s, 1h (0 = never; default 5m)");
  app.add_option("--service-cluster-ip-range", f.service_cluster_ip_range,
                 "CIDR(s) Service cluster IPs come from (IPv4, IPv6 or both, comma separated)");
  app.add_option("--advertise-address", f.advertise_address,
                 "IP address the \"kubernetes\" Service's endpoints point at (not loopback)");
  app.add_option("--service-node-port-range", f.service_node_port_range,
                 "port range reserved for NodePort Services (first-last)");
}

Result<std::unique_ptr<store::Store>> openStore(const StorageFlags& f) {
  if (!f.etcd_servers.empty()) {
    store::EtcdStore::Options o;
    o.endpoints = f.etcd_servers;
    o.ca_file = f.etcd_cafile;
    o.cert_file = f.etcd_certfile;
    o.key_file = f.etcd_keyfile;
    auto s = store::EtcdStore::open(std::move(o));
    if (!s.ok()) return s.status().withContext("--etcd-servers");
    return std::unique_ptr<store::Store>(std::move(s).value());
  }
  if (f.data_dir.empty()) return Status::invalid("--data-dir: must not be empty");
  if (::mkdir(f.data_dir.c_str(), 0700) != 0 && errno != EEXIST)
    return Status::fromErrno("--data-dir: create " + f.data_dir);
  store::SqliteStore::Options o;
  o.path = f.data_dir + "/state.db";
  auto s = store::SqliteStore::open(std::move(o));
  if (!s.ok()) return s.status().withContext("--data-dir");
  return std::unique_ptr<store::Store>(std::move(s).value());
}

}  // namespace orch::apiserver
