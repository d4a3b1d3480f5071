#pragma once
// Local servers for probe tests, on 127.0.0.1 with an ephemeral port:
// - ProbeHttpServer: HTTP/1.1 (or HTTPS with a self-signed certificate) on Boost.Beast, one
//   thread per connection; answers through a handler and records every request;
// - a handler may block until release() (for timeouts); the destructor releases and joins.

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace orch::agent::probe_test {

struct SeenRequest {
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names; repeated ones joined by ", "
};

struct CannedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  bool hang = false;  // never answer (until release() or destruction)
};

class ProbeHttpServer {
 public:
  using Handler = std::function<CannedResponse(const SeenRequest&)>;
  // TLS when `tls` (a self-signed certificate for 127.0.0.1).
  explicit ProbeHttpServer(Handler handler, bool tls = false);
  ~ProbeHttpServer();
  ProbeHttpServer(const ProbeHttpServer&) = delete;
  ProbeHttpServer& operator=(const ProbeHttpServer&) = delete;

  int port() const { return port_; }
  std::vector<SeenRequest> requests() const;
  // Lets hanging handlers go on (they then close the connection without answering).
  void release();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace orch::agent::probe_test
