#pragma once
// An HTTP/1.1 client for the Kubernetes API on Boost.Beast: HTTPS (CA verification, client
// certificates and bearer tokens from a RestConfig) or plain HTTP, keep-alive connections
// kept in a small pool, connect and request timeouts, and streamed responses for watches.
//
// Threads: one HttpClient serves any number of concurrent callers; each call takes its
// own connection (an idle one from the pool or a new one), so calls never wait on each
// other. Every call blocks its caller until done, timed out or cancelled.
// Errors: transport failures are Status errors with the errno of the cause (ECONNREFUSED,
// ETIMEDOUT, ECANCELED, EPROTO for TLS failures, ECONNRESET when the peer closes early).
// An HTTP error status is NOT a Status error here: the response carries it.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/client/canceller.h"
#include "common/client/rest_config.h"

namespace orch::client {

struct HttpRequest {
  std::string method = "GET";
  // Path and query, e.g. "/api/v1/pods?limit=10" (the server's path prefix is added).
  std::string target;
  std::string body;
  std::string contentType;  // sent when non-empty
  std::vector<std::pair<std::string, std::string>> headers;
  // Overrides RestConfig::requestTimeout. For streams: the longest quiet time between
  // two reads (zero: none).
  std::optional<std::chrono::milliseconds> timeout;
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
  // Retry-After as a delay: delta-seconds or an HTTP date (relative to now). nullopt when
  // absent or unparseable.
  std::optional<std::chrono::seconds> retryAfter() const;
};

class HttpConnection;

class HttpClient {
 public:
  struct Options {
    size_t maxIdleConnections = 4;
    // The largest non-streamed response body accepted.
    size_t maxBodyBytes = 512u << 20;
  };

  // Validates the config (server URL, PEM data) and builds the TLS context.
  static Result<std::unique_ptr<HttpClient>> create(const RestConfig& config, Options opts);
  static Result<std::unique_ptr<HttpClient>> create(const RestConfig& config) {
    return create(config, Options{});
  }
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends a request and reads the whole response. A stale pooled connection is retried
  // once on a fresh one.
  Result<HttpResponse> request(const HttpRequest& req, Canceller* cancel = nullptr);

  // Sends a request and streams the body of a 2xx response to `on_data` as bytes arrive
  // (chunked framing removed) until the body ends, `on_data` returns false, or the call
  // is cancelled (ECANCELED). Returns the response head (status, headers; empty body).
  // A non-2xx response is read whole and returned with its body; on_data is not called.
  // A stream that ends abruptly (peer closes mid-body) is ECONNRESET.
  Result<HttpResponse> stream(const HttpRequest& req,
                              const std::function<bool(std::string_view)>& on_data,
                              Canceller* cancel = nullptr);

  const RestConfig& config() const { return config_; }
  // Connections opened since creation (for tests of keep-alive).
  size_t connectionsOpened() const;

  struct Impl;

 private:
  HttpClient(RestConfig config, Options opts);
  std::unique_ptr<HttpConnection> acquire(bool* reused);
  void release(std::unique_ptr<HttpConnection> c);

  RestConfig config_;
  Options opts_;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;
  size_t opened_ = 0;
};

}  // namespace orch::client
