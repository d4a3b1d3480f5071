#include "tls_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

namespace orch::bench {

unsigned eventLoopCount() {
  return std::max(1u, std::thread::hardware_concurrency());
}

std::string sslError(const std::string& what) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return what + ": " + (e != 0 ? buf : std::strerror(errno));
}

TlsConnection::~TlsConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
}

Status TlsConnection::writeAll(std::string_view data) {
  while (!data.empty()) {
    int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_, n);
    if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
      return Status::error(EPROTO, sslError("send"));
    }
    pollfd p{.fd = fd_.get(),
             .events = static_cast<short>(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN)};
    if (::poll(&p, 1, 30000) <= 0) return Status::error(ETIMEDOUT, "send: the socket stays full");
  }
  return Status::ok();
}

bool TlsConnection::readSome() {
  auto buf = in_.prepare(16384);
  int n = SSL_read(ssl_, buf.data(), static_cast<int>(buf.size()));
  if (n > 0) {
    in_.commit(static_cast<size_t>(n));
    return true;
  }
  return SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ;
}

Status TlsConnection::makeNonBlocking() {
  int flags = fcntl(fd_.get(), F_GETFL);
  if (fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) != 0) return Status::fromErrno("fcntl");
  return Status::ok();
}

Result<std::unique_ptr<TlsDialer>> TlsDialer::create(const client::RestConfig& config) {
  ORCH_ASSIGN_OR_RETURN(auto ep, client::serverEndpoint(config));
  if (!ep->tls) return Status::invalid("server " + config.server + ": event loops need https");
  std::unique_ptr<TlsDialer> d(new TlsDialer(std::move(ep)));
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(d->ep_->host.c_str(), d->ep_->port.c_str(), &hints, &res);
  if (rc != 0)
    return Status::error(EHOSTUNREACH, "resolve " + d->ep_->host + ": " + gai_strerror(rc));
  std::memcpy(&d->addr_, res->ai_addr, res->ai_addrlen);
  d->addr_len_ = res->ai_addrlen;
  d->family_ = res->ai_family;
  freeaddrinfo(res);
  return d;
}

Result<std::unique_ptr<TlsConnection>> TlsDialer::dial() const {
  auto c = std::make_unique<TlsConnection>();
  c->fd_ = UniqueFd(socket(family_, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (c->fd_.get() < 0) return Status::fromErrno("socket");
  // The blocking setup cannot hang on a server that stops answering.
  timeval limit{.tv_sec = 30, .tv_usec = 0};
  setsockopt(c->fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  setsockopt(c->fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  if (connect(c->fd_.get(), reinterpret_cast<const sockaddr*>(&addr_), addr_len_) != 0) {
    return Status::fromErrno("connect to " + ep_->host_header);
  }
  c->ssl_ = SSL_new(ep_->ssl_ctx->native_handle());
  if (c->ssl_ == nullptr) return Status::error(EPROTO, sslError("SSL_new"));
  ep_->prepareTls(c->ssl_);
  SSL_set_read_ahead(c->ssl_, 1);
  SSL_set_fd(c->ssl_, c->fd_.get());
  if (SSL_connect(c->ssl_) != 1) return Status::error(EPROTO, sslError("TLS handshake"));
  return c;
}

}  // namespace orch::bench
