#include "controlplane/apiserver/connection.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <deque>

#include "controlplane/apiserver/stream_sink.h"

namespace orch::apiserver {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;

Connection::Connection(std::shared_ptr<ServerShared> shared, std::shared_ptr<net::io_context> ioc,
                       net::ip::tcp::socket socket)
    : shared_(std::move(shared)),
      ioc_(std::move(ioc)),
      stream_(beast::tcp_stream(std::move(socket)), shared_->ssl) {
  auto& sock = beast::get_lowest_layer(stream_).socket();
  fd_ = sock.native_handle();
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

Connection::~Connection() = default;

// Starts one asynchronous operation and runs the io_context until it completes. Handlers
// posted meanwhile (drain, stream wake-ups) run too.
template <class StartOp>
error_code Connection::await(StartOp&& start) {
  std::optional<error_code> result;
  start([&result](error_code ec, auto&&...) { result = ec; });
  while (!result) {
    if (ioc_->run_one() == 0) ioc_->restart();
  }
  return *result;
}

void Connection::drain() {
  // The flag is read directly by the connection thread when it decides on keep-alive; the
  // posted part acts on an operation in progress.
  drain_requested_ = true;
  net::post(*ioc_, [this] {
    draining_ = true;
    if (state_ == State::kIdle) {
      error_code ec;
      beast::get_lowest_layer(stream_).socket().cancel(ec);
    } else if (state_ == State::kStreaming && sink_) {
      sink_->end();
    }
  });
}

void Connection::cut() {
  // shutdown(2) is safe from any thread and makes every pending operation fail.
  ::shutdown(fd_, SHUT_RDWR);
}

bool Connection::handshake() {
  beast::get_lowest_layer(stream_).expires_after(shared_->config.io_timeout);
  error_code ec =
      await([&](auto h) { stream_.async_handshake(net::ssl::stream_base::server, std::move(h)); });
  if (ec) return false;
  if (!shared_->config.client_ca_pem.empty()) {
    SSL* ssl = stream_.native_handle();
    X509* peer = SSL_get0_peer_certificate(ssl);
    // The handshake accepts any certificate (as upstream's RequestClientCert); only a
    // verified one identifies the user, a bad one leaves the request to other mechanisms.
    if (peer != nullptr && SSL_get_verify_result(ssl) == X509_V_OK) {
      auto user = userFromCertificate(peer);
      if (user.ok()) cert_user_ = std::move(user).value();
    }
  }
  return true;
}

void Connection::run() {
  if (handshake()) {
    while (!drain_requested_ && serveOne()) {
    }
  }
  close(state_ != State::kStreaming);
}

namespace {

std::string lower(boost::beast::string_view s) {
  std::string out(s.data(), s.size());
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

bool Connection::serveOne() {
  const ServerConfig& cfg = shared_->config;
  state_ = State::kIdle;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_request_body);
  beast::get_lowest_layer(stream_).expires_after(cfg.idle_timeout);
  error_code ec =
      await([&](auto h) { http::async_read_header(stream_, buffer_, parser, std::move(h)); });
  state_ = State::kBusy;
  unsigned version = parser.is_header_done() ? parser.get().version() : 11;
  auto too_large = [&] {
    writeResponse(errorResponse(413, "RequestEntityTooLarge",
                                "the request body is larger than the limit of " +
                                    std::to_string(cfg.max_request_body) + " bytes"),
                  version, false);
    discardInput();
    return false;
  };
  // The parser checks a Content-Length against the body limit as soon as the header is in,
  // so an oversized request is refused before any of its body is read.
  if (ec == http::error::body_limit) return too_large();
  if (ec) return false;  // closed, idle timeout, drain, or garbage
  if (auto cl = parser.content_length(); cl && *cl > cfg.max_request_body) return too_large();
  beast::get_lowest_layer(stream_).expires_after(cfg.io_timeout);
  if (lower(parser.get()[http::field::expect]) == "100-continue") {
    http::response<http::empty_body> cont{http::status::continue_, version};
    ec = await([&](auto h) { http::async_write(stream_, cont, std::move(h)); });
    if (ec) return false;
  }
  ec = await([&](auto h) { http::async_read(stream_, buffer_, parser, std::move(h)); });
  if (ec == http::error::body_limit) return too_large();
  if (ec) return false;

  http::request<http::string_body> msg = parser.release();
  Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  size_t q = req.target.find('?');
  req.path = percentDecode(req.target.substr(0, q));
  if (q != std::string::npos) req.query = parseQuery(req.target.substr(q + 1));
  for (const auto& field : msg) {
    std::string name = lower(field.name_string());
    auto [it, inserted] = req.headers.emplace(name, std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  req.body = std::move(msg.body());
  req.remote_address = remote_;
  bool keep_alive = msg.keep_alive();

  // What the access-log hook sees: the request without its body (which the handler owns).
  Request summary{.method = req.method,
                  .target = req.target,
                  .path = req.path,
                  .query = {},
                  .headers = {},
                  .body = {},
                  .user = {},
                  .params = {},
                  .remote_address = remote_};
  Reply reply = authenticateAndDispatch(req, summary.user);
  auto report = [&](int status) {
    if (cfg.on_request) cfg.on_request(summary, status);
  };
  if (auto* res = std::get_if<Response>(&reply)) {
    // A drain that arrived while the handler ran closes the connection after this reply.
    bool keep = keep_alive && !drain_requested_;
    bool written = writeResponse(*res, version, keep);
    report(res->status);
    return written && keep;
  }
  report(std::get<StreamResponse>(reply).status);
  serveStream(std::get<StreamResponse>(reply), version);
  return false;
}

Reply Connection::authenticateAndDispatch(Request& req, UserInfo& user_out) {
  if (cert_user_) {
    req.user = *cert_user_;
  } else if (auto token = bearerToken(req.header("authorization"));
             token && shared_->config.tokens) {
    auto user = shared_->config.tokens->authenticate(*token);
    if (!user) return errorResponse(401, "Unauthorized", "Unauthorized");
    req.user = std::move(*user);
  } else {
    return errorResponse(401, "Unauthorized", "Unauthorized");
  }
  user_out = req.user;
  try {
    return shared_->router->dispatch(std::move(req));
  } catch (const std::exception& e) {
    // Handlers must not throw; if one does, the client gets a 500 rather than a dead server.
    return errorResponse(500, "InternalError", std::string("internal error: ") + e.what());
  }
}

bool Connection::writeResponse(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-cache, private");
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(shared_->config.io_timeout);
  error_code ec = await([&](auto h) { http::async_write(stream_, res, std::move(h)); });
  return !ec;
}

void Connection::serveStream(const StreamResponse& sr, unsigned version) {
  http::response<http::empty_body> head{static_cast<http::status>(sr.status), version};
  head.set(http::field::content_type, sr.content_type);
  head.set(http::field::cache_control, "no-cache, private");
  for (const auto& [name, value] : sr.headers) head.set(name, value);
  head.keep_alive(false);
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  beast::get_lowest_layer(stream_).expires_after(shared_->config.io_timeout);
  error_code ec =
      await([&](auto h) { http::async_write_header(stream_, serializer, std::move(h)); });
  if (ec) return;
  // From here on the connection lives as long as the stream: no timer (the disconnect
  // watch and the sink's buffer limit take its place).
  beast::get_lowest_layer(stream_).expires_never();

  bool done = false, writing = false, reading = false, failed = false;
  std::deque<std::string> batch;
  std::string current;
  bool end_after_batch = false;
  std::function<void()> pump;
  pump = [&] {
    if (writing || done) return;
    if (batch.empty() && !end_after_batch) {
      StreamSinkImpl::Taken t = sink_->take();
      if (t.overflow) {
        failed = true;
        done = true;
        return;
      }
      batch = std::move(t.chunks);
      end_after_batch = t.ended;
    }
    if (!batch.empty()) {
      current = std::move(batch.front());
      batch.pop_front();
      writing = true;
      net::async_write(stream_, http::make_chunk(net::buffer(current)),
                       [&](error_code wec, size_t) {
                         writing = false;
                         if (wec) {
                           failed = done = true;
                           return;
                         }
                         pump();
                       });
    } else if (end_after_batch) {
      writing = true;
      net::async_write(stream_, http::make_chunk_last(), [&](error_code, size_t) {
        writing = false;
        done = true;
      });
    }
  };
  // The client sends nothing while it reads a stream, so any read completing with an error
  // means it went away (FIN or RST): notice that at once instead of on the next write.
  std::function<void()> watch_peer;
  std::array<char, 1024> scratch;
  watch_peer = [&] {
    reading = true;
    stream_.async_read_some(net::buffer(scratch), [&](error_code rec, size_t) {
      reading = false;
      if (rec) {
        failed = done = true;
        return;
      }
      if (!done) watch_peer();
    });
  };

  state_ = State::kStreaming;
  sink_ =
      std::make_shared<StreamSinkImpl>(*ioc_, shared_->config.max_stream_buffer, [&] { pump(); });
  if (drain_requested_) sink_->end();
  watch_peer();
  if (sr.start) {
    try {
      sr.start(sink_);
    } catch (const std::exception&) {
      sink_->end();  // a producer that failed to start gets an empty, cleanly ended body
    }
  } else {
    sink_->end();
  }
  while (!done) {
    if (ioc_->run_one() == 0) ioc_->restart();
  }
  (void)failed;
  sink_->detach();
  // Cancel the disconnect watch (and a write cut short) by closing the socket, and let their
  // handlers run: they reference this frame.
  error_code cec;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, cec);
  beast::get_lowest_layer(stream_).socket().close(cec);
  while (reading || writing) {
    if (ioc_->run_one() == 0) ioc_->restart();
  }
  sink_.reset();
}

void Connection::discardInput() {
  // Reading what the client still sends (up to a bound) before closing keeps the kernel from
  // answering with a RST that could destroy the 413 response before the client reads it.
  std::array<char, 16384> scratch;
  size_t total = 0;
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
  while (total < 2 * shared_->config.max_request_body) {
    size_t n = 0;
    error_code ec = await([&](auto h) {
      stream_.async_read_some(net::buffer(scratch),
                              [&n, h = std::move(h)](error_code e, size_t got) mutable {
                                n = got;
                                h(e, got);
                              });
    });
    if (ec) break;
    total += n;
  }
}

void Connection::close(bool tls_shutdown) {
  auto& sock = beast::get_lowest_layer(stream_).socket();
  if (sock.is_open() && tls_shutdown && !draining_) {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::milliseconds(500));
    (void)await([&](auto h) { stream_.async_shutdown(std::move(h)); });
  }
  error_code ec;
  sock.shutdown(net::ip::tcp::socket::shutdown_both, ec);
  sock.close(ec);
  // Drop whatever is still queued (stream wake-ups); nothing references this frame any more.
  ioc_->restart();
  ioc_->poll();
}

}  // namespace orch::apiserver
