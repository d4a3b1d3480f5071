#pragma once
// orch-apiserver's HTTPS transport on Boost.Beast/Asio + OpenSSL: TLS with optional client
// certificates, HTTP/1.1 keep-alive, authentication of every request, a request body limit
// (413 before the body is read), idle-connection timeouts, streaming (chunked) responses, and
// graceful shutdown.
//
// Threads: one acceptor thread, one thread per connection, and a few io threads (one per
// core). Each connection thread reads a request, authenticates it, runs the router's handler
// (which may block) and writes the reply, with blocking calls whose deadlines a watchdog on
// the io threads enforces; a streaming reply is written by the io threads while its
// connection thread waits for the stream to end (or the client to go away).
// start()/shutdown() are called from one owning thread; the Router is shared read-only.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "controlplane/apiserver/authn.h"
#include "controlplane/apiserver/router.h"

namespace orch::apiserver {

inline constexpr size_t kDefaultMaxRequestBody = 3 * 1024 * 1024;  // as kube-apiserver

struct ServerConfig {
  std::string bind_address = "0.0.0.0";  // an IPv4 or IPv6 literal
  int port = 6443;                       // 0 = an ephemeral port (see Server::port())
  std::string cert_pem;                  // serving certificate chain
  std::string key_pem;
  // PEM CA bundle for client certificates; empty = client certificates are not asked for.
  std::string client_ca_pem;
  // Static tokens; null = bearer tokens are not accepted.
  std::shared_ptr<const TokenAuthenticator> tokens;
  size_t max_request_body = kDefaultMaxRequestBody;
  size_t max_header_bytes = 64 * 1024;
  // A connection waiting this long for the next request is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(90);
  // Limit for the TLS handshake, reading one request and writing one complete response.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(60);
  // A stream whose client lets more than this pile up unread is closed (a slow watcher).
  size_t max_stream_buffer = 16 * 1024 * 1024;
  // Called on the connection thread once each reply's head has been handed to the transport
  // (a keep-alive reply may still be on its way), with the authenticated request (user empty
  // when refused) and the status sent; for access logs. Must not block.
  std::function<void(const Request&, int status)> on_request;
};

class Server {
 public:
  Server(ServerConfig config, std::shared_ptr<const Router> router);
  ~Server();  // shutdown() with a short grace period when still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the TLS material, binds and listens, starts the acceptor thread. EINVAL for bad
  // PEM or a bad address; the errno of bind/listen otherwise.
  Status start();
  // The bound port (useful with port 0). Valid after start().
  int port() const { return port_; }
  // Graceful shutdown: stop accepting; idle connections are closed; requests being handled
  // finish and get their response (with "Connection: close"); streams are ended cleanly
  // (terminating chunk, their sinks report closed). Waits up to `grace` for connections to
  // finish, then cuts the rest. Idempotent.
  void shutdown(std::chrono::milliseconds grace = std::chrono::seconds(30));
  // Connections currently open (tests).
  size_t openConnections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace orch::apiserver
