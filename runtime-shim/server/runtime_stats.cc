// Runtime: ContainerStats, ListContainerStats, PodSandboxStats, ListPodSandboxStats.
#include <chrono>
#include <sstream>

#include "common/base/file_util.h"
#include "common/netlink/netns.h"
#include "runtime-shim/container/cgroups.h"
#include "runtime-shim/server/fs_usage.h"
#include "runtime-shim/server/label_filter.h"
#include "runtime-shim/server/runtime.h"
#include "runtime-shim/server/wall_time.h"

namespace orch::shim {

namespace {

void fillCpuMemory(int64_t ts, uint64_t cpu_ns, uint64_t working_set, uint64_t usage, uint64_t rss,
                   uint64_t faults, uint64_t major_faults, runtime::v1::CpuUsage* cpu,
                   runtime::v1::MemoryUsage* mem) {
  cpu->set_timestamp(ts);
  cpu->mutable_usage_core_nano_seconds()->set_value(cpu_ns);
  mem->set_timestamp(ts);
  mem->mutable_working_set_bytes()->set_value(working_set);
  mem->mutable_usage_bytes()->set_value(usage);
  mem->mutable_rss_bytes()->set_value(rss);
  mem->mutable_page_faults()->set_value(faults);
  mem->mutable_major_page_faults()->set_value(major_faults);
}

// eth0's counters from /proc/net/dev as seen inside the pod's network namespace.
std::optional<runtime::v1::NetworkInterfaceUsage> interfaceUsage(const std::string& netns_path,
                                                                 const std::string& ifname) {
  auto ns = netlink::NetNs::openPath(netns_path);
  if (!ns.ok()) return std::nullopt;
  auto text = ns->run([] { return readFile("/proc/thread-self/net/dev"); });
  if (!text.ok()) return std::nullopt;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name != ifname) continue;
    std::istringstream fields(line.substr(colon + 1));
    uint64_t v[16] = {};
    for (auto& x : v) fields >> x;
    runtime::v1::NetworkInterfaceUsage out;
    out.set_name(ifname);
    out.mutable_rx_bytes()->set_value(v[0]);
    out.mutable_rx_errors()->set_value(v[2]);
    out.mutable_tx_bytes()->set_value(v[8]);
    out.mutable_tx_errors()->set_value(v[10]);
    return out;
  }
  return std::nullopt;
}

}  // namespace

Status Runtime::fillContainerStats(const ContainerEntry& c,
                                   runtime::v1::ContainerStats* out) const {
  const ContainerRecord& rec = c.rec;
  int64_t ts = unixNanosNow();
  auto* attrs = out->mutable_attributes();
  attrs->set_id(rec.id);
  *attrs->mutable_metadata() = rec.config.metadata();
  attrs->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
  attrs->mutable_annotations()->insert(rec.config.annotations().begin(),
                                       rec.config.annotations().end());
  if (containerState(rec.id).phase == ProcessState::Phase::kRunning) {
    auto s = MonitorClient::stats(bundleOf(rec.id));
    if (s.ok())
      fillCpuMemory(ts, s->cpu_usage_ns, s->memory_working_set_bytes, s->memory_usage_bytes,
                    s->memory_rss_bytes, s->page_faults, s->major_page_faults, out->mutable_cpu(),
                    out->mutable_memory());
  }
  std::string upper = bundleOf(rec.id) + "/fs/upper";
  DirUsage du = dirUsage(upper);
  auto* fs = out->mutable_writable_layer();
  fs->set_timestamp(ts);
  fs->mutable_fs_id()->set_mountpoint(upper);
  fs->mutable_used_bytes()->set_value(du.bytes);
  fs->mutable_inodes_used()->set_value(du.inodes);
  return Status::ok();
}

Status Runtime::containerStats(const std::string& id, runtime::v1::ContainerStats* out) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(id));
  std::lock_guard rec_lock(c->state);
  return fillContainerStats(*c, out);
}

Status Runtime::listContainerStats(const runtime::v1::ListContainerStatsRequest& req,
                                   runtime::v1::ListContainerStatsResponse* resp) {
  const auto& f = req.filter();
  for (const auto& c : allContainers()) {
    std::lock_guard rec_lock(c->state);
    const ContainerRecord& rec = c->rec;
    if (!f.id().empty() && rec.id.compare(0, f.id().size(), f.id()) != 0) continue;
    if (!f.pod_sandbox_id().empty() &&
        rec.sandbox_id.compare(0, f.pod_sandbox_id().size(), f.pod_sandbox_id()) != 0)
      continue;
    if (!labelsMatch(rec.config.labels(), f.label_selector())) continue;
    ORCH_RETURN_IF_ERROR(fillContainerStats(*c, resp->add_stats()));
  }
  return Status::ok();
}

Status Runtime::fillPodSandboxStats(const SandboxEntry& sb, runtime::v1::PodSandboxStats* out) {
  const SandboxRecord& rec = sb.rec;
  int64_t ts = unixNanosNow();
  auto* attrs = out->mutable_attributes();
  attrs->set_id(rec.id);
  *attrs->mutable_metadata() = rec.config.metadata();
  attrs->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
  attrs->mutable_annotations()->insert(rec.config.annotations().begin(),
                                       rec.config.annotations().end());
  auto* linux = out->mutable_linux();
  if (auto layout = detectCgroupLayout(); layout.ok()) {
    auto s = Cgroup::open(*layout, rec.cgroup_parent).stats();
    if (s.ok()) {
      fillCpuMemory(ts, s->cpu_usage_ns, s->memory_working_set_bytes, s->memory_usage_bytes,
                    s->memory_rss_bytes, s->page_faults, s->major_page_faults, linux->mutable_cpu(),
                    linux->mutable_memory());
      linux->mutable_process()->set_timestamp(ts);
      linux->mutable_process()->mutable_process_count()->set_value(s->pids);
    }
  }
  if (rec.network_ready) {
    if (auto eth0 = interfaceUsage(rec.netns_path, "eth0")) {
      auto* net = linux->mutable_network();
      net->set_timestamp(ts);
      *net->mutable_default_interface() = *eth0;
      *net->add_interfaces() = *eth0;
    }
  }
  for (const auto& c : allContainers()) {
    if (c->rec.sandbox_id != rec.id) continue;
    std::lock_guard rec_lock(c->state);
    ORCH_RETURN_IF_ERROR(fillContainerStats(*c, linux->add_containers()));
  }
  return Status::ok();
}

Status Runtime::podSandboxStats(const std::string& id, runtime::v1::PodSandboxStats* out) {
  ORCH_ASSIGN_OR_RETURN(auto sb, findSandbox(id));
  std::lock_guard rec_lock(sb->state);
  return fillPodSandboxStats(*sb, out);
}

Status Runtime::listPodSandboxStats(const runtime::v1::ListPodSandboxStatsRequest& req,
                                    runtime::v1::ListPodSandboxStatsResponse* resp) {
  const auto& f = req.filter();
  for (const auto& sb : allSandboxes()) {
    std::lock_guard rec_lock(sb->state);
    if (!f.id().empty() && sb->rec.id.compare(0, f.id().size(), f.id()) != 0) continue;
    if (!labelsMatch(sb->rec.config.labels(), f.label_selector())) continue;
    ORCH_RETURN_IF_ERROR(fillPodSandboxStats(*sb, resp->add_stats()));
  }
  return Status::ok();
}

}  // namespace orch::shim
