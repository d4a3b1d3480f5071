#include "agent/agent.h"

#include <sys/utsname.h>

#include "agent/cm/pod_cgroups.h"
#include "agent/config/node_options.h"
#include "agent/kuberuntime/dns_config.h"
#include "agent/kuberuntime/pod_runtime_status.h"
#include "agent/node/linux_host_probe.h"
#include "agent/node/node_agent.h"
#include "agent/pleg/pleg.h"
#include "agent/pods/pod_sources.h"
#include "agent/prober/prober_manager.h"
#include "agent/runtime/grpc_cri_runtime.h"
#include "agent/server/agent_server.h"
#include "agent/status/status_manager.h"
#include "agent/sync/pod_syncer.h"
#include "agent/sync/pod_workers.h"
#include "agent/volume/volume_manager.h"
#include "common/base/log.h"
#include "common/client/api_errors.h"
#include "common/client/kubeconfig.h"

namespace orch::agent {

struct Agent::Parts {
  AgentConfig config;
  std::unique_ptr<client::RestClient> client;  // null: standalone
  std::unique_ptr<GrpcCriRuntime> runtime;
  LinuxHostProbe host;
  std::unique_ptr<NodeAgent> node;
  std::unique_ptr<VolumeManager> volumes;
  std::unique_ptr<StatusManager> status;
  std::unique_ptr<PodCgroups> cgroups;  // null without a cgroup hierarchy
  std::unique_ptr<ProberManager> prober;
  std::unique_ptr<PodSyncer> syncer;
  std::unique_ptr<PodSources> sources;
  std::unique_ptr<PodWorkers> workers;
  std::unique_ptr<Pleg> pleg;
  std::unique_ptr<AgentServer> server;
};

namespace {

// A namespaced object from the apiserver; nullopt when it does not exist.
template <class T>
std::function<Result<std::optional<T>>(const std::string&, const std::string&)> getterFor(
    client::RestClient* client) {
  if (client == nullptr) return nullptr;
  return [client](const std::string& ns, const std::string& name) -> Result<std::optional<T>> {
    auto obj = client->get<T>(ns, name);
    if (obj.ok()) return std::optional<T>(std::move(*obj));
    if (client::isNotFound(obj.status())) return std::optional<T>();
    return obj.status();
  };
}

}  // namespace

Agent::Agent(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Agent::~Agent() {
  stop();
}

Result<std::unique_ptr<Agent>> Agent::create(const AgentConfig& config) {
  auto p = std::make_unique<Parts>();
  p->config = config;
  Parts& parts = *p;
  if (!config.kubeconfig.empty()) {
    ORCH_ASSIGN_OR_RETURN(auto rest, client::loadKubeconfig(config.kubeconfig));
    ORCH_ASSIGN_OR_RETURN(parts.client, client::RestClient::create(rest));
  }
  GrpcCriRuntimeOptions rt_opts;
  ORCH_ASSIGN_OR_RETURN(parts.runtime,
                        GrpcCriRuntime::connect(config.containerRuntimeEndpoint, rt_opts));
  CriRuntime& runtime = *parts.runtime;

  NodeOptions node_opts = toNodeOptions(config);
  ORCH_ASSIGN_OR_RETURN(auto capacity, nodeCapacity(node_opts, parts.host));
  auto addresses = nodeAddresses(node_opts, parts.host);
  std::vector<std::string> host_ips;
  if (addresses.ok())
    for (const auto& a : *addresses)
      if (a.type == "InternalIP") host_ips.push_back(a.address);

  auto get_cm = getterFor<api::ConfigMap>(parts.client.get());
  auto get_secret = getterFor<api::Secret>(parts.client.get());
  parts.volumes = std::make_unique<VolumeManager>(config.rootDir, get_cm, get_secret);
  parts.volumes->setNodeAllocatable(capacity);
  parts.status = std::make_unique<StatusManager>(parts.client.get());

  PodSyncerOptions sync_opts;
  sync_opts.root_dir = config.rootDir;
  if (!config.cgroupRoot.empty()) sync_opts.cgroup_root = config.cgroupRoot;
  if (config.cgroupDriver == "systemd") {
    // Slices need systemd's D-Bus API, which the agent does not speak.
    log::warn("cgroupDriver systemd is not supported: pod cgroups use the cgroupfs layout",
              {{"cgroupRoot", sync_opts.cgroup_root}});
  }
  // The QoS cgroups at start, as the kubelet's container manager makes them; where no cgroup
  // hierarchy is mounted the runtime alone places the pods.
  if (auto layout = shim::detectCgroupLayout(); layout.ok()) {
    parts.cgroups = std::make_unique<PodCgroups>(*layout, sync_opts.cgroup_root, capacity);
    ORCH_RETURN_IF_ERROR(parts.cgroups->ensureQosCgroups().withContext("create the QoS cgroups"));
    sync_opts.pod_cgroups = parts.cgroups.get();
  }
  sync_opts.sandbox.pod_logs_dir = config.podLogsDir;
  sync_opts.sandbox.dns.cluster_dns = config.clusterDNS;
  sync_opts.sandbox.dns.cluster_domain = config.clusterDomain;
  if (!config.resolvConf.empty()) {
    auto host_dns = loadResolvConf(config.resolvConf);
    if (host_dns.ok()) sync_opts.sandbox.dns.host = *host_dns;
  }
  if (auto mem = capacity.find("memory"); mem != capacity.end())
    sync_opts.container.memory_capacity_bytes = mem->second.value();
  sync_opts.container.seccomp_root = config.rootDir + "/seccomp";
  sync_opts.host_ips = host_ips;
  sync_opts.env.get_config_map = get_cm;
  sync_opts.env.get_secret = get_secret;
  sync_opts.env.node_allocatable = capacity;
  if (parts.client) {
    client::RestClient* client = parts.client.get();
    sync_opts.env.list_services = [client]() -> Result<std::vector<api::Service>> {
      ORCH_ASSIGN_OR_RETURN(auto list, client->list<api::Service>(""));
      return std::move(list.items);
    };
  }
  sync_opts.get_secret = get_secret;
  auto version = runtime.version();
  if (version.ok()) sync_opts.runtime_name = version->runtime_name();

  ProberManagerOptions probe_opts;
  probe_opts.exec = [&runtime](const std::string& id, const std::vector<std::string>& cmd,
                               std::chrono::seconds timeout) -> Result<ExecOutcome> {
    ORCH_ASSIGN_OR_RETURN(auto r, runtime.execSync(id, cmd, timeout));
    return ExecOutcome{.stdout = r.stdout_data, .stderr = r.stderr_data, .exit_code = r.exit_code};
  };
  Parts* raw = p.get();
  probe_opts.on_liveness_failure = [raw](const std::string& uid, const std::string&,
                                         const std::string& id, const std::string&) {
    raw->syncer->livenessFailed(uid, id);
    raw->workers->enqueue(uid);
  };
  probe_opts.on_result_changed = [raw](const std::string& uid) { raw->workers->enqueue(uid); };
  parts.prober = std::make_unique<ProberManager>(std::move(probe_opts));
  parts.syncer = std::make_unique<PodSyncer>(runtime, *parts.volumes, parts.prober.get(),
                                             *parts.status, realClock(), std::move(sync_opts));
  parts.sources =
      std::make_unique<PodSources>(parts.client.get(), config.nodeName, config.podManifestPath,
                                   [raw](const std::string& uid) { raw->workers->enqueue(uid); });
  // A worker is busy for a whole stop grace period while a pod terminates (kubelet has a
  // goroutine per pod): enough of them that deleting many pods does not queue behind it.
  constexpr size_t kPodWorkerThreads = 16;
  parts.workers =
      std::make_unique<PodWorkers>(*parts.sources, *parts.syncer, runtime, kPodWorkerThreads);
  parts.pleg = std::make_unique<Pleg>(
      runtime, realClock(), [raw](const std::string& uid) { raw->workers->enqueue(uid); });

  if (parts.client) {
    NodeSources sources;
    sources.readiness = [raw]() {
      auto st = raw->runtime->status();
      if (!st.ok()) return Readiness{false, "ContainerRuntimeDown", st.status().message()};
      if (!st->runtime_ready)
        return Readiness{false, "ContainerRuntimeNotReady",
                         "container runtime is down: " + st->runtime_message};
      if (!st->network_ready)
        return Readiness{false, "NetworkPluginNotReady",
                         "container runtime network not ready: NetworkReady=false reason:" +
                             st->network_reason + " message:" + st->network_message};
      if (!raw->pleg->healthy()) return Readiness{false, "PLEGNotHealthy", "PLEG is not healthy"};
      return Readiness{true, "", ""};
    };
    sources.runtimeVersion = [raw]() -> Result<RuntimeVersion> {
      ORCH_ASSIGN_OR_RETURN(auto v, raw->runtime->version());
      return RuntimeVersion{v.runtime_name(), v.runtime_version()};
    };
    parts.node = std::make_unique<NodeAgent>(*parts.client, node_opts, std::move(sources),
                                             parts.host, realClock(), [](const Status& st) {
                                               log::warn("node status", {{"error", st.message()}});
                                             });
  }

  AgentServerConfig server_cfg;
  server_cfg.address = config.address;
  server_cfg.port = config.port;
  server_cfg.tls_cert_file = config.tlsCertFile;
  server_cfg.tls_private_key_file = config.tlsPrivateKeyFile;
  server_cfg.cert_dir = config.rootDir + "/pki";
  server_cfg.hostname = config.hostname.empty() ? config.nodeName : config.hostname;
  server_cfg.node_ips = host_ips;
  server_cfg.healthz_bind_address = config.healthzBindAddress;
  server_cfg.healthz_port = config.healthzPort == 0 ? -1 : config.healthzPort;
  parts.server = std::make_unique<AgentServer>(
      server_cfg,
      [raw]() {
        api::List<api::Pod> list;
        list.items = raw->sources->all();
        return list;
      },
      [raw](const ContainerLogRef& ref) -> Result<ContainerLogSource> {
        std::optional<api::Pod> pod;
        for (auto& p : raw->sources->all())
          if (p.metadata.namespace_ == ref.namespace_ && p.metadata.name == ref.pod) pod = p;
        if (!pod) return Status::notFound("pod \"" + ref.pod + "\" not found on this node");
        ORCH_ASSIGN_OR_RETURN(
            auto rt, getPodRuntimeStatus(*raw->runtime, pod->metadata.uid, pod->metadata.name,
                                         pod->metadata.namespace_));
        auto instances = rt.instancesOf(ref.container);
        size_t index = ref.previous ? 1 : 0;
        if (instances.size() <= index)
          return Status::notFound(ref.previous
                                      ? "previous terminated container \"" + ref.container +
                                            "\" in pod \"" + ref.pod + "\" not found"
                                      : "container \"" + ref.container + "\" in pod \"" + ref.pod +
                                            "\" is not available");
        const ContainerRuntimeStatus* c = instances[index];
        std::string id = c->id;
        CriRuntime* runtime = raw->runtime.get();
        return ContainerLogSource{.path = c->log_path, .running = [runtime, id] {
                                    auto s = runtime->containerStatus(id);
                                    return s.ok() && s->state() == runtime::v1::CONTAINER_RUNNING;
                                  }};
      },
      [raw]() -> Status {
        if (!raw->pleg->healthy()) return Status::error(EIO, "PLEG is not healthy");
        return Status::ok();
      });
  return std::unique_ptr<Agent>(new Agent(std::move(p)));
}

Status Agent::start() {
  Parts& p = *parts_;
  ORCH_RETURN_IF_ERROR(p.server->start());
  p.status->start();
  if (p.node) p.node->start();
  p.workers->start();
  p.sources->start();
  p.pleg->start();
  return Status::ok();
}

void Agent::stop() {
  if (!parts_) return;
  Parts& p = *parts_;
  if (p.pleg) p.pleg->stop();
  if (p.sources) p.sources->stop();
  if (p.workers) p.workers->stop();
  if (p.node) p.node->stop();
  if (p.status) p.status->stop();
  if (p.server) p.server->shutdown();
}

}  // namespace orch::agent
