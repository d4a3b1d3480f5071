#include "controlplane/apiserver/connection.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

#include "controlplane/apiserver/stream_sink.h"
#include "controlplane/apiserver/stream_tls.h"

namespace orch::apiserver {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

Connection::Connection(std::shared_ptr<ServerShared> shared, net::ip::tcp::socket socket)
    : shared_(std::move(shared)),
      stream_(beast::tcp_stream(std::move(socket)), shared_->ssl),
      strand_(stream_.get_executor()) {
  auto& sock = beast::get_lowest_layer(stream_).socket();
  fd_ = sock.native_handle();
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

Connection::~Connection() = default;

template <class Fn>
void Connection::withDeadline(std::chrono::milliseconds limit, Fn&& fn) {
  deadline_ = (Clock::now() + limit).time_since_epoch().count();
  fn();
  deadline_ = 0;
}

bool Connection::pastDeadline(Clock::time_point now) const {
  const int64_t d = deadline_;
  return d != 0 && now.time_since_epoch().count() > d;
}

template <class Fn>
void Connection::onStrand(Fn&& fn) {
  bool done = false;  // under wait_mu_
  net::dispatch(strand_, [&] {
    fn();
    std::lock_guard lock(wait_mu_);
    done = true;
    wait_cv_.notify_all();
  });
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait(lock, [&] { return done; });
}

void Connection::drain() {
  // The flag is read by the connection thread before each request and when it decides on
  // keep-alive. An idle connection (blocked reading the next request) is shut for reading: the
  // read ends at once; a request that was read in that very instant is still answered (its
  // reply can be written), then the connection closes. A stream is ended on its strand.
  drain_requested_ = true;
  if (state_ == State::kIdle) ::shutdown(fd_, SHUT_RD);
  net::post(strand_, [self = shared_from_this()] {
    if (self->state_ == State::kStreaming && self->sink_) self->sink_->end();
  });
}

void Connection::cut() {
  // shutdown(2) is safe from any thread and makes every operation in progress fail.
  ::shutdown(fd_, SHUT_RDWR);
}

bool Connection::handshake() {
  error_code ec;
  withDeadline(shared_->config.io_timeout,
               [&] { stream_.handshake(net::ssl::stream_base::server, ec); });
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
    while (serveOne()) {
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

http::response<http::string_body> toMessage(const Response& r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(r.status), version};
  res.set(http::field::content_type, r.content_type);
  res.set(http::field::cache_control, "no-cache, private");
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = r.body;
  res.prepare_payload();
  return res;
}

}  // namespace

bool Connection::serveOne() {
  const ServerConfig& cfg = shared_->config;
  state_ = State::kIdle;
  // After setting kIdle: either drain() sees it and cuts the read below, or this sees the flag.
  if (drain_requested_) return false;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.max_request_body);
  error_code ec;
  withDeadline(cfg.idle_timeout, [&] { http::read_header(stream_, buffer_, parser, ec); });
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
  withDeadline(cfg.io_timeout, [&] {
    if (lower(parser.get()[http::field::expect]) == "100-continue") {
      http::response<http::empty_body> cont{http::status::continue_, version};
      http::write(stream_, cont, ec);
    }
    if (!ec) http::read(stream_, buffer_, parser, ec);
  });
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
  auto res = toMessage(r, version, keep_alive);
  error_code ec;
  withDeadline(shared_->config.io_timeout, [&] { http::write(stream_, res, ec); });
  return !ec;
}

// The streaming phase's state; touched only on the strand, except `finished` (wait_mu_).
struct Connection::StreamState {
  StreamState(SSL* ssl, net::ip::tcp::socket& socket) : tls(ssl, socket) {}
  StreamTls tls;  // the connection's TLS from the head on
  std::shared_ptr<StreamSinkImpl> sink;
  bool done = false;  // no more writes: ended, failed, or the client went away
  bool writing = false, reading = false;
  std::vector<SharedText> taken;  // reused: keeps its capacity
  std::string chunk;              // the last single event's chunk, framed (buffer reused)
  bool last_chunk = false;        // `chunk` is the terminating one
  bool finished = false;          // done and every operation has completed
};

void Connection::serveStream(const StreamResponse& sr, unsigned version) {
  http::response<http::empty_body> head{static_cast<http::status>(sr.status), version};
  head.set(http::field::content_type, sr.content_type);
  head.set(http::field::cache_control, "no-cache, private");
  for (const auto& [name, value] : sr.headers) head.set(name, value);
  head.keep_alive(false);
  head.chunked(true);
  http::response_serializer<http::empty_body> serializer{head};
  error_code ec;
  withDeadline(shared_->config.io_timeout, [&] { http::write_header(stream_, serializer, ec); });
  if (ec) return;

  StreamState st(stream_.native_handle(), beast::get_lowest_layer(stream_).socket());
  st.sink = std::make_shared<StreamSinkImpl>(strand_, shared_->config.max_stream_buffer,
                                             [this, &st] { pumpStream(st); });
  // From here on the connection lives as long as the stream, without a deadline (the
  // disconnect watch and the sink's buffer limit take its place), and its socket is used
  // from the strand only.
  state_ = State::kStreaming;
  onStrand([&] {
    sink_ = st.sink;
    if (drain_requested_) sink_->end();
    watchPeer(st);
  });
  if (sr.start) {
    try {
      sr.start(st.sink);
    } catch (const std::exception&) {
      st.sink->end();  // a producer that failed to start gets an empty, cleanly ended body
    }
  } else {
    st.sink->end();
  }
  std::unique_lock lock(wait_mu_);
  wait_cv_.wait(lock, [&] { return st.finished; });
}

namespace {

// `out` = the bytes of `buffers` (a framed chunk).
template <class Buffers>
void copyInto(std::string& out, const Buffers& buffers) {
  out.resize(net::buffer_size(buffers));
  net::buffer_copy(net::buffer(out), buffers);
}

}  // namespace

void Connection::pumpStream(StreamState& st) {
  // Each pass writes everything queued so far as one chunk: a burst of events costs one TLS
  // record and one send per connection. Loops while the socket takes the writes at once.
  if (st.done) return;
  if (st.writing) {
    // A client that lets the buffer limit pass is cut now, not once its write completes
    // (which, if it stopped reading, is never).
    if (st.sink->overflowed()) {
      st.done = true;
      finishStreamIfIdle(st);
    }
    return;
  }
  while (!st.writing && !st.done) {
    const StreamSinkImpl::Taken t = st.sink->take(st.taken);
    if (t.overflow) {
      st.done = true;
      break;
    }
    // A burst is framed into a buffer of its own, let go once written: st.chunk, reused,
    // stays the size of one event.
    std::string burst;
    const std::string* framed = &st.chunk;
    if (st.taken.size() == 1) {
      copyInto(st.chunk, http::make_chunk(net::buffer(*st.taken.front())));
      st.taken.clear();  // the shared text goes as soon as it is framed
    } else if (!st.taken.empty()) {
      std::vector<net::const_buffer> parts;
      parts.reserve(st.taken.size());
      for (const SharedText& c : st.taken) parts.push_back(net::buffer(*c));
      copyInto(burst, http::make_chunk(parts));
      framed = &burst;
      st.taken.clear();
    } else if (t.ended) {
      copyInto(st.chunk, http::make_chunk_last());
      st.last_chunk = true;
    } else {
      return;  // nothing queued
    }
    auto sent = st.tls.write(*framed, [this, &st](bool ok) {
      st.writing = false;
      if (!ok || st.last_chunk) st.done = true;
      if (st.done) return finishStreamIfIdle(st);
      pumpStream(st);  // what was queued meanwhile, or the end
    });
    if (sent == StreamTls::Sent::kPending) {
      st.writing = true;
      return;
    }
    if (sent == StreamTls::Sent::kFailed || st.last_chunk) st.done = true;
  }
  if (st.done) finishStreamIfIdle(st);
}

// The client sends nothing while it reads a stream, so the connection ending (FIN or RST)
// is noticed at once instead of on the next write.
void Connection::watchPeer(StreamState& st) {
  st.reading = true;
  st.tls.watchPeer([this, &st] {
    st.reading = false;
    st.done = true;
    finishStreamIfIdle(st);
  });
}

void Connection::finishStreamIfIdle(StreamState& st) {
  if (st.sink) {
    // First call after `done`: no more chunks; cancel the disconnect watch (and a write cut
    // short) by closing the socket. Their handlers still run, and reference `st`.
    st.sink->detach();
    st.sink.reset();
    sink_.reset();
    error_code cec;
    auto& sock = beast::get_lowest_layer(stream_).socket();
    sock.shutdown(net::ip::tcp::socket::shutdown_both, cec);
    sock.close(cec);
  }
  if (st.reading || st.writing) return;
  std::lock_guard lock(wait_mu_);
  st.finished = true;
  wait_cv_.notify_all();
}

void Connection::discardInput() {
  // Reading what the client still sends (up to a bound) before closing keeps the kernel from
  // answering with a RST that could destroy the 413 response before the client reads it.
  std::array<char, 16384> scratch;
  size_t total = 0;
  withDeadline(std::chrono::seconds(2), [&] {
    while (total < 2 * shared_->config.max_request_body) {
      error_code ec;
      size_t n = stream_.read_some(net::buffer(scratch), ec);
      if (ec) break;
      total += n;
    }
  });
}

void Connection::close(bool tls_shutdown) {
  auto& sock = beast::get_lowest_layer(stream_).socket();
  if (sock.is_open() && tls_shutdown && !drain_requested_) {
    error_code ec;
    withDeadline(std::chrono::milliseconds(500), [&] { stream_.shutdown(ec); });
  }
  error_code ec;
  sock.shutdown(net::ip::tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

}  // namespace orch::apiserver
