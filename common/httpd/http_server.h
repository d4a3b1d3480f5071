#pragma once
// A small HTTP/1.1 server on Boost.Beast for the agent's and the proxy's endpoints: plain HTTP or
// HTTPS (optionally asking for client certificates, which are checked against a CA but never make
// the handshake fail; the handler sees whether one was verified), keep-alive, and chunked
// streaming responses that notice when the client goes away.
//
// Threads: one acceptor thread and one thread per connection. The handler runs on the
// connection's thread and may block (a followed log streams for as long as the client
// stays); everything it needs to talk to the client is on the ResponseWriter, which belongs
// to that thread only. start()/shutdown() are called from one owning thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"

namespace orch::httpd {

struct HttpServerConfig {
  std::string bind_address = "0.0.0.0";  // an IPv4 or IPv6 literal
  int port = 0;                          // 0 = an ephemeral port (see HttpServer::port())
  bool tls = false;
  std::string cert_pem, key_pem;  // serving certificate (chain) and key, with tls
  // PEM CA bundle: with tls, client certificates are asked for and verified against it.
  std::string client_ca_pem;
  // A connection waiting this long for its next request is closed.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(90);
  // Limit for the TLS handshake, reading a request, and writing a response or one chunk.
  std::chrono::milliseconds io_timeout = std::chrono::seconds(60);
  size_t max_header_bytes = 64 * 1024;
  size_t max_request_body = 1024 * 1024;
};

struct ServerRequest {
  std::string method;  // "GET", ...
  std::string target;  // as sent: path + "?" + query
  std::string path;    // percent-decoded, without the query
  // Percent-decoded query parameters ('+' as space); repeated keys keep every value.
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string remote_address;                  // "ip:port"
  // With a client CA: whether the client presented a certificate that verified, and its
  // subject CN.
  bool client_cert_verified = false;
  std::string client_cert_cn;

  // The first value of query parameter `key`.
  std::optional<std::string> queryParam(const std::string& key) const;
};

// How a handler answers. Either send() once, or beginStream(), write() any number of
// times and end(). A handler that does neither gets a 500.
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  // A complete response. False when it could not be written (the client is gone).
  virtual bool send(int status, std::string content_type, std::string body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) = 0;
  // Writes the head of a chunked response (the connection closes after it).
  virtual bool beginStream(int status, std::string content_type) = 0;
  // One chunk. False once the client went away (or the server shuts down); a chunk that the
  // client does not take within io_timeout also ends the stream.
  virtual bool write(std::string_view data) = 0;
  // The terminating chunk.
  virtual void end() = 0;
  // For a handler that waits for data to stream: returns after `d` (real time), or sooner
  // when the client goes away or the server shuts down; false in those cases.
  virtual bool waitConnected(std::chrono::milliseconds d) = 0;
};

using HttpHandler = std::function<void(const ServerRequest&, ResponseWriter&)>;

class HttpServer {
 public:
  HttpServer(HttpServerConfig config, HttpHandler handler);
  ~HttpServer();  // shutdown()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Loads the TLS material, binds and listens, starts the acceptor thread. EINVAL for bad
  // PEM or a bad address; the errno of bind/listen otherwise.
  Status start();
  // The bound port (valid after start()).
  int port() const { return port_; }
  // Stops accepting, cuts every open connection (streams end at once) and waits for the
  // connection threads. Idempotent.
  void shutdown();
  // Connections open now (tests: a client that went away is noticed).
  size_t openConnections() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace orch::httpd
