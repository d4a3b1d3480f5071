#include "agent/sync/pod_syncer.h"

#include "agent/kuberuntime/container_files.h"
#include "agent/kuberuntime/security_context.h"
#include "agent/sync/lifecycle_hooks.h"
#include "agent/sync/pull_secrets.h"
#include "agent/volume/container_mounts.h"

namespace orch::agent {

namespace {

constexpr auto kVolumeRetry = std::chrono::seconds(2);
constexpr int64_t kMinimumGraceSeconds = 2;

runtime::v1::MountPropagation criPropagation(MountPropagation p) {
  switch (p) {
    case MountPropagation::kHostToContainer:
      return runtime::v1::PROPAGATION_HOST_TO_CONTAINER;
    case MountPropagation::kBidirectional:
      return runtime::v1::PROPAGATION_BIDIRECTIONAL;
    default:
      return runtime::v1::PROPAGATION_PRIVATE;
  }
}

std::string pullPolicyOf(const api::Container& c) {
  if (!c.imagePullPolicy.empty()) return c.imagePullPolicy;
  // The apiserver defaults it; static pods and old objects may lack it.
  auto colon = c.image.rfind(':');
  bool tagged = colon != std::string::npos && c.image.find('/', colon) == std::string::npos;
  bool latest = !tagged || c.image.substr(colon + 1) == "latest";
  return c.image.find('@') == std::string::npos && latest ? "Always" : "IfNotPresent";
}

}  // namespace

int64_t podGracePeriod(const api::Pod& pod) {
  int64_t grace = pod.metadata.deletionGracePeriodSeconds.value_or(
      pod.spec.terminationGracePeriodSeconds.value_or(30));
  if (grace <= 0) return 0;
  return std::max(grace, kMinimumGraceSeconds);
}

PodSyncer::PodSyncer(CriRuntime& runtime, VolumeManager& volumes, ProberManager* prober,
                     StatusManager& status, Clock& clock, PodSyncerOptions opts)
    : runtime_(runtime),
      volumes_(volumes),
      prober_(prober),
      status_(status),
      clock_(clock),
      opts_(std::move(opts)),
      crash_backoff_(clock),
      pull_backoff_(clock) {}

Result<std::string> PodSyncer::podCgroupParent(const api::Pod& pod) {
  if (opts_.pod_cgroups) return opts_.pod_cgroups->ensurePod(pod);
  return podCgroupPath(opts_.cgroup_root, podQosClass(pod), pod.metadata.uid);
}

const api::Container* PodSyncer::specOf(const api::Pod& pod, const std::string& name) const {
  for (const auto* list : {&pod.spec.initContainers, &pod.spec.containers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

void PodSyncer::livenessFailed(const std::string& pod_uid, const std::string& container_id) {
  std::lock_guard lock(mu_);
  liveness_failed_[pod_uid].insert(container_id);
}

ProbeResults PodSyncer::probeResults(const std::string& pod_uid) {
  ProbeResults out;
  std::lock_guard lock(mu_);
  for (const auto& id : liveness_failed_[pod_uid]) out.liveness[id] = ProbeState::kFailure;
  return out;
}

Result<std::string> PodSyncer::ensureImage(const api::Pod& pod, const api::Container& spec,
                                           const runtime::v1::PodSandboxConfig& sandbox_config,
                                           runtime::v1::Image* image_out) {
  const std::string policy = pullPolicyOf(spec);
  auto present = runtime_.imageStatus(imageSpec(spec.image));
  if (!present.ok()) return present.status();
  if (*present && policy != "Always") {
    *image_out = **present;
    return (*present)->id();
  }
  if (policy == "Never")
    return Status::error(ENOENT, "ErrImageNeverPull: Container image \"" + spec.image +
                                     "\" is not present with pull policy of Never");
  std::vector<runtime::v1::AuthConfig> auths;
  if (opts_.get_secret) {
    std::vector<api::Secret> secrets;
    for (const auto& ref : pod.spec.imagePullSecrets) {
      auto s = opts_.get_secret(pod.metadata.namespace_, ref.name);
      if (s.ok() && *s) secrets.push_back(**s);
    }
    auths = credentialsFor(spec.image, secrets);
  }
  auths.emplace_back();  // anonymous last
  Status last;
  for (const auto& auth : auths) {
    auto ref = runtime_.pullImage(imageSpec(spec.image), auth, sandbox_config);
    if (ref.ok()) {
      auto st = runtime_.imageStatus(imageSpec(*ref));
      if (st.ok() && *st) *image_out = **st;
      return *ref;
    }
    last = ref.status();
  }
  return last;
}

Status PodSyncer::startContainer(const api::Pod& pod, const api::Container& spec,
                                 const ContainerToStart& t, const StartContext& ctx,
                                 std::map<std::string, WaitingReason>& waiting,
                                 std::optional<Clock::Duration>& retry) {
  auto wantRetry = [&](Clock::Duration d) {
    if (!retry || d < *retry) retry = d;
  };
  if (t.backoff_until) {
    waiting[spec.name] = {"CrashLoopBackOff", t.backoff_message};
    wantRetry(*t.backoff_until - clock_.wallNow());
    return Status::error(EAGAIN, t.backoff_message);
  }
  // Images, with their own back-off after a failed pull.
  const std::string pull_key = "pull/" + pod.metadata.uid + "/" + spec.image;
  runtime::v1::Image image;
  auto image_ref = ensureImage(pod, spec, ctx.sandbox_config, &image);
  if (!image_ref.ok()) {
    bool never = image_ref.status().context().rfind("ErrImageNeverPull", 0) == 0;
    auto until = pull_backoff_.backoffUntil(pull_key, clock_.wallNow());
    waiting[spec.name] = {never   ? "ErrImageNeverPull"
                          : until ? "ImagePullBackOff"
                                  : "ErrImagePull",
                          image_ref.status().message()};
    pull_backoff_.recordRestart(pull_key, clock_.wallNow());
    wantRetry(pull_backoff_.delay(pull_key));
    return image_ref.status();
  }
  pull_backoff_.reset(pull_key);

  EnvContext env_ctx = opts_.env;
  env_ctx.pod_ips = ctx.pod_ips;
  env_ctx.host_ips = opts_.host_ips;
  auto env = makeEnvironment(pod, spec, env_ctx);
  if (!env.ok()) {
    waiting[spec.name] = {"CreateContainerConfigError", env.status().context()};
    wantRetry(kVolumeRetry);
    return env.status();
  }
  auto mounts = mountsFor(spec, ctx.volumes, lookupInEnv(*env));
  if (!mounts.ok()) {
    waiting[spec.name] = {"CreateContainerConfigError", mounts.status().context()};
    wantRetry(kVolumeRetry);
    return mounts.status();
  }
  ContainerConfigInputs in;
  in.restart_count = t.restart_count;
  if (!t.known_to_runtime) {
    auto from_logs =
        restartCountFromLogDir(containerLogsDirectory(opts_.sandbox.pod_logs_dir, pod, spec.name));
    if (from_logs.ok()) in.restart_count = *from_logs;
  }
  in.image_ref = *image_ref;
  in.image_user = imageUserOf(image.id().empty() ? nullptr : &image);
  for (const auto& m : *mounts)
    in.mounts.push_back({.container_path = m.container_path,
                         .host_path = m.host_path,
                         .readonly = m.readonly,
                         .propagation = criPropagation(m.propagation)});
  for (const auto& e : *env) in.env.emplace_back(e.name, e.value);
  if (!spec.terminationMessagePath.empty()) {
    auto file =
        createTerminationLogFile(podContainerDir(opts_.root_dir, pod.metadata.uid, spec.name));
    if (file.ok()) in.termination_log_host_path = *file;
  }
  auto env_copy = *env;
  in.expand = [env_copy](const std::string& s) { return expandAll({s}, env_copy).front(); };
  auto config = makeContainerConfig(pod, spec, in, opts_.container);
  if (!config.ok()) {
    waiting[spec.name] = {"CreateContainerConfigError", config.status().context()};
    return config.status();
  }
  auto id = runtime_.createContainer(ctx.sandbox_id, *config, ctx.sandbox_config);
  if (!id.ok()) {
    waiting[spec.name] = {"CreateContainerError", id.status().message()};
    return id.status();
  }
  if (Status st = runtime_.startContainer(*id); !st.isOk()) {
    waiting[spec.name] = {"RunContainerError", st.message()};
    return st;
  }
  if (t.last_finished_at) crash_backoff_.recordRestart(t.backoff_key, *t.last_finished_at);
  if (prober_) {
    auto status = runtime_.containerStatus(*id);
    prober_->containerStarted(pod.metadata.uid, spec.name, *id,
                              status.ok() ? fromCriTime(status->started_at()) : clock_.wallNow());
  }
  if (spec.lifecycle && spec.lifecycle->postStart) {
    std::string ip = ctx.pod_ips.empty() ? "" : ctx.pod_ips.front();
    Status hook = runLifecycleHook(runtime_, *spec.lifecycle->postStart, pod, spec, *id, ip,
                                   std::chrono::seconds(podGracePeriod(pod)));
    if (!hook.isOk()) {
      // As the kubelet: a failed postStart kills the container, which restarts per policy.
      (void)killContainer(pod, *id, spec.name, podGracePeriod(pod));
      return hook;
    }
  }
  return Status::ok();
}

Status PodSyncer::killContainer(const api::Pod& pod, const std::string& id, const std::string& name,
                                int64_t grace_seconds) {
  const api::Container* spec = specOf(pod, name);
  auto start = clock_.now();
  if (spec && spec->lifecycle && spec->lifecycle->preStop && grace_seconds > 0) {
    std::string ip = pod.status.podIP;
    (void)runLifecycleHook(runtime_, *spec->lifecycle->preStop, pod, *spec, id, ip,
                           std::chrono::seconds(grace_seconds));
    auto spent = std::chrono::duration_cast<std::chrono::seconds>(clock_.now() - start).count();
    grace_seconds = std::max<int64_t>(grace_seconds - spent, kMinimumGraceSeconds);
  }
  Status st = runtime_.stopContainer(id, grace_seconds);
  if (prober_) prober_->containerStopped(pod.metadata.uid, name, id);
  if (!st.isOk() && st.code() != ENOENT) return st;
  return Status::ok();
}

Status PodSyncer::killAll(const api::Pod& pod, const PodRuntimeStatus& rt, int64_t grace_seconds) {
  Status first;
  for (const auto& c : rt.containers) {
    if (!c.running()) continue;
    Status st = killContainer(pod, c.id, c.name, grace_seconds);
    if (!st.isOk() && first.isOk()) first = st;
  }
  for (const auto& s : rt.sandboxes) {
    if (!s.ready()) continue;
    Status st = runtime_.stopPodSandbox(s.id);
    if (!st.isOk() && st.code() != ENOENT && first.isOk()) first = st;
  }
  return first;
}

void PodSyncer::reportStatus(const api::Pod& pod, const PodActions* actions,
                             const std::map<std::string, WaitingReason>& waiting, bool final) {
  auto rt =
      getPodRuntimeStatus(runtime_, pod.metadata.uid, pod.metadata.name, pod.metadata.namespace_);
  if (!rt.ok()) return;  // the next sync reports
  PodStatusInputs in;
  in.pod = &pod;
  in.runtime = &*rt;
  in.actions = actions;
  const std::string uid = pod.metadata.uid;
  if (prober_) {
    in.ready = [this, uid](const std::string& name) { return prober_->readiness(uid, name); };
    in.started = [this, uid](const std::string& name) { return prober_->started(uid, name); };
  }
  in.waiting = waiting;
  in.runtime_name = opts_.runtime_name;
  in.host_ips = opts_.host_ips;
  in.now = clock_.wallNow();
  api::PodStatus status = buildPodStatus(in);
  if (final)
    status_.terminated(pod, status);
  else
    status_.setPodStatus(pod, status);
}

Result<std::optional<Clock::Duration>> PodSyncer::syncPod(const api::Pod& pod) {
  const std::string& uid = pod.metadata.uid;
  std::map<std::string, WaitingReason> waiting;
  std::optional<Clock::Duration> retry;
  ORCH_ASSIGN_OR_RETURN(
      auto rt, getPodRuntimeStatus(runtime_, uid, pod.metadata.name, pod.metadata.namespace_));

  auto volumes = volumes_.setUp(pod);
  if (!volumes.ok()) {
    for (const auto& c : pod.spec.containers)
      waiting[c.name] = {"ContainerCreating", volumes.status().context()};
    reportStatus(pod, nullptr, waiting, false);
    return std::optional<Clock::Duration>(kVolumeRetry);
  }
  (void)volumes_.refresh(pod);

  PodActions actions = computePodActions(pod, rt, probeResults(uid), &crash_backoff_);
  const int64_t grace = podGracePeriod(pod);
  if (actions.kill_pod) {
    ORCH_RETURN_IF_ERROR(killAll(pod, rt, grace));
    if (!actions.create_sandbox) {
      reportStatus(pod, &actions, waiting, false);
      return retry;
    }
  } else {
    for (const auto& k : actions.containers_to_kill)
      ORCH_RETURN_IF_ERROR(killContainer(pod, k.id, k.name, grace));
  }
  {
    std::lock_guard lock(mu_);
    auto& failed = liveness_failed_[uid];
    for (const auto& k : actions.containers_to_kill) failed.erase(k.id);
  }

  StartContext ctx;
  ctx.volumes = std::move(*volumes);
  SandboxConfigOptions sandbox_opts = opts_.sandbox;
  auto cgroup_parent = podCgroupParent(pod);
  if (!cgroup_parent.ok()) return cgroup_parent.status().withContext("ensure the pod's cgroup");
  sandbox_opts.cgroup_parent = *cgroup_parent;
  if (actions.create_sandbox) {
    ORCH_ASSIGN_OR_RETURN(ctx.sandbox_config,
                          makeSandboxConfig(pod, actions.attempt, sandbox_opts));
    auto id = runtime_.runPodSandbox(ctx.sandbox_config, "");
    if (!id.ok()) {
      for (const auto& c : pod.spec.containers)
        waiting[c.name] = {"ContainerCreating", id.status().message()};
      reportStatus(pod, &actions, waiting, false);
      return id.status().withContext("create pod sandbox");
    }
    ctx.sandbox_id = *id;
  } else {
    ctx.sandbox_id = actions.sandbox_id;
    uint32_t attempt = rt.latestSandbox() ? rt.latestSandbox()->attempt : 0;
    ORCH_ASSIGN_OR_RETURN(ctx.sandbox_config, makeSandboxConfig(pod, attempt, sandbox_opts));
  }
  if (!ctx.sandbox_id.empty()) {
    auto sb = runtime_.podSandboxStatus(ctx.sandbox_id);
    if (sb.ok()) {
      auto srs = toSandboxRuntimeStatus(sb->status);
      if (!srs.ip.empty()) ctx.pod_ips.push_back(srs.ip);
      for (const auto& ip : srs.additional_ips) ctx.pod_ips.push_back(ip);
    }
  }
  if (prober_) {
    prober_->addPod(pod, ctx.pod_ips.empty() ? "" : ctx.pod_ips.front());
    // Containers already running (adopted after an agent restart): the same id is a no-op.
    for (const auto& c : rt.containers)
      if (c.running()) prober_->containerStarted(uid, c.name, c.id, c.started_at);
  }

  for (const auto& t : actions.init_containers_to_start) {
    const api::Container& spec = pod.spec.initContainers.at(t.index);
    Status st = startContainer(pod, spec, t, ctx, waiting, retry);
    bool sidecar = spec.restartPolicy && *spec.restartPolicy == "Always";
    if (!st.isOk() && !sidecar) {
      reportStatus(pod, &actions, waiting, false);
      return retry;
    }
  }
  for (const auto& t : actions.containers_to_start)
    (void)startContainer(pod, pod.spec.containers.at(t.index), t, ctx, waiting, retry);
  reportStatus(pod, &actions, waiting, false);
  return retry;
}

Status PodSyncer::terminatePod(const api::Pod& pod) {
  ORCH_ASSIGN_OR_RETURN(auto rt, getPodRuntimeStatus(runtime_, pod.metadata.uid, pod.metadata.name,
                                                     pod.metadata.namespace_));
  ORCH_RETURN_IF_ERROR(killAll(pod, rt, podGracePeriod(pod)));
  if (prober_) prober_->removePod(pod.metadata.uid);
  reportStatus(pod, nullptr, {}, /*final=*/true);
  return Status::ok();
}

Status PodSyncer::cleanupPod(const std::string& uid) {
  runtime::v1::ContainerFilter cf;
  (*cf.mutable_label_selector())[kPodUidLabel] = uid;
  ORCH_ASSIGN_OR_RETURN(auto containers, runtime_.listContainers(cf));
  for (const auto& c : containers) {
    if (c.state() == runtime::v1::CONTAINER_RUNNING) {
      Status st = runtime_.stopContainer(c.id(), kMinimumGraceSeconds);
      if (!st.isOk() && st.code() != ENOENT) return st;
    }
    Status st = runtime_.removeContainer(c.id());
    if (!st.isOk() && st.code() != ENOENT) return st;
  }
  runtime::v1::PodSandboxFilter sf;
  (*sf.mutable_label_selector())[kPodUidLabel] = uid;
  ORCH_ASSIGN_OR_RETURN(auto sandboxes, runtime_.listPodSandbox(sf));
  for (const auto& s : sandboxes) {
    Status st = runtime_.stopPodSandbox(s.id());
    if (st.isOk() || st.code() == ENOENT) st = runtime_.removePodSandbox(s.id());
    if (!st.isOk() && st.code() != ENOENT) return st;
  }
  ORCH_RETURN_IF_ERROR(volumes_.tearDown(uid));
  if (opts_.pod_cgroups) ORCH_RETURN_IF_ERROR(opts_.pod_cgroups->removePod(uid));
  if (prober_) prober_->removePod(uid);
  status_.remove(uid);
  crash_backoff_.gc();
  std::lock_guard lock(mu_);
  liveness_failed_.erase(uid);
  return Status::ok();
}

}  // namespace orch::agent
