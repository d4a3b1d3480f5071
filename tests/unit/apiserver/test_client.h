#pragma once
// A small blocking HTTPS client for the apiserver tests (Beast over OpenSSL): TLS with a CA
// and an optional client certificate, keep-alive requests, and incremental reads of a
// chunked response. Not thread-safe; one object per connection.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/base/status.h"

namespace orch::apiserver::testing {

struct ClientCreds {
  std::string ca_pem;    // trusted server CA
  std::string cert_pem;  // client certificate (optional)
  std::string key_pem;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool keep_alive = false;
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port and completes the TLS handshake (verifying the server name
  // "127.0.0.1" against `creds.ca_pem`). An error when the handshake fails.
  static Result<std::unique_ptr<TestClient>> connect(int port, const ClientCreds& creds);
  ~TestClient();

  // Sends one request and reads the whole response.
  Result<HttpResult> request(const std::string& method, const std::string& target,
                             const std::map<std::string, std::string>& headers = {},
                             const std::string& body = "");
  // Sends only a request head (with whatever Content-Length the headers say).
  Status sendHead(const std::string& method, const std::string& target,
                  const std::map<std::string, std::string>& headers);
  // Writes raw bytes (a request body in pieces).
  Status writeRaw(const std::string& data);
  // Streaming: sends a GET and reads the response head.
  Result<HttpResult> startStream(const std::string& target,
                                 const std::map<std::string, std::string>& headers = {});
  // Reads until at least one more byte of the streamed body arrived; returns what arrived, or
  // nullopt when the body ended cleanly (terminating chunk). An error when the connection
  // broke.
  Result<std::optional<std::string>> readStream();
  // Reads a response to a request sent with sendHead().
  Result<HttpResult> readResponse();
  // True when the server closed the connection (a read gets EOF or an error).
  bool serverClosed();
  // Closes the TCP connection abruptly (no TLS close_notify).
  void abort();

 private:
  TestClient();
  boost::asio::io_context ioc_;
  boost::asio::ssl::context ctx_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<boost::beast::ssl_stream<boost::asio::ip::tcp::socket>> stream_;
  boost::beast::flat_buffer buffer_;
  std::unique_ptr<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
};

}  // namespace orch::apiserver::testing
