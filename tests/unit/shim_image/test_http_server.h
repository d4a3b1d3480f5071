#pragma once
// A tiny HTTP/1.1 server for tests on Boost.Beast: listens on 127.0.0.1 (port 0 = any
// free one), optionally over TLS, one thread per connection, and answers every request
// through a handler. Stopped and joined on destruction.

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace orch::testing {

struct TestRequest {
  std::string method;
  std::string target;  // path and query
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  std::string path() const { return target.substr(0, target.find('?')); }
  // The value of query parameter `name` (percent-decoded), or "".
  std::string query(const std::string& name) const;
};

struct TestResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

using TestHandler = std::function<TestResponse(const TestRequest&)>;

class TestHttpServer {
 public:
  // `cert_pem` / `key_pem` non-empty: HTTPS.
  explicit TestHttpServer(TestHandler handler, std::string cert_pem = "", std::string key_pem = "");
  ~TestHttpServer();
  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  int port() const;
  // "http://127.0.0.1:<port>" (or https).
  std::string url() const;
  // "127.0.0.1:<port>"
  std::string hostPort() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Percent-decoding of a query value ('+' is a space).
std::string urlDecode(const std::string& s);

}  // namespace orch::testing
