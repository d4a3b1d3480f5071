#pragma once
// The server of a RestConfig in the form every connection to it needs, worked out once: host,
// port and path prefix from its URL, the Authorization header value, and for https the TLS
// client context (trusted CAs, client certificate) and the name its certificate must carry.

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/base/status.h"
#include "common/client/rest_config.h"

namespace orch::client {

struct ServerEndpoint {
  bool tls = false;
  std::string host;  // without brackets
  std::string port;
  std::string prefix;       // path prefix of the server URL, without trailing '/'
  std::string host_header;  // host[:port] as sent in Host
  std::string auth;         // Authorization header value, or ""
  std::string verify_name;  // name checked against the server certificate (and sent as SNI)
  std::unique_ptr<boost::asio::ssl::context> ssl_ctx;  // tls only

  // Before a new connection's handshake: SNI (for a DNS name) and the name or IP address the
  // server's certificate is checked against.
  void prepareTls(SSL* ssl) const;
};

// Errors name the server URL and what is wrong with it or with the TLS credentials.
Result<std::unique_ptr<ServerEndpoint>> serverEndpoint(const RestConfig& config);

}  // namespace orch::client
