#include "runtime-shim/server/runtime.h"

#include <sys/mount.h>

#include "runtime-shim/server/ids.h"

namespace orch::shim {

Runtime::Runtime(RuntimeOptions opts, ImageStore* images)
    : opts_(std::move(opts)),
      images_(images),
      monitor_(opts_.monitor_binary),
      network_(opts_.network),
      sandbox_store_(opts_.state_dir + "/sandboxes", "sandbox.json"),
      container_store_(opts_.state_dir + "/containers", "container.json") {}

Result<std::unique_ptr<Runtime>> Runtime::create(RuntimeOptions opts, ImageStore* images) {
  std::unique_ptr<Runtime> rt(new Runtime(std::move(opts), images));
  ORCH_RETURN_IF_ERROR(rt->sandbox_store_.init());
  ORCH_RETURN_IF_ERROR(rt->container_store_.init());
  ORCH_RETURN_IF_ERROR(rt->recover());
  return rt;
}

Status Runtime::recover() {
  ORCH_ASSIGN_OR_RETURN(auto sandboxes, sandbox_store_.loadAll());
  for (auto& [id, json] : sandboxes.records) {
    auto rec = sandboxRecordFromJson(json);
    if (!rec.ok()) return rec.status().withContext("recover sandbox " + id);
    auto entry = std::make_shared<SandboxEntry>();
    entry->rec = std::move(*rec);
    entry->name = sandboxName(entry->rec.config.metadata());
    names_[entry->name] = id;
    sandboxes_[id] = std::move(entry);
  }
  // A sandbox whose creation was cut short: whatever it started goes, then its directory.
  for (const auto& id : sandboxes.incomplete) {
    (void)MonitorClient::destroy(sandboxDir(id));
    (void)umount2((sandboxDir(id) + "/shm").c_str(), MNT_DETACH);
    (void)sandbox_store_.remove(id);
  }
  ORCH_ASSIGN_OR_RETURN(auto containers, container_store_.loadAll());
  for (auto& [id, json] : containers.records) {
    auto rec = containerRecordFromJson(json);
    if (!rec.ok()) return rec.status().withContext("recover container " + id);
    auto entry = std::make_shared<ContainerEntry>();
    entry->rec = std::move(*rec);
    auto sb = sandboxes_.find(entry->rec.sandbox_id);
    entry->name = containerName(entry->rec.config.metadata(),
                                sb != sandboxes_.end() ? sb->second->rec.config.metadata()
                                                       : runtime::v1::PodSandboxMetadata());
    names_[entry->name] = id;
    containers_[id] = std::move(entry);
  }
  for (const auto& id : containers.incomplete) {
    (void)MonitorClient::destroy(bundleOf(id));
    (void)container_store_.remove(id);
  }
  return Status::ok();
}

Result<Runtime::SandboxPtr> Runtime::findSandbox(const std::string& id_or_prefix) {
  std::lock_guard lock(mu_);
  ORCH_ASSIGN_OR_RETURN(auto id, resolveId(sandboxes_, id_or_prefix, "sandbox"));
  return sandboxes_.at(id);
}

Result<Runtime::ContainerPtr> Runtime::findContainer(const std::string& id_or_prefix) {
  std::lock_guard lock(mu_);
  ORCH_ASSIGN_OR_RETURN(auto id, resolveId(containers_, id_or_prefix, "container"));
  return containers_.at(id);
}

std::vector<Runtime::SandboxPtr> Runtime::allSandboxes() {
  std::lock_guard lock(mu_);
  std::vector<SandboxPtr> out;
  for (const auto& [id, sb] : sandboxes_) out.push_back(sb);
  return out;
}

std::vector<Runtime::ContainerPtr> Runtime::allContainers() {
  std::lock_guard lock(mu_);
  std::vector<ContainerPtr> out;
  for (const auto& [id, c] : containers_) out.push_back(c);
  return out;
}

Status Runtime::reserveName(const std::string& name, const std::string& id) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = names_.emplace(name, id);
  if (!inserted)
    return Status::exists("name \"" + name + "\" is reserved for \"" + it->second + "\"");
  return Status::ok();
}

void Runtime::releaseName(const std::string& name) {
  std::lock_guard lock(mu_);
  names_.erase(name);
}

ProcessState Runtime::pauseState(const SandboxRecord& rec) const {
  auto st = MonitorClient::state(sandboxDir(rec.id));
  if (!st.ok()) return ProcessState{.phase = ProcessState::Phase::kExited};
  return *st;
}

ProcessState Runtime::containerState(const std::string& id) const {
  auto st = MonitorClient::state(bundleOf(id));
  if (!st.ok()) return ProcessState{};  // never started: created
  return *st;
}

PodNetworkRequest Runtime::networkRequest(const SandboxRecord& rec) const {
  PodNetworkRequest req{.sandbox_id = rec.id,
                        .pod_name = rec.config.metadata().name(),
                        .pod_namespace = rec.config.metadata().namespace_(),
                        .pod_uid = rec.config.metadata().uid()};
  for (const auto& p : rec.config.port_mappings()) {
    std::string proto = p.protocol() == runtime::v1::UDP    ? "udp"
                        : p.protocol() == runtime::v1::SCTP ? "sctp"
                                                            : "tcp";
    req.port_mappings.push_back({.protocol = proto,
                                 .container_port = p.container_port(),
                                 .host_port = p.host_port(),
                                 .host_ip = p.host_ip()});
  }
  return req;
}

void Runtime::status(runtime::v1::StatusResponse* resp) {
  auto* runtime_ready = resp->mutable_status()->add_conditions();
  runtime_ready->set_type("RuntimeReady");
  runtime_ready->set_status(true);
  auto* network_ready = resp->mutable_status()->add_conditions();
  network_ready->set_type("NetworkReady");
  std::string why = network_.notReadyReason();
  network_ready->set_status(why.empty());
  if (!why.empty()) {
    network_ready->set_reason("NetworkPluginNotReady");
    network_ready->set_message("Network plugin returns error: " + why);
  }
}

}  // namespace orch::shim
