// Runtime: the container verbs of RuntimeService.
#include <chrono>
#include <csignal>
#include <filesystem>

#include "common/base/file_util.h"
#include "runtime-shim/server/ids.h"
#include "runtime-shim/server/label_filter.h"
#include "runtime-shim/server/runtime.h"
#include "runtime-shim/server/spec_builder.h"
#include "runtime-shim/server/wall_time.h"

namespace orch::shim {

namespace {

runtime::v1::ContainerState criState(const ProcessState& st) {
  switch (st.phase) {
    case ProcessState::Phase::kCreated:
      return runtime::v1::CONTAINER_CREATED;
    case ProcessState::Phase::kRunning:
      return runtime::v1::CONTAINER_RUNNING;
    case ProcessState::Phase::kExited:
      return runtime::v1::CONTAINER_EXITED;
  }
  return runtime::v1::CONTAINER_UNKNOWN;
}

// The signal that asks the container to stop: the CRI's, else the image's StopSignal, else
// SIGTERM.
int stopSignalOf(const ContainerRecord& rec) {
  if (rec.config.stop_signal() != 0) {
    std::string name = runtime::v1::Signal_Name(rec.config.stop_signal());
    for (int sig = 1; sig < NSIG; ++sig) {
      const char* abbrev = sigabbrev_np(sig);
      if (abbrev && name == std::string("SIG") + abbrev) return sig;
    }
  }
  return SIGTERM;
}

Status notRunning(const std::string& id, const ProcessState& st) {
  return Status::error(EINVAL, "container \"" + id + "\" is not running (state " +
                                   runtime::v1::ContainerState_Name(criState(st)) + ")");
}

}  // namespace

Status Runtime::createContainer(const runtime::v1::CreateContainerRequest& req,
                                runtime::v1::CreateContainerResponse* resp) {
  const auto& config = req.config();
  if (config.metadata().name().empty()) return Status::invalid("config.metadata.name: required");
  if (config.image().image().empty()) return Status::invalid("config.image.image: required");
  ORCH_ASSIGN_OR_RETURN(auto sb, findSandbox(req.pod_sandbox_id()));
  std::lock_guard sandbox_op(sb->op);
  ProcessState pause = pauseState(sb->rec);
  if (!sandboxReady(sb->rec, pause))
    return Status::invalid("sandbox \"" + sb->rec.id + "\" is not ready");
  ORCH_ASSIGN_OR_RETURN(auto image, images_->find(config.image().image()));
  if (!image) return Status::notFound("image \"" + config.image().image() + "\" not found");

  pid_t target_pid = 0;
  const auto& pid_mode = config.linux().security_context().namespace_options();
  if (pid_mode.pid() == runtime::v1::TARGET) {
    auto target = findContainer(pid_mode.target_id());
    if (!target.ok())
      return target.status().withContext(
          "config.linux.security_context.namespace_options.target_id");
    ProcessState ts = containerState((*target)->rec.id);
    if (ts.phase == ProcessState::Phase::kRunning) target_pid = ts.pid;
  }

  auto entry = std::make_shared<ContainerEntry>();
  ContainerRecord& rec = entry->rec;
  rec.id = newObjectId();
  rec.sandbox_id = sb->rec.id;
  rec.config = config;
  rec.image_id = image->id;
  rec.image_ref = image->repo_digests.empty() ? image->id : image->repo_digests.front();
  rec.created_at_ns = unixNanosNow();
  const std::string& log_dir = sb->rec.config.log_directory();
  if (!log_dir.empty() && !config.log_path().empty())
    rec.log_path = log_dir + "/" + config.log_path();
  entry->name = containerName(config.metadata(), sb->rec.config.metadata());
  ORCH_RETURN_IF_ERROR(reserveName(entry->name, rec.id));
  std::lock_guard op(entry->op);

  const std::string bundle = bundleOf(rec.id);
  auto rollback = [&](Status st) {
    (void)container_store_.remove(rec.id);
    releaseName(entry->name);
    return st;
  };
  SandboxContext ctx{.record = &sb->rec, .dir = sandboxDir(sb->rec.id), .pause_pid = pause.pid};
  auto spec = buildContainerSpec(config, *image, ctx, bundle, rec.log_path, target_pid);
  if (!spec.ok()) return rollback(spec.status().withContext("config"));
  if (Status st = container_store_.put(rec.id, toJson(rec)); !st.isOk()) return rollback(st);
  std::error_code ec;
  for (const auto& dir : {spec->upper_dir, spec->work_dir, spec->rootfs_dir}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return rollback(Status::error(ec.value(), "create " + dir));
  }
  if (Status st = writeFileAtomic(bundle + "/spec.json", toJson(*spec).dump(), 0600, true);
      !st.isOk())
    return rollback(st);
  {
    std::lock_guard lock(mu_);
    containers_[rec.id] = entry;
  }
  resp->set_container_id(rec.id);
  return Status::ok();
}

Status Runtime::startContainer(const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(id));
  std::lock_guard op(c->op);
  ProcessState st = containerState(c->rec.id);
  if (st.phase != ProcessState::Phase::kCreated)
    return Status::invalid("container \"" + c->rec.id + "\" is in state " +
                           runtime::v1::ContainerState_Name(criState(st)) +
                           ", not CONTAINER_CREATED");
  auto started = monitor_.start(bundleOf(c->rec.id));
  if (!started.ok()) return started.status().withContext("start container \"" + c->rec.id + "\"");
  return Status::ok();
}

Status Runtime::stopContainerLocked(ContainerEntry& c, int64_t timeout_seconds) {
  const std::string bundle = bundleOf(c.rec.id);
  ProcessState st = containerState(c.rec.id);
  if (st.phase == ProcessState::Phase::kRunning && timeout_seconds > 0) {
    ORCH_RETURN_IF_ERROR(MonitorClient::signal(bundle, stopSignalOf(c.rec)));
    auto waited = MonitorClient::waitExited(bundle, std::chrono::seconds(timeout_seconds));
    if (!waited.ok() && waited.status().code() != ETIMEDOUT) return waited.status();
  }
  if (st.phase == ProcessState::Phase::kCreated) return Status::ok();
  // SIGKILL to whatever is left in the container's cgroup; records the exit.
  return MonitorClient::destroy(bundle).withContext("stop container \"" + c.rec.id + "\"");
}

Status Runtime::stopContainer(const std::string& id, int64_t timeout_seconds) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(id));
  std::lock_guard op(c->op);
  return stopContainerLocked(*c, timeout_seconds);
}

Status Runtime::removeContainerLocked(ContainerEntry& c) {
  ORCH_RETURN_IF_ERROR(MonitorClient::destroy(bundleOf(c.rec.id)));
  ORCH_RETURN_IF_ERROR(container_store_.remove(c.rec.id));
  std::lock_guard lock(mu_);
  containers_.erase(c.rec.id);
  names_.erase(c.name);
  return Status::ok();
}

Status Runtime::removeContainer(const std::string& id) {
  auto c = findContainer(id);
  if (!c.ok()) return c.status().code() == ENOENT ? Status::ok() : c.status();
  std::lock_guard op((*c)->op);
  return removeContainerLocked(**c);
}

Status Runtime::listContainers(const runtime::v1::ListContainersRequest& req,
                               runtime::v1::ListContainersResponse* resp) {
  const auto& f = req.filter();
  for (const auto& c : allContainers()) {
    std::lock_guard rec_lock(c->state);
    const ContainerRecord& rec = c->rec;
    if (!f.id().empty() && rec.id.compare(0, f.id().size(), f.id()) != 0) continue;
    if (!f.pod_sandbox_id().empty() &&
        rec.sandbox_id.compare(0, f.pod_sandbox_id().size(), f.pod_sandbox_id()) != 0)
      continue;
    if (!labelsMatch(rec.config.labels(), f.label_selector())) continue;
    auto state = criState(containerState(rec.id));
    if (f.has_state() && f.state().state() != state) continue;
    auto* item = resp->add_containers();
    item->set_id(rec.id);
    item->set_pod_sandbox_id(rec.sandbox_id);
    *item->mutable_metadata() = rec.config.metadata();
    *item->mutable_image() = rec.config.image();
    item->set_image_ref(rec.image_ref);
    item->set_image_id(rec.image_id);
    item->set_state(state);
    item->set_created_at(rec.created_at_ns);
    item->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
    item->mutable_annotations()->insert(rec.config.annotations().begin(),
                                        rec.config.annotations().end());
  }
  return Status::ok();
}

void Runtime::fillContainerStatus(const ContainerEntry& c,
                                  runtime::v1::ContainerStatus* out) const {
  const ContainerRecord& rec = c.rec;
  ProcessState st = containerState(rec.id);
  out->set_id(rec.id);
  *out->mutable_metadata() = rec.config.metadata();
  out->set_state(criState(st));
  out->set_created_at(rec.created_at_ns);
  out->set_started_at(st.started_at_ns);
  out->set_finished_at(st.finished_at_ns);
  out->set_exit_code(st.exit_code);
  *out->mutable_image() = rec.config.image();
  out->set_image_ref(rec.image_ref);
  out->set_image_id(rec.image_id);
  out->set_reason(st.reason);
  out->set_message(st.message);
  out->mutable_labels()->insert(rec.config.labels().begin(), rec.config.labels().end());
  out->mutable_annotations()->insert(rec.config.annotations().begin(),
                                     rec.config.annotations().end());
  *out->mutable_mounts() = rec.config.mounts();
  out->set_log_path(rec.log_path);
  *out->mutable_resources()->mutable_linux() = rec.config.linux().resources();
}

Status Runtime::containerStatus(const runtime::v1::ContainerStatusRequest& req,
                                runtime::v1::ContainerStatusResponse* resp) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(req.container_id()));
  std::lock_guard rec_lock(c->state);
  fillContainerStatus(*c, resp->mutable_status());
  if (req.verbose()) {
    ProcessState st = containerState(c->rec.id);
    nlohmann::json info = {
        {"pid", st.pid}, {"sandboxID", c->rec.sandbox_id}, {"bundle", bundleOf(c->rec.id)}};
    (*resp->mutable_info())["info"] = info.dump();
  }
  return Status::ok();
}

Status Runtime::updateContainerResources(const runtime::v1::UpdateContainerResourcesRequest& req) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(req.container_id()));
  std::lock_guard op(c->op);
  ORCH_RETURN_IF_ERROR(
      MonitorClient::updateResources(bundleOf(c->rec.id), resourceSpecOf(req.linux())));
  std::lock_guard rec_lock(c->state);
  *c->rec.config.mutable_linux()->mutable_resources() = req.linux();
  return container_store_.put(c->rec.id, toJson(c->rec));
}

Status Runtime::reopenContainerLog(const std::string& id) {
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(id));
  std::lock_guard op(c->op);
  ProcessState st = containerState(c->rec.id);
  if (st.phase != ProcessState::Phase::kRunning) return notRunning(c->rec.id, st);
  return MonitorClient::reopenLog(bundleOf(c->rec.id));
}

Status Runtime::execSync(const runtime::v1::ExecSyncRequest& req,
                         runtime::v1::ExecSyncResponse* resp) {
  if (req.cmd().empty()) return Status::invalid("cmd: required");
  ORCH_ASSIGN_OR_RETURN(auto c, findContainer(req.container_id()));
  std::string bundle;
  {
    // Not held while the command runs: a probe must not block stopping the container.
    std::lock_guard op(c->op);
    ProcessState st = containerState(c->rec.id);
    if (st.phase != ProcessState::Phase::kRunning) return notRunning(c->rec.id, st);
    bundle = bundleOf(c->rec.id);
  }
  std::vector<std::string> argv(req.cmd().begin(), req.cmd().end());
  auto result = monitor_.execSync(bundle, argv, std::chrono::seconds(req.timeout()));
  if (!result.ok()) return result.status();
  resp->set_stdout(result->stdout_data);
  resp->set_stderr(result->stderr_data);
  resp->set_exit_code(result->exit_code);
  return Status::ok();
}

}  // namespace orch::shim
