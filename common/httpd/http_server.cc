#include "common/httpd/http_server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <condition_variable>
#include <list>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>

#include "common/httpd/listen.h"
#include "common/httpd/url_query.h"
#include "common/pki/tls_server.h"

namespace orch::httpd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

std::optional<std::string> ServerRequest::queryParam(const std::string& key) const {
  auto it = query.find(key);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

namespace {

std::string lower(beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

struct ServerShared {
  HttpServerConfig config;
  HttpHandler handler;
  ssl::context ssl{ssl::context::tls_server};
  std::atomic<bool> stopping{false};
};

namespace {

// One connection, on its own thread and io_context. Every operation is asynchronous with a
// deadline on the lowest layer, and waited for by running the io_context.
template <class Stream>
class Connection final : public ResponseWriter {
 public:
  Connection(ServerShared& shared, net::io_context& ioc, Stream& stream, std::string remote)
      : s_(shared), ioc_(ioc), stream_(stream), remote_(std::move(remote)) {}

  bool handshake() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(s_.config.io_timeout);
      error_code ec =
          await([&](auto h) { stream_.async_handshake(ssl::stream_base::server, std::move(h)); });
      if (ec) return false;
      if (!s_.config.client_ca_pem.empty()) {
        SSL* ssl = stream_.native_handle();
        X509* peer = SSL_get0_peer_certificate(ssl);
        if (peer != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
          cert_verified_ = true;
          char cn[256] = {0};
          int n = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn,
                                            sizeof(cn));
          if (n > 0) cert_cn_.assign(cn, static_cast<size_t>(n));
        }
      }
    }
    return true;
  }

  void serve() {
    while (!s_.stopping && serveOne()) {
    }
  }

  void close() {
    auto& sock = beast::get_lowest_layer(stream_).socket();
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      if (sock.is_open() && !peer_gone_ && !streaming_ && !s_.stopping) {
        beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(500));
        (void)await([&](auto h) { stream_.async_shutdown(std::move(h)); });
      }
    }
    error_code ec;
    sock.shutdown(tcp::socket::shutdown_both, ec);
    sock.close(ec);
    // Let a pending disconnect watch finish: its handler references this object.
    while (reading_) {
      if (ioc_.run_one() == 0) ioc_.restart();
    }
  }

  // ResponseWriter.
  bool send(int status, std::string content_type, std::string body,
            std::vector<std::pair<std::string, std::string>> headers) override {
    if (responded_) return false;
    responded_ = true;
    http::response<http::string_body> res{static_cast<http::status>(status), version_};
    res.set(http::field::content_type, content_type);
    for (const auto& [name, value] : headers) res.set(name, value);
    res.keep_alive(keep_alive_ && !s_.stopping);
    res.body() = std::move(body);
    res.prepare_payload();
    keep_alive_ = res.keep_alive();
    beast::get_lowest_layer(stream_).expires_after(s_.config.io_timeout);
    error_code ec = await([&](auto h) { http::async_write(stream_, res, std::move(h)); });
    if (ec) {
      peer_gone_ = true;
      keep_alive_ = false;
    }
    return !ec;
  }

  bool beginStream(int status, std::string content_type) override {
    if (responded_) return false;
    responded_ = streaming_ = true;
    keep_alive_ = false;
    http::response<http::empty_body> head{static_cast<http::status>(status), version_};
    head.set(http::field::content_type, content_type);
    head.keep_alive(false);
    head.chunked(true);
    http::response_serializer<http::empty_body> sr{head};
    beast::get_lowest_layer(stream_).expires_after(s_.config.io_timeout);
    error_code ec = await([&](auto h) { http::async_write_header(stream_, sr, std::move(h)); });
    beast::get_lowest_layer(stream_).expires_never();
    if (ec) {
      peer_gone_ = true;
      return false;
    }
    // The client sends nothing while it reads a stream: a read that completes with an error
    // means it went away (FIN or RST), which is noticed at once rather than on a write.
    watchPeer();
    return true;
  }

  bool write(std::string_view data) override {
    if (!streaming_ || ended_ || peer_gone_ || s_.stopping) return false;
    if (data.empty()) return true;  // an empty chunk would end the body
    beast::get_lowest_layer(stream_).expires_after(s_.config.io_timeout);
    error_code ec = await([&](auto h) {
      net::async_write(stream_, http::make_chunk(net::buffer(data.data(), data.size())),
                       std::move(h));
    });
    if (ec) peer_gone_ = true;
    return !peer_gone_ && !s_.stopping;
  }

  void end() override {
    if (!streaming_ || ended_) return;
    ended_ = true;
    if (peer_gone_) return;
    beast::get_lowest_layer(stream_).expires_after(s_.config.io_timeout);
    error_code ec =
        await([&](auto h) { net::async_write(stream_, http::make_chunk_last(), std::move(h)); });
    if (ec) peer_gone_ = true;
  }

  bool waitConnected(std::chrono::milliseconds d) override {
    if (peer_gone_ || s_.stopping) return false;
    if (!reading_) watchPeer();
    ioc_.restart();
    // Returns early only when the watch ends (the client went away): no work is left then.
    ioc_.run_for(d);
    ioc_.restart();
    return !peer_gone_ && !s_.stopping;
  }

 private:
  template <class StartOp>
  error_code await(StartOp&& start) {
    std::optional<error_code> result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    while (!result) {
      if (ioc_.run_one() == 0) ioc_.restart();
    }
    return *result;
  }

  void watchPeer() {
    reading_ = true;
    stream_.async_read_some(net::buffer(scratch_), [this](error_code ec, size_t) {
      reading_ = false;
      if (ec) {
        peer_gone_ = true;
        return;
      }
      if (!peer_gone_) watchPeer();  // bytes from the client while streaming are ignored
    });
  }

  bool serveOne() {
    const HttpServerConfig& cfg = s_.config;
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
    parser.body_limit(cfg.max_request_body);
    beast::get_lowest_layer(stream_).expires_after(cfg.idle_timeout);
    error_code ec =
        await([&](auto h) { http::async_read_header(stream_, buffer_, parser, std::move(h)); });
    if (ec) return false;
    version_ = parser.get().version();
    beast::get_lowest_layer(stream_).expires_after(cfg.io_timeout);
    if (!parser.is_done()) {
      ec = await([&](auto h) { http::async_read(stream_, buffer_, parser, std::move(h)); });
    }
    responded_ = streaming_ = ended_ = false;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      send(413, "text/plain; charset=utf-8", "request body too large\n", {});
      return false;
    }
    if (ec) return false;
    const auto& msg = parser.get();
    keep_alive_ = msg.keep_alive();

    ServerRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    size_t q = req.target.find('?');
    req.path = percentDecode(std::string_view(req.target).substr(0, q));
    if (q != std::string::npos) req.query = parseQuery(std::string_view(req.target).substr(q + 1));
    for (const auto& field : msg) {
      auto [it, inserted] = req.headers.emplace(lower(field.name_string()), field.value());
      if (!inserted) it->second += ", " + std::string(field.value());
    }
    req.remote_address = remote_;
    req.client_cert_verified = cert_verified_;
    req.client_cert_cn = cert_cn_;
    try {
      s_.handler(req, *this);
    } catch (const std::exception& e) {
      if (!responded_) send(500, "text/plain; charset=utf-8", std::string(e.what()) + "\n", {});
    }
    if (!responded_) send(500, "text/plain; charset=utf-8", "no response\n", {});
    if (streaming_) {
      end();
      return false;
    }
    return keep_alive_ && !peer_gone_;
  }

  ServerShared& s_;
  net::io_context& ioc_;
  Stream& stream_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::array<char, 512> scratch_{};
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool responded_ = false, streaming_ = false, ended_ = false;
  bool reading_ = false, peer_gone_ = false;
  bool cert_verified_ = false;
  std::string cert_cn_;
};

Status configureTls(ServerShared& s) {
  const HttpServerConfig& c = s.config;
  return pki::configureServerTls(s.ssl, c.cert_pem, c.key_pem, c.client_ca_pem);
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  struct Entry {
    int fd = -1;  // -1 once the connection closes its socket
    std::thread thread;
    bool finished = false;
  };

  std::shared_ptr<ServerShared> shared;
  net::io_context accept_ioc;
  tcp::acceptor acceptor{accept_ioc};
  std::thread accept_thread;
  mutable std::mutex mu;
  std::list<Entry> conns;
  bool stopped = false;
  bool started = false;

  void acceptNext();
  void serveConnection(Entry* entry, std::shared_ptr<net::io_context> ioc, tcp::socket sock);
};

void HttpServer::Impl::serveConnection(Entry* entry, std::shared_ptr<net::io_context> ioc,
                                       tcp::socket sock) {
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  std::string remote =
      ec ? std::string() : ep.address().to_string() + ":" + std::to_string(ep.port());
  auto markClosing = [&] {
    // The socket is about to be closed: shutdown() must not touch its number any more.
    std::lock_guard l(mu);
    entry->fd = -1;
  };
  if (shared->config.tls) {
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(sock)), shared->ssl);
    Connection<beast::ssl_stream<beast::tcp_stream>> c(*shared, *ioc, stream, remote);
    if (c.handshake()) c.serve();
    markClosing();
    c.close();
  } else {
    beast::tcp_stream stream(std::move(sock));
    Connection<beast::tcp_stream> c(*shared, *ioc, stream, remote);
    c.serve();
    markClosing();
    c.close();
  }
}

void HttpServer::Impl::acceptNext() {
  auto ioc = std::make_shared<net::io_context>(1);
  acceptor.async_accept(*ioc, [self = shared_from_this(), ioc](error_code ec, tcp::socket sock) {
    if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
    if (ec) {
      // EMFILE and the like pass: retry after a pause rather than spin.
      auto timer =
          std::make_shared<net::steady_timer>(self->accept_ioc, std::chrono::milliseconds(100));
      timer->async_wait([self, timer](error_code) {
        if (self->acceptor.is_open()) self->acceptNext();
      });
      return;
    }
    error_code opt_ec;
    sock.set_option(tcp::no_delay(true), opt_ec);
    std::vector<std::thread> finished;
    {
      std::lock_guard l(self->mu);
      for (auto it = self->conns.begin(); it != self->conns.end();) {
        if (it->finished) {
          finished.push_back(std::move(it->thread));
          it = self->conns.erase(it);
        } else {
          ++it;
        }
      }
      if (!self->stopped) {
        self->conns.push_back(Entry{sock.native_handle(), {}, false});
        Entry* entry = &self->conns.back();
        try {
          entry->thread = std::thread([self, entry, ioc, s = std::move(sock)]() mutable {
            self->serveConnection(entry, ioc, std::move(s));
            std::lock_guard l(self->mu);
            entry->finished = true;
          });
        } catch (const std::system_error&) {
          self->conns.pop_back();  // no thread for it: the socket closes with `sock`
        }
      }
    }
    for (auto& t : finished) t.join();
    self->acceptNext();
  });
}

HttpServer::HttpServer(HttpServerConfig config, HttpHandler handler)
    : impl_(std::make_shared<Impl>()) {
  impl_->shared = std::make_shared<ServerShared>();
  impl_->shared->config = std::move(config);
  impl_->shared->handler = std::move(handler);
}

HttpServer::~HttpServer() {
  shutdown();
}

Status HttpServer::start() {
  ServerShared& s = *impl_->shared;
  if (s.config.tls) ORCH_RETURN_IF_ERROR(configureTls(s));
  tcp::acceptor& a = impl_->acceptor;
  ORCH_RETURN_IF_ERROR(listenOn(a, s.config.bind_address, s.config.port));
  error_code ec;
  port_ = a.local_endpoint(ec).port();
  impl_->started = true;
  impl_->acceptNext();
  impl_->accept_thread = std::thread([impl = impl_] { impl->accept_ioc.run(); });
  return Status::ok();
}

void HttpServer::shutdown() {
  if (!impl_ || !impl_->started) return;
  {
    std::lock_guard l(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  impl_->shared->stopping = true;
  net::post(impl_->accept_ioc, [impl = impl_] {
    error_code ec;
    impl->acceptor.close(ec);
  });
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
  std::list<Impl::Entry> conns;
  {
    std::lock_guard l(impl_->mu);
    // Cut every connection: pending reads and writes fail, streams notice at once.
    for (auto& e : impl_->conns) {
      if (e.fd >= 0) ::shutdown(e.fd, SHUT_RDWR);
    }
    conns.swap(impl_->conns);
  }
  for (auto& e : conns) e.thread.join();
}

size_t HttpServer::openConnections() const {
  std::lock_guard l(impl_->mu);
  size_t n = 0;
  for (const auto& e : impl_->conns) n += e.finished ? 0 : 1;
  return n;
}

}  // namespace orch::httpd
