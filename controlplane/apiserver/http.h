#pragma once
// The request/response model of orch-apiserver's HTTP layer, independent of Beast: what a
// handler sees (an authenticated, parsed request) and what it returns (a complete response
// or a chunked stream fed from any thread).

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/httpd/url_query.h"

namespace orch::apiserver {

// Who made a request, as the authenticators found it (x509 CN/O or a static token).
struct UserInfo {
  std::string name;
  std::string uid;
  std::vector<std::string> groups;  // always includes "system:authenticated"
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path + "?" + query
  std::string path;    // percent-decoded path without the query
  // Percent-decoded query parameters; a repeated key keeps every value in order.
  std::multimap<std::string, std::string> query;
  // Header names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
  UserInfo user;
  // Values of the route's {param} segments, by name.
  std::map<std::string, std::string> params;
  std::string remote_address;  // "ip:port" of the client

  // The first value of query parameter `key`, if present.
  std::optional<std::string> queryParam(const std::string& key) const;
  // The header `name` (any case), or "" when absent.
  std::string header(const std::string& name) const;
  // The route parameter `name`, or "" when the route has none.
  std::string param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Text several streams send unchanged (a watch event line for all the watchers of a
// resource): queued and written without a copy per stream.
using SharedText = std::shared_ptr<const std::string>;

// The writing end of a streaming (chunked) response. Thread-safe: producers call it from any
// thread. The connection owns the network side; a producer may keep the sink after the
// connection is gone — every call then just reports closed.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  // Queues `data` (not null) to be written. Returns false (and drops the data) once the stream
  // is closed: the client went away, the server is shutting down, end() was called, or the
  // client reads so slowly that more than the buffer limit is queued (the stream is then
  // closed).
  virtual bool write(SharedText data) = 0;
  bool write(std::string data) {
    return write(std::make_shared<const std::string>(std::move(data)));
  }
  // Ends the response cleanly (terminating chunk); later writes return false.
  virtual void end() = 0;
  virtual bool closed() const = 0;
  // Registers `fn` to run exactly once when the stream is over for any reason (ended by
  // end() and flushed, client disconnect, server shutdown, write error), on the thread that
  // writes the stream (a server io thread). If the stream is already over, `fn` runs at once
  // on the calling thread. `fn` must not block.
  virtual void onClose(std::function<void()> fn) = 0;
};

// A response whose body is produced over time: the head (status, content type, chunked) is
// written, then start(sink) is called on the connection thread; it must return promptly,
// typically after handing the sink to a producer. The connection is closed when the stream
// ends (the head says "Connection: close").
struct StreamResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::function<void(std::shared_ptr<StreamSink>)> start;
};

using Reply = std::variant<Response, StreamResponse>;
// Handlers run on the connection's thread and may block (storage calls); they must not throw.
using Handler = std::function<Reply(const Request&)>;

// A JSON response with `status`.
Response jsonResponse(int status, std::string body);
// A plain-text response ("ok" of /healthz).
Response textResponse(int status, std::string body);
// An error as the apiserver sends it: a metav1.Status body (kind Status, status Failure,
// reason, message, code = the HTTP status).
Response errorResponse(int status, const std::string& reason, const std::string& message);

// Path and query decoding as every orch HTTP server does it.
using httpd::parseQuery;
using httpd::percentDecode;

}  // namespace orch::apiserver
