// Runtime: RunPodSandbox, StopPodSandbox, RemovePodSandbox, PodSandboxStatus, ListPodSandbox.
#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <future>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/server/ids.h"
#include "runtime-shim/server/label_filter.h"
#include "runtime-shim/server/pod_files.h"
#include "runtime-shim/server/runtime.h"
#include "runtime-shim/server/spec_builder.h"
#include "runtime-shim/server/wall_time.h"

namespace orch::shim {

namespace {

using runtime::v1::NODE;

Status validateSandboxConfig(const runtime::v1::PodSandboxConfig& config) {
  const auto& m = config.metadata();
  if (m.name().empty()) return Status::invalid("config.metadata.name: required");
  if (m.namespace_().empty()) return Status::invalid("config.metadata.namespace: required");
  if (m.uid().empty()) return Status::invalid("config.metadata.uid: required");
  const auto& ns = config.linux().security_context().namespace_options();
  if (ns.pid() == runtime::v1::TARGET)
    return Status::invalid(
        "config.linux.security_context.namespace_options.pid: TARGET is not valid for a sandbox");
  return Status::ok();
}

// The pod's /dev/shm: a 64 MiB tmpfs shared by its containers, as containerd makes it.
Status mountShm(const std::string& path) {
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return Status::fromErrno("mkdir " + path);
  if (mount("shm", path.c_str(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            "mode=1777,size=65536k") != 0)
    return Status::fromErrno("mount tmpfs on " + path);
  return Status::ok();
}

// Detached lazily, so a mount still in use by a dying process does not fail the stop.
void unmountShm(const std::string& path) {
  (void)umount2(path.c_str(), MNT_DETACH);
}

// The pod-level cgroup is ours to remove when we made it (no kubelet-given parent).
Status removeOwnPodCgroup(const SandboxRecord& rec) {
  if (!rec.config.linux().cgroup_parent().empty()) return Status::ok();
  ORCH_ASSIGN_OR_RETURN(auto layout, detectCgroupLayout());
  return Cgroup::open(layout, rec.cgroup_parent).remove();
}

}  // namespace

Status Runtime::runPodSandbox(const runtime::v1::RunPodSandboxRequest& req,
                              runtime::v1::RunPodSandboxResponse* resp) {
  const auto& config = req.config();
  ORCH_RETURN_IF_ERROR(validateSandboxConfig(config));
  const auto& ns = config.linux().security_context().namespace_options();
  auto entry = std::make_shared<SandboxEntry>();
  SandboxRecord& rec = entry->rec;
  rec.id = newObjectId();
  rec.config = config;
  rec.runtime_handler = req.runtime_handler();
  rec.created_at_ns = unixNanosNow();
  rec.cgroup_parent = sandboxCgroupParent(config, opts_.cgroup_parent, rec.id);
  if (ns.network() != NODE) rec.netns_path = PodNetworkManager::newNamespacePath();
  entry->name = sandboxName(config.metadata());
  ORCH_RETURN_IF_ERROR(reserveName(entry->name, rec.id));
  std::lock_guard op(entry->op);

  const std::string dir = sandboxDir(rec.id);
  std::future<Result<ProcessState>> pause;
  auto rollback = [&](Status st) {
    if (pause.valid()) (void)pause.get();  // the launch ends before it is undone
    (void)MonitorClient::destroy(dir);
    (void)removeOwnPodCgroup(rec);
    (void)network_.tearDown(networkRequest(rec), rec.netns_path, rec.network_ready);
    if (rec.shm_mounted) unmountShm(dir + "/shm");
    (void)sandbox_store_.remove(rec.id);
    releaseName(entry->name);
    return st;
  };
  // The record first, naming the namespace to come: a crash from here on leaves a NotReady
  // sandbox whose stop finds everything made for it.
  if (Status st = sandbox_store_.put(rec.id, toJson(rec)); !st.isOk()) return rollback(st);
  if (!rec.netns_path.empty()) {
    if (Status st = network_.createNamespace(rec.netns_path); !st.isOk())
      return rollback(st.withContext("create the pod's network namespace"));
  }
  LaunchSpec spec = buildSandboxSpec(rec, opts_.pause_binary);
  if (Status st = writeFileAtomic(dir + "/spec.json", toJson(spec).dump(), 0600, true); !st.isOk())
    return rollback(st);
  // The pause process starts while CNI runs: on cgroup v1 its move into the pod's cgroup
  // waits for an RCU grace period (~10 ms here), which need not hold up the network. With
  // sysctls, upstream's order stays (network first, then the sandbox's sysctls).
  auto startPause = [this, &dir] { return monitor_.start(dir); };
  if (config.linux().sysctls().empty()) pause = std::async(std::launch::async, startPause);
  if (!rec.netns_path.empty()) {
    auto ips = network_.attach(networkRequest(rec), rec.netns_path);
    if (!ips.ok()) return rollback(ips.status().withContext("set up pod network"));
    rec.ips = std::move(ips).value();
    rec.network_ready = true;
  }
  DnsSettings dns{
      .servers = {config.dns_config().servers().begin(), config.dns_config().servers().end()},
      .searches = {config.dns_config().searches().begin(), config.dns_config().searches().end()},
      .options = {config.dns_config().options().begin(), config.dns_config().options().end()}};
  if (Status st = writePodFiles(dir, dns, config.hostname(), ns.network() == NODE); !st.isOk())
    return rollback(st);
  if (ns.ipc() != NODE) {
    if (Status st = mountShm(dir + "/shm"); !st.isOk()) return rollback(st);
    rec.shm_mounted = true;
  }
  Result<ProcessState> started = pause.valid() ? pause.get() : startPause();
  if (!started.ok()) return rollback(started.status().withContext("start pause process"));
  if (Status st = sandbox_store_.put(rec.id, toJson(rec)); !st.isOk()) return rollback(st);

  {
    std::lock_guard lock(mu_);
    sandboxes_[rec.id] = entry;
  }
  resp->set_pod_sandbox_id(rec.id);
  return Status::ok();
}

Status Runtime::stopSandboxLocked(SandboxEntry& sb) {
  SandboxRecord& rec = sb.rec;
  for (const auto& c : allContainers()) {
    if (c->rec.sandbox_id != rec.id) continue;
    std::lock_guard op(c->op);
    ORCH_RETURN_IF_ERROR(stopContainerLocked(*c, 0));
  }
  ORCH_RETURN_IF_ERROR(
      MonitorClient::destroy(sandboxDir(rec.id)).withContext("stop pause process"));
  // Also a namespace never attached (a RunPodSandbox cut short) may still be there.
  ORCH_RETURN_IF_ERROR(network_.tearDown(networkRequest(rec), rec.netns_path, rec.network_ready)
                           .withContext("tear down pod network"));
  if (rec.network_ready) {
    {
      std::lock_guard rec_lock(sb.state);
      rec.network_ready = false;
    }
    ORCH_RETURN_IF_ERROR(sandbox_store_.put(rec.id, toJson(rec)));
  }
  if (rec.shm_mounted) {
    unmountShm(sandboxDir(rec.id) + "/shm");
    {
      std::lock_guard rec_lock(sb.state);
      rec.shm_mounted = false;
    }
    ORCH_RETURN_IF_ERROR(sandbox_store_.put(rec.id, toJson(rec)));
  }
  return Status::ok();
}

Status Runtime::stopPodSandbox(const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto sb, findSandbox(id));
  std::lock_guard op(sb->op);
  return stopSandboxLocked(*sb);
}

Status Runtime::removePodSandbox(const std::string& id) {
  auto sb = findSandbox(id);
  if (!sb.ok()) return sb.status().code() == ENOENT ? Status::ok() : sb.status();
  std::lock_guard op((*sb)->op);
  ORCH_RETURN_IF_ERROR(stopSandboxLocked(**sb));
  const std::string sandbox_id = (*sb)->rec.id;
  for (const auto& c : allContainers()) {
    if (c->rec.sandbox_id != sandbox_id) continue;
    std::lock_guard cop(c->op);
    ORCH_RETURN_IF_ERROR(removeContainerLocked(*c));
  }
  ORCH_RETURN_IF_ERROR(removeOwnPodCgroup((*sb)->rec));
  ORCH_RETURN_IF_ERROR(sandbox_store_.remove(sandbox_id));
  std::lock_guard lock(mu_);
  sandboxes_.erase(sandbox_id);
  names_.erase((*sb)->name);
  return Status::ok();
}

Status Runtime::podSandboxStatus(const runtime::v1::PodSandboxStatusRequest& req,
                                 runtime::v1::PodSandboxStatusResponse* resp) {
  ORCH_ASSIGN_OR_RETURN(auto sb, findSandbox(req.pod_sandbox_id()));
  std::lock_guard rec_lock(sb->state);
  const SandboxRecord& rec = sb->rec;
  ProcessState pause = pauseState(rec);
  bool ready = sandboxReady(rec, pause);
  auto* st = resp->mutable_status();
  st->set_id(rec.id);
  *st->mutable_metadata() = rec.config.metadata();
  st->set_state(ready ? runtime::v1::SANDBOX_READY : runtime::v1::SANDBOX_NOTREADY);
  st->set_created_at(rec.created_at_ns);
  if (rec.network_ready && !rec.ips.empty()) {
    st->mutable_network()->set_ip(rec.ips[0]);
    for (size_t i = 1; i < rec.ips.size(); ++i)
      st->mutable_network()->add_additional_ips()->set_ip(rec.ips[i]);
  }
  *st->mutable_linux()->mutable_namespaces()->mutable_options() =
      rec.config.linux().security_context().namespace_options();
  st->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
  st->mutable_annotations()->insert(rec.config.annotations().begin(),
                                    rec.config.annotations().end());
  st->set_runtime_handler(rec.runtime_handler);
  if (req.verbose()) {
    nlohmann::json info = {{"pid", pause.pid},
                           {"netnsPath", rec.netns_path},
                           {"cgroupParent", rec.cgroup_parent},
                           {"runtimeHandler", rec.runtime_handler}};
    (*resp->mutable_info())["info"] = info.dump();
  }
  return Status::ok();
}

Status Runtime::listPodSandbox(const runtime::v1::ListPodSandboxRequest& req,
                               runtime::v1::ListPodSandboxResponse* resp) {
  const auto& f = req.filter();
  for (const auto& sb : allSandboxes()) {
    std::lock_guard rec_lock(sb->state);
    const SandboxRecord& rec = sb->rec;
    if (!f.id().empty() && rec.id.compare(0, f.id().size(), f.id()) != 0) continue;
    if (!labelsMatch(rec.config.labels(), f.label_selector())) continue;
    auto state = sandboxReady(rec, pauseState(rec)) ? runtime::v1::SANDBOX_READY
                                                    : runtime::v1::SANDBOX_NOTREADY;
    if (f.has_state() && f.state().state() != state) continue;
    auto* item = resp->add_items();
    item->set_id(rec.id);
    *item->mutable_metadata() = rec.config.metadata();
    item->set_state(state);
    item->set_created_at(rec.created_at_ns);
    item->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
    item->mutable_annotations()->insert(rec.config.annotations().begin(),
                                        rec.config.annotations().end());
    item->set_runtime_handler(rec.runtime_handler);
  }
  return Status::ok();
}

}  // namespace orch::shim
