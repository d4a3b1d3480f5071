#pragma once
// The agent's HTTP endpoints, as the kubelet serves them:
//
// HTTPS (default :10250)
//   GET /healthz                          "ok" (or 500 with the health check's error)
//   GET /pods                             the PodList of the pods this agent runs (JSON)
//   GET /containerLogs/<ns>/<pod>/<container>?follow=&tailLines=&sinceSeconds=&sinceTime=
//       &previous=&timestamps=&limitBytes=&stream=
//                                         the container's log as plain text, chunked;
//                                         with follow it streams until the container
//                                         stops or the client goes away
// HTTP (default 127.0.0.1:10248)
//   GET /healthz                          "ok"
//
// Serving certificate: from tls_cert_file / tls_private_key_file, or else self-signed at
// start (CN "<hostname>@<unix time>", SANs: hostname, "localhost", node IPs, 127.0.0.1, ::1),
// kept in cert_dir as kubelet.crt / kubelet.key when a cert_dir is given (and reused
// from there on the next start, as the kubelet's --cert-dir).
//
// Authentication (kept simple, documented): with client_ca_file, clients are asked for a
// certificate, verified against that CA (the apiserver calls with its kubelet-client cert).
// anonymous_auth (the kubelet's --anonymous-auth, default true) decides whether requests
// without a verified certificate are served; when false they get 401 Unauthorized. There is
// no authorization (every authenticated request is allowed) and no bearer-token support.
//
// Errors of /containerLogs: bad parameters → 400 (422 for values out of range), the
// locator's ENOENT (unknown pod / container / no previous instance) → 404, other locator
// errors → 400, a missing log file → 404; each with the message as a plain-text body.
//
// Threads: see HttpServer (a thread per connection). The providers are called from those
// threads, concurrently; they must be thread-safe. start()/shutdown() from one owner thread.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/api/list.h"
#include "common/api/pod.h"
#include "common/base/clock.h"
#include "common/base/status.h"
#include "common/httpd/http_server.h"

namespace orch::agent {

using httpd::HttpServer;
using httpd::HttpServerConfig;
using httpd::ResponseWriter;
using httpd::ServerRequest;

struct ContainerLogRef {
  std::string namespace_, pod, container;
  bool previous = false;  // the previous instance (restartCount - 1)
};

struct ContainerLogSource {
  std::string path;  // the CRI log file
  // Whether the container still runs (a followed log ends once it does not). Null: follow
  // until the client goes away.
  std::function<bool()> running;
};

// Maps a request to its log file. ENOENT for an unknown pod or container, or no previous
// instance; the message is sent to the client.
using ContainerLogLocator = std::function<Result<ContainerLogSource>(const ContainerLogRef&)>;
// The pods this agent runs, for /pods.
using PodListProvider = std::function<api::List<api::Pod>()>;

struct AgentServerConfig {
  std::string address = "0.0.0.0";                  // --address
  int port = 10250;                                 // --port; 0 = ephemeral
  std::string tls_cert_file, tls_private_key_file;  // both or neither
  std::string cert_dir;  // where a self-signed certificate is kept; empty = memory only
  std::string hostname;  // CN and SAN of a self-signed certificate
  std::vector<std::string> node_ips;
  std::string client_ca_file;                      // --client-ca-file
  bool anonymous_auth = true;                      // --anonymous-auth
  std::string healthz_bind_address = "127.0.0.1";  // --healthz-bind-address
  int healthz_port = 10248;  // --healthz-port; 0 = ephemeral, negative = disabled
  // How often a followed log is checked for new data.
  std::chrono::milliseconds log_poll_interval{100};
  Clock* clock = nullptr;  // for sinceSeconds; realClock() when null
};

class AgentServer {
 public:
  AgentServer(AgentServerConfig config, PodListProvider pods, ContainerLogLocator logs,
              std::function<Status()> health = nullptr);
  ~AgentServer();  // shutdown()
  AgentServer(const AgentServer&) = delete;
  AgentServer& operator=(const AgentServer&) = delete;

  // Loads or creates the certificate, then listens on both ports. Errors name what failed
  // ("read /etc/orch/pki/agent.crt: ENOENT", "listen on 0.0.0.0:10250: EADDRINUSE").
  Status start();
  int port() const;
  int healthzPort() const;  // -1 when disabled
  // The serving certificate in use (PEM), e.g. for clients in tests.
  const std::string& certificatePem() const { return cert_pem_; }
  // Ends streams, closes connections, stops listening. Idempotent.
  void shutdown();
  // Connections open on both ports (tests).
  size_t openConnections() const;

 private:
  void handleSecure(const ServerRequest& req, ResponseWriter& w);
  void handleHealthz(const ServerRequest& req, ResponseWriter& w);
  void handleContainerLogs(const ServerRequest& req, ResponseWriter& w, const std::string& ns,
                           const std::string& pod, const std::string& container);
  Status loadCertificate(HttpServerConfig& cfg);

  AgentServerConfig config_;
  PodListProvider pods_;
  ContainerLogLocator logs_;
  std::function<Status()> health_;
  Clock& clock_;
  std::string cert_pem_;
  std::unique_ptr<HttpServer> secure_;
  std::unique_ptr<HttpServer> healthz_;
};

}  // namespace orch::agent
