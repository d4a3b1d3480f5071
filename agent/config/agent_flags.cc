#include "agent/config/agent_flags.h"

namespace orch::agent {
namespace {

// pflag semantics for a single-valued flag: the last occurrence wins.
CLI::Option* last(CLI::Option* o) {
  return o->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// A repeatable flag: one value per occurrence, all occurrences kept.
CLI::Option* repeated(CLI::Option* o) {
  return o->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

void addAgentFlags(CLI::App& app, AgentFlags& f) {
  last(app.add_option("--kubeconfig", f.kubeconfig,
                      "kubeconfig file for the API server (empty: run standalone, static pods "
                      "only)"));
  last(app.add_option("--container-runtime-endpoint", f.containerRuntimeEndpoint,
                      "CRI endpoint (unix:///path)")
           ->capture_default_str());
  last(app.add_option("--hostname-override", f.hostnameOverride,
                      "name of the Node instead of the host name"));
  last(app.add_option("--node-ip", f.nodeIP,
                      "IP address(es) of the node: one, or an IPv4,IPv6 pair for dual-stack; "
                      "0.0.0.0 or :: detect (preferring that family)"));
  repeated(app.add_option("--node-labels", f.nodeLabels,
                          "labels for the Node at registration: key=value,key2=value2"));
  repeated(app.add_option("--register-with-taints", f.registerWithTaints,
                          "taints for the Node at registration: key=value:Effect,key2:Effect"));
  last(app.add_option("--pod-manifest-path", f.podManifestPath,
                      "directory (or file) of static pod manifests"));
  last(app.add_option("--root-dir", f.rootDir, "agent state directory")->capture_default_str());
  last(app.add_option("--pod-logs-dir", f.podLogsDir, "container log directory")
           ->capture_default_str());
  last(app.add_option("--max-pods", f.maxPods, "pods this node can run")->capture_default_str());
  repeated(
      app.add_option("--cluster-dns", f.clusterDNS, "DNS server IP(s) for pods (comma-separated)"));
  last(app.add_option("--cluster-domain", f.clusterDomain,
                      "cluster DNS domain (e.g. cluster.local) added to pods' search list"));
  last(app.add_option("--pod-infra-container-image", f.podInfraContainerImage,
                      "pause image (recorded; orch-shim brings its own sandbox process)"));
  last(app.add_option("--config", f.config,
                      "KubeletConfiguration file (kubelet.config.k8s.io/v1beta1); flags "
                      "given on the command line override it"));
  last(app.add_option("--port", f.port, "HTTPS port of the agent's API")->capture_default_str());
  last(app.add_option("--address", f.address, "address the agent's API listens on")
           ->capture_default_str());
  last(app.add_option("--healthz-port", f.healthzPort, "healthz port (0 disables)")
           ->capture_default_str());
  last(app.add_option("--healthz-bind-address", f.healthzBindAddress, "healthz address")
           ->capture_default_str());
  last(app.add_option("--tls-cert-file", f.tlsCertFile,
                      "serving certificate (PEM); self-signed when empty"));
  last(app.add_option("--tls-private-key-file", f.tlsPrivateKeyFile, "serving key (PEM)"));
  last(app.add_option("--cgroup-root", f.cgroupRoot, "root cgroup for pods"));
  last(app.add_option("--cgroup-driver", f.cgroupDriver, "cgroupfs or systemd")
           ->capture_default_str());
  last(app.add_option("--resolv-conf", f.resolvConf, "resolver configuration for pods")
           ->capture_default_str());
  last(app.add_option("--node-status-update-frequency", f.nodeStatusUpdateFrequency,
                      "how often the node status is computed (posted on change)")
           ->capture_default_str());
  last(app.add_option("--runtime-request-timeout", f.runtimeRequestTimeout,
                      "timeout of CRI requests (except long-running ones)")
           ->capture_default_str());
  last(app.add_flag("--serialize-image-pulls", f.serializeImagePulls,
                    "pull one image at a time (--serialize-image-pulls=false for parallel)"));
}

std::set<std::string> explicitFlags(const CLI::App& app) {
  std::set<std::string> out;
  for (const CLI::Option* o : app.get_options()) {
    if (o->count() == 0) continue;
    for (const auto& name : o->get_lnames()) out.insert(name);
  }
  return out;
}

}  // namespace orch::agent
