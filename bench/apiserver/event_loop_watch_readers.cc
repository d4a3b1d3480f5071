// WatchReaders on event loops: the streams are connected one after the other (blocking TCP
// connect, TLS handshake, request, response head), then shared among one epoll loop per CPU.
// Each loop reads its ready sockets through OpenSSL directly on the socket (read-ahead on: one
// recv per TLS record) and feeds the bytes to Beast's HTTP parser, whose chunk-body callback
// hands the data on. No per-read operation objects, handlers or wake-ups: the least a reader
// can cost on the CPUs it shares with the server.

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"
#include "common/client/server_endpoint.h"
#include "watch_readers.h"

namespace orch::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

// Loops: as many as this machine's CPUs, which the server shares.
const unsigned kLoops = std::max(1u, std::thread::hardware_concurrency());

std::string sslError(const std::string& what) {
  char buf[256] = "";
  unsigned long e = ERR_get_error();
  if (e != 0) ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return what + ": " + (e != 0 ? buf : std::strerror(errno));
}

using ChunkCallback = std::function<size_t(std::uint64_t, beast::string_view, beast::error_code&)>;

struct Stream {
  int index = 0;
  UniqueFd fd;
  SSL* ssl = nullptr;
  beast::flat_buffer in;  // bytes read but not yet parsed
  http::response_parser<http::string_body> parser;
  ChunkCallback on_chunk;  // the parser keeps a reference
  bool open = true;

  ~Stream() {
    if (ssl != nullptr) SSL_free(ssl);
  }
};

class LoopWatchReaders final : public WatchReaders {
 public:
  LoopWatchReaders(std::unique_ptr<client::ServerEndpoint> ep, OnData on_data, OnEnd on_end)
      : ep_(std::move(ep)), on_data_(std::move(on_data)), on_end_(std::move(on_end)) {}

  ~LoopWatchReaders() override {
    uint64_t one = 1;
    if (stop_.get() >= 0) (void)::write(stop_.get(), &one, sizeof(one));
    for (auto& t : threads_) t.join();
  }

  Status start(const client::RestConfig& config, const std::string& target, int count) {
    ORCH_RETURN_IF_ERROR(resolve());
    http::request<http::empty_body> req{http::verb::get, ep_->prefix + target, 11};
    req.set(http::field::host, ep_->host_header);
    req.set(http::field::user_agent, config.userAgent);
    req.set(http::field::accept, "application/json");
    if (!ep_->auth.empty()) req.set(http::field::authorization, ep_->auth);
    std::ostringstream head;
    head << req;
    request_ = head.str();
    for (int i = 0; i < count; ++i) {
      streams_.push_back(std::make_unique<Stream>());
      ORCH_RETURN_IF_ERROR(
          open(*streams_.back(), i).withContext("watch stream " + std::to_string(i)));
    }
    // What arrived with the response heads, before the loops watch the sockets.
    for (auto& st : streams_) drain(*st);
    stop_ = UniqueFd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (stop_.get() < 0) return Status::fromErrno("eventfd");
    for (unsigned l = 0; l < kLoops; ++l) {
      UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
      if (ep.get() < 0) return Status::fromErrno("epoll_create1");
      ORCH_RETURN_IF_ERROR(watch(ep.get(), stop_.get(), -1));
      for (size_t i = l; i < streams_.size(); i += kLoops) {
        ORCH_RETURN_IF_ERROR(watch(ep.get(), streams_[i]->fd.get(), static_cast<int>(i)));
      }
      threads_.emplace_back([this, e = std::move(ep)] { loop(e.get()); });
    }
    return Status::ok();
  }

 private:
  Status resolve() {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(ep_->host.c_str(), ep_->port.c_str(), &hints, &res);
    if (rc != 0)
      return Status::error(EHOSTUNREACH, "resolve " + ep_->host + ": " + gai_strerror(rc));
    std::memcpy(&addr_, res->ai_addr, res->ai_addrlen);
    addr_len_ = res->ai_addrlen;
    family_ = res->ai_family;
    freeaddrinfo(res);
    return Status::ok();
  }

  static Status watch(int epoll_fd, int fd, int index) {
    epoll_event ev{};
    ev.events = EPOLLIN;  // level-triggered: one read per wake-up is enough
    ev.data.u64 = static_cast<uint64_t>(static_cast<int64_t>(index));
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) return Status::fromErrno("epoll_ctl");
    return Status::ok();
  }

  // Blocking: connect, handshake, request, response head; then the socket turns non-blocking.
  Status open(Stream& s, int index) {
    s.index = index;
    s.fd = UniqueFd(socket(family_, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.fd.get() < 0) return Status::fromErrno("socket");
    // The blocking setup cannot hang on a server that stops answering.
    timeval limit{.tv_sec = 30, .tv_usec = 0};
    setsockopt(s.fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    setsockopt(s.fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    if (connect(s.fd.get(), reinterpret_cast<sockaddr*>(&addr_), addr_len_) != 0) {
      return Status::fromErrno("connect to " + ep_->host_header);
    }
    s.ssl = SSL_new(ep_->ssl_ctx->native_handle());
    if (s.ssl == nullptr) return Status::error(EPROTO, sslError("SSL_new"));
    ep_->prepareTls(s.ssl);
    SSL_set_read_ahead(s.ssl, 1);
    SSL_set_fd(s.ssl, s.fd.get());
    if (SSL_connect(s.ssl) != 1) return Status::error(EPROTO, sslError("TLS handshake"));
    if (SSL_write(s.ssl, request_.data(), static_cast<int>(request_.size())) <= 0) {
      return Status::error(EPROTO, sslError("send request"));
    }
    s.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    s.on_chunk = [this, &s](std::uint64_t, beast::string_view body, beast::error_code&) {
      on_data_(s.index, std::string_view(body.data(), body.size()));
      return body.size();
    };
    s.parser.on_chunk_body(s.on_chunk);
    while (!s.parser.is_header_done()) {
      if (!readSome(s)) return Status::error(ECONNRESET, sslError("read response head"));
      beast::error_code ec;
      s.in.consume(s.parser.put(s.in.data(), ec));
      if (ec && ec != http::error::need_more) {
        return Status::error(EPROTO, "response head: " + ec.message());
      }
    }
    if (s.parser.get().result() != http::status::ok) {
      return Status::error(EPROTO, "HTTP " + std::to_string(s.parser.get().result_int()));
    }
    int flags = fcntl(s.fd.get(), F_GETFL);
    if (fcntl(s.fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) return Status::fromErrno("fcntl");
    return Status::ok();
  }

  // One SSL_read into `in`; false on end or error (WANT_READ on a non-blocking socket: true).
  static bool readSome(Stream& s) {
    auto buf = s.in.prepare(16384);
    int n = SSL_read(s.ssl, buf.data(), static_cast<int>(buf.size()));
    if (n > 0) {
      s.in.commit(static_cast<size_t>(n));
      return true;
    }
    return SSL_get_error(s.ssl, n) == SSL_ERROR_WANT_READ;
  }

  // Feeds the parser what has been read (chunk bodies go to on_data); false once the stream
  // is over.
  bool parse(Stream& s) {
    while (s.in.size() > 0 && !s.parser.is_done()) {
      beast::error_code ec;
      size_t used = s.parser.put(s.in.data(), ec);
      s.in.consume(used);
      if (ec == http::error::need_more) break;
      if (ec) {
        end(s, "stream: " + ec.message());
        return false;
      }
      if (used == 0) break;
    }
    if (s.parser.is_done()) {
      end(s, "stream ended");
      return false;
    }
    return true;
  }

  // Reads and parses what the socket has, and what OpenSSL already holds (epoll only reports
  // the socket); false once the stream is over.
  bool drain(Stream& s) {
    bool open = true;
    do {
      if (!readSome(s)) {
        end(s, sslError("stream"));
        open = false;
      } else {
        open = parse(s);
      }
    } while (open && SSL_has_pending(s.ssl));
    return open;
  }

  void end(Stream& s, const std::string& why) {
    if (!s.open) return;
    s.open = false;
    on_end_(s.index, why);
  }

  void loop(int epoll_fd) {
    std::array<epoll_event, 256> events;
    for (;;) {
      int n = epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno == EINTR) continue;
      for (int i = 0; i < n; ++i) {
        const auto index = static_cast<int64_t>(events[static_cast<size_t>(i)].data.u64);
        if (index < 0) return;  // stop
        Stream& s = *streams_[static_cast<size_t>(index)];
        if (!drain(s)) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s.fd.get(), nullptr);
      }
    }
  }

  std::unique_ptr<client::ServerEndpoint> ep_;
  const OnData on_data_;
  const OnEnd on_end_;
  sockaddr_storage addr_{};
  socklen_t addr_len_ = 0;
  int family_ = AF_INET;
  std::string request_;
  std::vector<std::unique_ptr<Stream>> streams_;
  UniqueFd stop_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<WatchReaders>> readWithEventLoops(const client::RestConfig& config,
                                                         const std::string& target, int count,
                                                         WatchReaders::OnData on_data,
                                                         WatchReaders::OnEnd on_end) {
  ORCH_ASSIGN_OR_RETURN(auto ep, client::serverEndpoint(config));
  if (!ep->tls) return Status::invalid("server " + config.server + ": event loops need https");
  auto readers =
      std::make_unique<LoopWatchReaders>(std::move(ep), std::move(on_data), std::move(on_end));
  ORCH_RETURN_IF_ERROR(readers->start(config, target, count));
  return std::unique_ptr<WatchReaders>(std::move(readers));
}

}  // namespace orch::bench
