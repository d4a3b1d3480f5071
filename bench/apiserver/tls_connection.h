#pragma once
// The connections of the benchmark's event-loop clients (watch readers, request load): set up
// blocking (TCP connect, TLS handshake), then read non-blocking by an epoll loop through
// OpenSSL directly on the socket, with read-ahead on (one recv per TLS record). No Asio
// operation, handler or thread per connection: the least a client can cost on the CPUs it
// shares with the server.

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/base/unique_fd.h"
#include "common/client/server_endpoint.h"

namespace orch::bench {

// How many epoll loops the event-loop clients run: one per CPU of this machine, which the
// server shares.
unsigned eventLoopCount();

// What went wrong, from OpenSSL's error queue (or errno), after `what`.
std::string sslError(const std::string& what);

class TlsConnection {
 public:
  ~TlsConnection();

  int fd() const { return fd_.get(); }
  // Bytes read and not yet consumed by the caller.
  boost::beast::flat_buffer& in() { return in_; }

  // Writes all of `data` (waiting for the socket while it is full).
  Status writeAll(std::string_view data);
  // One SSL_read into in(); false on end or error (nothing to read yet on a non-blocking
  // socket: true).
  bool readSome();
  // Whether OpenSSL holds decrypted bytes that epoll cannot report.
  bool pending() const { return SSL_has_pending(ssl_) == 1; }
  Status makeNonBlocking();

 private:
  friend class TlsDialer;
  UniqueFd fd_;
  SSL* ssl_ = nullptr;
  boost::beast::flat_buffer in_;
};

// Feeds `parser` the bytes in `in` until its message is done or it needs more; returns its
// error, if any other.
template <class Parser>
boost::beast::error_code feed(boost::beast::flat_buffer& in, Parser& parser) {
  while (in.size() > 0 && !parser.is_done()) {
    boost::beast::error_code ec;
    const size_t used = parser.put(in.data(), ec);
    in.consume(used);
    if (ec == boost::beast::http::error::need_more) break;
    if (ec) return ec;
    if (used == 0) break;
  }
  return {};
}

// Opens connections to one server: its address is resolved once.
class TlsDialer {
 public:
  static Result<std::unique_ptr<TlsDialer>> create(const client::RestConfig& config);

  const client::ServerEndpoint& endpoint() const { return *ep_; }
  // Blocking TCP connect and TLS handshake (each bounded by 30 s).
  Result<std::unique_ptr<TlsConnection>> dial() const;

 private:
  explicit TlsDialer(std::unique_ptr<client::ServerEndpoint> ep) : ep_(std::move(ep)) {}

  std::unique_ptr<client::ServerEndpoint> ep_;
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  int family_ = AF_INET;
};

}  // namespace orch::bench
