#include "tests/fakes/fake_cri_runtime.h"

#include <algorithm>
#include <set>

namespace orch::testing {

namespace v1 = runtime::v1;
using agent::ExecSyncResult;

namespace {

bool labelsMatch(const google::protobuf::Map<std::string, std::string>& selector,
                 const google::protobuf::Map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

bool idMatches(const std::string& filter, const std::string& id) {
  return filter.empty() || id.compare(0, filter.size(), filter) == 0;
}

// The entries of an id-keyed map in creation order.
template <class Entry>
std::vector<const std::pair<const std::string, Entry>*> inCreationOrder(
    const std::map<std::string, Entry>& m) {
  std::vector<const std::pair<const std::string, Entry>*> out;
  for (auto& kv : m) out.push_back(&kv);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->second.seq < b->second.seq; });
  return out;
}

const std::set<std::string>& readMethods() {
  static const std::set<std::string> kReads = {
      "Version",        "Status",          "PodSandboxStatus",   "ListPodSandbox",
      "ListContainers", "ContainerStatus", "ListContainerStats", "ImageStatus",
      "ListImages",     "ImageFsInfo"};
  return kReads;
}

}  // namespace

int64_t FakeCriRuntime::nowNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.wallNow().time_since_epoch())
      .count();
}

Status FakeCriRuntime::enter(const std::string& method, const std::string& target) {
  calls_.push_back({method, target});
  auto it = errors_.find(method);
  if (it == errors_.end() || it->second.empty()) return Status::ok();
  InjectedError& e = it->second.front();
  Status s = e.status;
  if (e.times > 0 && --e.times == 0) it->second.pop_front();
  return s;
}

FakeCriRuntime::SandboxEntry* FakeCriRuntime::findSandbox(const std::string& id) {
  auto it = sandboxes_.find(id);
  return it == sandboxes_.end() ? nullptr : &it->second;
}

FakeCriRuntime::ContainerEntry* FakeCriRuntime::findContainer(const std::string& id) {
  auto it = containers_.find(id);
  return it == containers_.end() ? nullptr : &it->second;
}

const v1::Image* FakeCriRuntime::findImage(const std::string& ref) const {
  for (const auto& [id, image] : images_) {
    if (id == ref) return &image;
    for (const auto& tag : image.repo_tags())
      if (tag == ref || tag == ref + ":latest") return &image;
  }
  return nullptr;
}

void FakeCriRuntime::stopLocked(ContainerEntry& c) {
  if (c.status.state() == v1::CONTAINER_EXITED) return;
  c.status.set_state(v1::CONTAINER_EXITED);
  c.status.set_finished_at(nowNanos());
  c.status.set_exit_code(137);
  c.status.set_reason("Error");
}

// ---- runtime service ----

Result<v1::VersionResponse> FakeCriRuntime::version() {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("Version", ""));
  v1::VersionResponse r;
  r.set_version("0.1.0");
  r.set_runtime_name("fake");
  r.set_runtime_version("0.0.1");
  r.set_runtime_api_version("v1");
  return r;
}

Result<agent::RuntimeReadiness> FakeCriRuntime::status(bool) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("Status", ""));
  agent::RuntimeReadiness r;
  r.runtime_ready = runtime_ready_;
  r.runtime_reason = runtime_reason_;
  r.runtime_message = runtime_message_;
  r.network_ready = network_ready_;
  r.network_reason = network_reason_;
  r.network_message = network_message_;
  auto* rc = r.raw.mutable_status()->add_conditions();
  rc->set_type("RuntimeReady");
  rc->set_status(runtime_ready_);
  rc->set_reason(runtime_reason_);
  rc->set_message(runtime_message_);
  auto* nc = r.raw.mutable_status()->add_conditions();
  nc->set_type("NetworkReady");
  nc->set_status(network_ready_);
  nc->set_reason(network_reason_);
  nc->set_message(network_message_);
  return r;
}

Status FakeCriRuntime::updateRuntimeConfig(const std::string& pod_cidr) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("UpdateRuntimeConfig", pod_cidr));
  pod_cidr_ = pod_cidr;
  return Status::ok();
}

Result<std::string> FakeCriRuntime::runPodSandbox(const v1::PodSandboxConfig& config,
                                                  const std::string& runtime_handler) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("RunPodSandbox", config.metadata().name()));
  const auto& md = config.metadata();
  if (md.name().empty() || md.uid().empty() || md.namespace_().empty())
    return Status::invalid("RunPodSandbox: metadata name, namespace and uid are required");
  for (const auto& [id, sb] : sandboxes_) {
    const auto& o = sb.status.metadata();
    if (o.name() == md.name() && o.namespace_() == md.namespace_() && o.uid() == md.uid() &&
        o.attempt() == md.attempt())
      return Status::exists("RunPodSandbox: sandbox " + md.name() + " attempt " +
                            std::to_string(md.attempt()) + " is reserved by " + id);
  }
  const int n = next_sandbox_++;
  std::string id = "sb-" + std::to_string(n);
  SandboxEntry e;
  e.seq = n;
  e.config = config;
  e.runtime_handler = runtime_handler;
  auto& s = e.status;
  s.set_id(id);
  *s.mutable_metadata() = md;
  s.set_state(v1::SANDBOX_READY);
  s.set_created_at(nowNanos());
  const auto& ns = config.linux().security_context().namespace_options();
  if (ns.network() != v1::NODE)
    s.mutable_network()->set_ip("10.88." + std::to_string(n / 250) + "." +
                                std::to_string(n % 250 + 2));
  *s.mutable_linux()->mutable_namespaces()->mutable_options() = ns;
  *s.mutable_labels() = config.labels();
  *s.mutable_annotations() = config.annotations();
  s.set_runtime_handler(runtime_handler);
  sandboxes_.emplace(id, std::move(e));
  return id;
}

Status FakeCriRuntime::stopPodSandbox(const std::string& sandbox_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("StopPodSandbox", sandbox_id));
  SandboxEntry* sb = findSandbox(sandbox_id);
  if (!sb) return Status::notFound("StopPodSandbox: sandbox " + sandbox_id + " not found");
  for (auto& [id, c] : containers_)
    if (c.sandbox_id == sandbox_id) stopLocked(c);
  sb->status.set_state(v1::SANDBOX_NOTREADY);
  return Status::ok();
}

Status FakeCriRuntime::removePodSandbox(const std::string& sandbox_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("RemovePodSandbox", sandbox_id));
  if (!findSandbox(sandbox_id)) return Status::ok();
  std::erase_if(containers_, [&](const auto& kv) { return kv.second.sandbox_id == sandbox_id; });
  sandboxes_.erase(sandbox_id);
  return Status::ok();
}

Result<agent::SandboxStatusResult> FakeCriRuntime::podSandboxStatus(const std::string& sandbox_id,
                                                                    bool verbose) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("PodSandboxStatus", sandbox_id));
  SandboxEntry* sb = findSandbox(sandbox_id);
  if (!sb) return Status::notFound("PodSandboxStatus: sandbox " + sandbox_id + " not found");
  agent::SandboxStatusResult r;
  r.status = sb->status;
  if (verbose) r.info["runtimeHandler"] = sb->runtime_handler;
  return r;
}

Result<std::vector<v1::PodSandbox>> FakeCriRuntime::listPodSandbox(
    const v1::PodSandboxFilter& filter) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ListPodSandbox", ""));
  std::vector<v1::PodSandbox> out;
  for (auto* kv : inCreationOrder(sandboxes_)) {
    const auto& [id, sb] = *kv;
    const auto& s = sb.status;
    if (!idMatches(filter.id(), id)) continue;
    if (filter.has_state() && filter.state().state() != s.state()) continue;
    if (!labelsMatch(filter.label_selector(), s.labels())) continue;
    v1::PodSandbox p;
    p.set_id(id);
    *p.mutable_metadata() = s.metadata();
    p.set_state(s.state());
    p.set_created_at(s.created_at());
    *p.mutable_labels() = s.labels();
    *p.mutable_annotations() = s.annotations();
    p.set_runtime_handler(s.runtime_handler());
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::string> FakeCriRuntime::createContainer(const std::string& sandbox_id,
                                                    const v1::ContainerConfig& config,
                                                    const v1::PodSandboxConfig& sandbox_config) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("CreateContainer", config.metadata().name()));
  SandboxEntry* sb = findSandbox(sandbox_id);
  if (!sb) return Status::notFound("CreateContainer: sandbox " + sandbox_id + " not found");
  if (sb->status.state() != v1::SANDBOX_READY)
    return Status::error(EIO, "CreateContainer: sandbox " + sandbox_id + " is not ready");
  if (config.metadata().name().empty())
    return Status::invalid("CreateContainer: metadata.name is required");
  for (const auto& [id, c] : containers_) {
    if (c.sandbox_id == sandbox_id && c.config.metadata().name() == config.metadata().name() &&
        c.config.metadata().attempt() == config.metadata().attempt())
      return Status::exists("CreateContainer: " + config.metadata().name() + " attempt " +
                            std::to_string(config.metadata().attempt()) + " is reserved by " + id);
  }
  const v1::Image* image = findImage(config.image().image());
  if (require_images_ && !image)
    return Status::notFound("CreateContainer: image " + config.image().image() + " not found");
  (void)sandbox_config;
  const int n = next_container_++;
  std::string id = "ctr-" + std::to_string(n);
  ContainerEntry e;
  e.seq = n;
  e.sandbox_id = sandbox_id;
  e.config = config;
  auto& s = e.status;
  s.set_id(id);
  *s.mutable_metadata() = config.metadata();
  s.set_state(v1::CONTAINER_CREATED);
  s.set_created_at(nowNanos());
  *s.mutable_image() = config.image();
  s.set_image_ref(image ? image->id() : config.image().image());
  s.set_image_id(s.image_ref());
  *s.mutable_labels() = config.labels();
  *s.mutable_annotations() = config.annotations();
  *s.mutable_mounts() = config.mounts();
  if (!config.log_path().empty())
    s.set_log_path(sb->config.log_directory() + "/" + config.log_path());
  if (config.has_linux()) *s.mutable_resources()->mutable_linux() = config.linux().resources();
  containers_.emplace(id, std::move(e));
  return id;
}

Status FakeCriRuntime::startContainer(const std::string& container_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("StartContainer", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c) return Status::notFound("StartContainer: container " + container_id + " not found");
  if (c->status.state() != v1::CONTAINER_CREATED)
    return Status::invalid("StartContainer: container " + container_id + " is in state " +
                           v1::ContainerState_Name(c->status.state()));
  c->status.set_state(v1::CONTAINER_RUNNING);
  c->status.set_started_at(nowNanos());
  return Status::ok();
}

Status FakeCriRuntime::stopContainer(const std::string& container_id, int64_t) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("StopContainer", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c) return Status::notFound("StopContainer: container " + container_id + " not found");
  stopLocked(*c);
  return Status::ok();
}

Status FakeCriRuntime::removeContainer(const std::string& container_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("RemoveContainer", container_id));
  containers_.erase(container_id);
  return Status::ok();
}

Result<std::vector<v1::Container>> FakeCriRuntime::listContainers(
    const v1::ContainerFilter& filter) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ListContainers", ""));
  std::vector<v1::Container> out;
  for (auto* kv : inCreationOrder(containers_)) {
    const auto& [id, c] = *kv;
    const auto& s = c.status;
    if (!idMatches(filter.id(), id)) continue;
    if (filter.has_state() && filter.state().state() != s.state()) continue;
    if (!filter.pod_sandbox_id().empty() && !idMatches(filter.pod_sandbox_id(), c.sandbox_id))
      continue;
    if (!labelsMatch(filter.label_selector(), s.labels())) continue;
    v1::Container o;
    o.set_id(id);
    o.set_pod_sandbox_id(c.sandbox_id);
    *o.mutable_metadata() = s.metadata();
    *o.mutable_image() = s.image();
    o.set_image_ref(s.image_ref());
    o.set_image_id(s.image_id());
    o.set_state(s.state());
    o.set_created_at(s.created_at());
    *o.mutable_labels() = s.labels();
    *o.mutable_annotations() = s.annotations();
    out.push_back(std::move(o));
  }
  return out;
}

Result<v1::ContainerStatus> FakeCriRuntime::containerStatus(const std::string& container_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ContainerStatus", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c) return Status::notFound("ContainerStatus: container " + container_id + " not found");
  return c->status;
}

Result<ExecSyncResult> FakeCriRuntime::execSync(const std::string& container_id,
                                                const std::vector<std::string>& cmd,
                                                std::chrono::seconds) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ExecSync", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c) return Status::notFound("ExecSync: container " + container_id + " not found");
  if (c->status.state() != v1::CONTAINER_RUNNING)
    return Status::invalid("ExecSync: container " + container_id + " is not running");
  if (cmd.empty()) return Status::invalid("ExecSync: cmd is required");
  auto it = exec_scripts_.find({container_id, cmd});
  if (it == exec_scripts_.end()) it = exec_scripts_.find({"", cmd});
  if (it == exec_scripts_.end()) return ExecSyncResult{};
  return it->second;
}

Status FakeCriRuntime::reopenContainerLog(const std::string& container_id) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ReopenContainerLog", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c) return Status::notFound("ReopenContainerLog: container " + container_id + " not found");
  if (c->status.state() != v1::CONTAINER_RUNNING)
    return Status::invalid("ReopenContainerLog: container " + container_id + " is not running");
  ++c->reopen_count;
  return Status::ok();
}

Status FakeCriRuntime::updateContainerResources(const std::string& container_id,
                                                const v1::LinuxContainerResources& resources) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("UpdateContainerResources", container_id));
  ContainerEntry* c = findContainer(container_id);
  if (!c)
    return Status::notFound("UpdateContainerResources: container " + container_id + " not found");
  *c->status.mutable_resources()->mutable_linux() = resources;
  return Status::ok();
}

Result<std::vector<v1::ContainerStats>> FakeCriRuntime::listContainerStats(
    const v1::ContainerStatsFilter& filter) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ListContainerStats", ""));
  std::vector<v1::ContainerStats> out;
  for (auto* kv : inCreationOrder(containers_)) {
    const auto& [id, c] = *kv;
    if (!idMatches(filter.id(), id)) continue;
    if (!filter.pod_sandbox_id().empty() && !idMatches(filter.pod_sandbox_id(), c.sandbox_id))
      continue;
    if (!labelsMatch(filter.label_selector(), c.status.labels())) continue;
    if (c.stats) {
      out.push_back(*c.stats);
      continue;
    }
    v1::ContainerStats s;
    s.mutable_attributes()->set_id(id);
    *s.mutable_attributes()->mutable_metadata() = c.status.metadata();
    *s.mutable_attributes()->mutable_labels() = c.status.labels();
    *s.mutable_attributes()->mutable_annotations() = c.status.annotations();
    s.mutable_cpu()->set_timestamp(nowNanos());
    s.mutable_memory()->set_timestamp(nowNanos());
    out.push_back(std::move(s));
  }
  return out;
}

// ---- image service ----

Result<std::string> FakeCriRuntime::pullImage(const v1::ImageSpec& image, const v1::AuthConfig&,
                                              const v1::PodSandboxConfig&) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("PullImage", image.image()));
  if (image.image().empty()) return Status::invalid("PullImage: image is required");
  if (const v1::Image* found = findImage(image.image())) return found->id();
  std::string id = "sha256:img" + std::to_string(next_image_++);
  v1::Image& img = images_[id];
  img.set_id(id);
  img.add_repo_tags(image.image());
  img.set_size(1024);
  return id;
}

Result<std::optional<v1::Image>> FakeCriRuntime::imageStatus(const v1::ImageSpec& image) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ImageStatus", image.image()));
  const v1::Image* found = findImage(image.image());
  if (!found) return std::optional<v1::Image>();
  return std::optional<v1::Image>(*found);
}

Result<std::vector<v1::Image>> FakeCriRuntime::listImages(const v1::ImageFilter& filter) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ListImages", ""));
  std::vector<v1::Image> out;
  if (!filter.image().image().empty()) {
    if (const v1::Image* found = findImage(filter.image().image())) out.push_back(*found);
    return out;
  }
  for (const auto& [id, img] : images_) out.push_back(img);
  return out;
}

Status FakeCriRuntime::removeImage(const v1::ImageSpec& image) {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("RemoveImage", image.image()));
  const v1::Image* found = findImage(image.image());
  if (found) images_.erase(found->id());
  return Status::ok();
}

Result<v1::ImageFsInfoResponse> FakeCriRuntime::imageFsInfo() {
  std::lock_guard l(mu_);
  ORCH_RETURN_IF_ERROR(enter("ImageFsInfo", ""));
  v1::ImageFsInfoResponse r;
  auto* fs = r.add_image_filesystems();
  fs->set_timestamp(nowNanos());
  fs->mutable_fs_id()->set_mountpoint("/var/lib/fake/images");
  uint64_t used = 0;
  for (const auto& [id, img] : images_) used += img.size();
  fs->mutable_used_bytes()->set_value(used);
  fs->mutable_inodes_used()->set_value(images_.size());
  return r;
}

// ---- scripting ----

void FakeCriRuntime::injectError(const std::string& method, Status status, int times) {
  std::lock_guard l(mu_);
  errors_[method].push_back({std::move(status), times});
}

void FakeCriRuntime::clearErrors() {
  std::lock_guard l(mu_);
  errors_.clear();
}

std::string FakeCriRuntime::addImage(const std::string& tag, std::optional<int64_t> uid,
                                     const std::string& username) {
  std::lock_guard l(mu_);
  std::string id = "sha256:img" + std::to_string(next_image_++);
  v1::Image& img = images_[id];
  img.set_id(id);
  img.add_repo_tags(tag);
  img.set_size(1024);
  if (uid) img.mutable_uid()->set_value(*uid);
  img.set_username(username);
  return id;
}

void FakeCriRuntime::setRequireImages(bool require) {
  std::lock_guard l(mu_);
  require_images_ = require;
}

Status FakeCriRuntime::exitContainer(const std::string& id, int32_t exit_code, std::string reason,
                                     std::string message) {
  std::lock_guard l(mu_);
  ContainerEntry* c = findContainer(id);
  if (!c) return Status::notFound("exitContainer: container " + id + " not found");
  if (reason.empty()) reason = exit_code == 0 ? "Completed" : "Error";
  c->status.set_state(v1::CONTAINER_EXITED);
  c->status.set_finished_at(nowNanos());
  c->status.set_exit_code(exit_code);
  c->status.set_reason(reason);
  c->status.set_message(message);
  return Status::ok();
}

Status FakeCriRuntime::setContainerState(const std::string& id, v1::ContainerState state) {
  std::lock_guard l(mu_);
  ContainerEntry* c = findContainer(id);
  if (!c) return Status::notFound("setContainerState: container " + id + " not found");
  c->status.set_state(state);
  return Status::ok();
}

Status FakeCriRuntime::setSandboxState(const std::string& id, v1::PodSandboxState state) {
  std::lock_guard l(mu_);
  SandboxEntry* sb = findSandbox(id);
  if (!sb) return Status::notFound("setSandboxState: sandbox " + id + " not found");
  sb->status.set_state(state);
  return Status::ok();
}

Status FakeCriRuntime::setSandboxIp(const std::string& id, const std::string& ip) {
  std::lock_guard l(mu_);
  SandboxEntry* sb = findSandbox(id);
  if (!sb) return Status::notFound("setSandboxIp: sandbox " + id + " not found");
  sb->status.mutable_network()->set_ip(ip);
  return Status::ok();
}

void FakeCriRuntime::setRuntimeReady(bool ready, const std::string& reason,
                                     const std::string& message) {
  std::lock_guard l(mu_);
  runtime_ready_ = ready;
  runtime_reason_ = reason;
  runtime_message_ = message;
}

void FakeCriRuntime::setNetworkReady(bool ready, const std::string& reason,
                                     const std::string& message) {
  std::lock_guard l(mu_);
  network_ready_ = ready;
  network_reason_ = reason;
  network_message_ = message;
}

void FakeCriRuntime::scriptExec(const std::vector<std::string>& cmd, Result<ExecSyncResult> result,
                                const std::string& container_id) {
  std::lock_guard l(mu_);
  exec_scripts_.insert_or_assign({container_id, cmd}, std::move(result));
}

void FakeCriRuntime::setContainerStats(const std::string& id, const v1::ContainerStats& stats) {
  std::lock_guard l(mu_);
  if (ContainerEntry* c = findContainer(id)) c->stats = stats;
}

// ---- inspection ----

std::vector<FakeCriRuntime::Call> FakeCriRuntime::calls() const {
  std::lock_guard l(mu_);
  return calls_;
}

std::vector<std::string> FakeCriRuntime::callLog(bool include_reads) const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (const auto& c : calls_) {
    if (!include_reads && readMethods().count(c.method)) continue;
    out.push_back(c.target.empty() ? c.method : c.method + " " + c.target);
  }
  return out;
}

void FakeCriRuntime::clearCalls() {
  std::lock_guard l(mu_);
  calls_.clear();
}

std::optional<v1::PodSandboxConfig> FakeCriRuntime::sandboxConfig(const std::string& id) const {
  std::lock_guard l(mu_);
  auto it = sandboxes_.find(id);
  if (it == sandboxes_.end()) return std::nullopt;
  return it->second.config;
}

std::optional<v1::ContainerConfig> FakeCriRuntime::containerConfig(const std::string& id) const {
  std::lock_guard l(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return std::nullopt;
  return it->second.config;
}

std::optional<v1::LinuxContainerResources> FakeCriRuntime::containerResources(
    const std::string& id) const {
  std::lock_guard l(mu_);
  auto it = containers_.find(id);
  if (it == containers_.end()) return std::nullopt;
  return it->second.status.resources().linux();
}

std::vector<std::string> FakeCriRuntime::sandboxIds() const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (auto* kv : inCreationOrder(sandboxes_)) out.push_back(kv->first);
  return out;
}

std::vector<std::string> FakeCriRuntime::containerIds() const {
  std::lock_guard l(mu_);
  std::vector<std::string> out;
  for (auto* kv : inCreationOrder(containers_)) out.push_back(kv->first);
  return out;
}

int FakeCriRuntime::reopenLogCount(const std::string& id) const {
  std::lock_guard l(mu_);
  auto it = containers_.find(id);
  return it == containers_.end() ? 0 : it->second.reopen_count;
}

std::optional<std::string> FakeCriRuntime::podCidr() const {
  std::lock_guard l(mu_);
  return pod_cidr_;
}

}  // namespace orch::testing
