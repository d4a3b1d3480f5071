#include "common/client/http_client.h"

#include <strings.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <ctime>
#include <limits>

#include "common/client/server_endpoint.h"

namespace orch::client {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Maps a Boost/OpenSSL error onto the errno that describes it best.
Status fromEc(const beast::error_code& ec, const std::string& what) {
  int err = EIO;
  if (ec == beast::error::timeout) {
    err = ETIMEDOUT;
  } else if (ec == net::error::operation_aborted) {
    err = ECANCELED;
  } else if (ec == http::error::end_of_stream || ec == net::error::eof ||
             ec == http::error::partial_message || ec == ssl::error::stream_truncated) {
    err = ECONNRESET;
  } else if (ec.category() == net::error::get_ssl_category()) {
    err = EPROTO;
  } else if (ec.category() == boost::system::system_category() ||
             ec.category() == boost::system::generic_category()) {
    err = ec.value();
  } else if (ec.category() == net::error::get_netdb_category() ||
             ec.category() == net::error::get_addrinfo_category()) {
    err = EHOSTUNREACH;
  }
  return Status::error(err, what + ": " + ec.message());
}

template <class Msg>
void copyHeaders(const Msg& m, HttpResponse& out) {
  out.status = static_cast<int>(m.result_int());
  for (const auto& f : m) {
    out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
}

}  // namespace

struct HttpClient::Impl {
  std::unique_ptr<ServerEndpoint> endpoint;
};

// One keep-alive connection with its own io_context: each blocking call starts one async
// operation (so Beast's timeouts apply) and runs the context on the caller's thread until
// it completes. Cancellation posts a cancel onto that context from any thread.
class HttpConnection {
 public:
  explicit HttpConnection(const ServerEndpoint& im) : im_(im) {
    if (im.tls) {
      tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc_, *im.ssl_ctx);
    } else {
      plain_ = std::make_unique<beast::tcp_stream>(ioc_);
    }
  }

  beast::tcp_stream& tcpStream() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }
  bool connected() const { return connected_; }
  bool usable() const { return usable_; }
  void markUnusable() { usable_ = false; }

  void attachCancel(Canceller* c, bool* ok) {
    if (c == nullptr) {
      *ok = true;
      return;
    }
    *ok = c->attach([this] {
      net::post(ioc_, [this] {
        cancelled_ = true;
        tcpStream().cancel();
      });
    });
  }

  Status connect(std::chrono::milliseconds timeout) {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    tcp::resolver::results_type results;
    resolver.async_resolve(im_.host, im_.port,
                           [&](const beast::error_code& e, tcp::resolver::results_type r) {
                             ec = e;
                             results = std::move(r);
                           });
    run();
    if (ec) return fromEc(ec, "resolve " + im_.host);
    tcpStream().expires_after(timeout);
    tcpStream().async_connect(results,
                              [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return fromEc(ec, "connect to " + im_.host_header);
    if (tls_) {
      im_.prepareTls(tls_->native_handle());
      tls_->async_handshake(ssl::stream_base::client, [&](const beast::error_code& e) { ec = e; });
      run();
      if (ec) return fromEc(ec, "TLS handshake with " + im_.host_header);
    }
    connected_ = true;
    return Status::ok();
  }

  Status write(const HttpRequest& req, const std::string& auth, const std::string& user_agent,
               std::chrono::milliseconds timeout) {
    http::verb verb = http::string_to_verb(req.method);
    if (verb == http::verb::unknown) return Status::invalid("unknown HTTP method " + req.method);
    http::request<http::string_body> r{verb, im_.prefix + req.target, 11};
    r.set(http::field::host, im_.host_header);
    r.set(http::field::user_agent, user_agent);
    r.set(http::field::accept, "application/json");
    if (!auth.empty()) r.set(http::field::authorization, auth);
    for (const auto& [k, v] : req.headers) r.set(k, v);
    if (!req.contentType.empty()) r.set(http::field::content_type, req.contentType);
    r.body() = req.body;
    r.keep_alive(true);
    r.prepare_payload();
    beast::error_code ec;
    tcpStream().expires_after(timeout);
    withStream([&](auto& s) {
      http::async_write(s, r, [&](const beast::error_code& e, size_t) { ec = e; });
    });
    run();
    if (ec) {
      usable_ = false;
      return fromEc(ec, req.method + " " + req.target + ": send");
    }
    return Status::ok();
  }

  Result<HttpResponse> readWhole(const HttpRequest& req, size_t limit,
                                 std::chrono::milliseconds timeout) {
    http::response_parser<http::string_body> p;
    p.body_limit(limit);
    if (req.method == "HEAD") p.skip(true);
    beast::error_code ec;
    tcpStream().expires_after(timeout);
    withStream([&](auto& s) {
      http::async_read(s, buf_, p, [&](const beast::error_code& e, size_t) { ec = e; });
    });
    run();
    if (ec) {
      usable_ = false;
      return fromEc(ec, req.method + " " + req.target + ": read response");
    }
    HttpResponse out;
    copyHeaders(p.get(), out);
    out.body = std::move(p.get().body());
    if (!p.get().keep_alive()) usable_ = false;
    return out;
  }

  Result<HttpResponse> readStream(const HttpRequest& req,
                                  const std::function<bool(std::string_view)>& on_data,
                                  std::chrono::milliseconds idle_timeout) {
    http::response_parser<http::buffer_body> p;
    // Not boost::none: Boost 1.74 compares a Content-Length against an empty optional as
    // "exceeded".
    p.body_limit(std::numeric_limits<std::uint64_t>::max());
    beast::error_code ec;
    auto arm = [&] {
      if (idle_timeout.count() > 0) {
        tcpStream().expires_after(idle_timeout);
      } else {
        tcpStream().expires_never();
      }
    };
    arm();
    withStream([&](auto& s) {
      http::async_read_header(s, buf_, p, [&](const beast::error_code& e, size_t) { ec = e; });
    });
    run();
    if (ec) {
      usable_ = false;
      return fromEc(ec, req.method + " " + req.target + ": read response");
    }
    HttpResponse head;
    copyHeaders(p.get(), head);
    const bool ok = head.status >= 200 && head.status < 300;
    char chunk[16384];
    while (!p.is_done()) {
      p.get().body().data = chunk;
      p.get().body().size = sizeof(chunk);
      arm();
      withStream([&](auto& s) {
        http::async_read_some(s, buf_, p, [&](const beast::error_code& e, size_t) { ec = e; });
      });
      run();
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        usable_ = false;
        return fromEc(ec, req.method + " " + req.target + ": stream");
      }
      size_t n = sizeof(chunk) - p.get().body().size;
      if (n == 0) continue;
      if (!ok) {
        if (head.body.size() < (1u << 20)) head.body.append(chunk, n);
      } else if (!on_data(std::string_view(chunk, n))) {
        usable_ = false;  // the rest of the body is unread
        return head;
      }
    }
    if (!p.get().keep_alive()) usable_ = false;
    return head;
  }

 private:
  template <class F>
  void withStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }
  // The posted cancel may have run while no operation was pending; the flag makes the
  // operation started since then fail too.
  void run() {
    ioc_.restart();
    if (cancelled_) tcpStream().cancel();
    ioc_.run();
  }

  const ServerEndpoint& im_;
  net::io_context ioc_;
  std::unique_ptr<beast::tcp_stream> plain_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buf_;
  bool connected_ = false;
  bool usable_ = true;
  bool cancelled_ = false;  // touched only on the thread running ioc_
};

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return "";
}

std::optional<std::chrono::seconds> HttpResponse::retryAfter() const {
  std::string v = header("Retry-After");
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789") == std::string::npos && v.size() < 10) {
    return std::chrono::seconds(std::stoll(v));
  }
  std::tm tm{};
  if (strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  time_t at = timegm(&tm);
  time_t now = std::time(nullptr);
  return std::chrono::seconds(at > now ? at - now : 0);
}

HttpClient::HttpClient(RestConfig config, Options opts)
    : config_(std::move(config)), opts_(opts), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() = default;

Result<std::unique_ptr<HttpClient>> HttpClient::create(const RestConfig& config, Options opts) {
  std::unique_ptr<HttpClient> c(new HttpClient(config, opts));
  ORCH_ASSIGN_OR_RETURN(c->impl_->endpoint, serverEndpoint(config));
  return c;
}

size_t HttpClient::connectionsOpened() const {
  std::lock_guard l(mu_);
  return opened_;
}

std::unique_ptr<HttpConnection> HttpClient::acquire(bool* reused) {
  {
    std::lock_guard l(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      *reused = true;
      return c;
    }
    ++opened_;
  }
  *reused = false;
  return std::make_unique<HttpConnection>(*impl_->endpoint);
}

void HttpClient::release(std::unique_ptr<HttpConnection> c) {
  if (!c || !c->connected() || !c->usable()) return;
  std::lock_guard l(mu_);
  if (idle_.size() < opts_.maxIdleConnections) idle_.push_back(std::move(c));
}

namespace {

// Detaches the canceller when a call returns, whichever way.
struct CancelGuard {
  Canceller* c;
  ~CancelGuard() {
    if (c != nullptr) c->detach();
  }
};

bool retryable(const Status& s) {
  return s.code() == ECONNRESET || s.code() == EPIPE || s.code() == ECONNABORTED;
}

}  // namespace

Result<HttpResponse> HttpClient::request(const HttpRequest& req, Canceller* cancel) {
  const auto timeout = req.timeout.value_or(config_.requestTimeout);
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto conn = acquire(&reused);
    bool attached = false;
    conn->attachCancel(cancel, &attached);
    CancelGuard guard{attached ? cancel : nullptr};
    if (!attached) return Status::error(ECANCELED, req.method + " " + req.target + ": cancelled");
    if (!conn->connected()) {
      Status st = conn->connect(config_.connectTimeout);
      if (!st.isOk()) return st;
    }
    Status st = conn->write(req, impl_->endpoint->auth, config_.userAgent, timeout);
    Result<HttpResponse> res =
        st.isOk() ? conn->readWhole(req, opts_.maxBodyBytes, timeout) : Result<HttpResponse>(st);
    if (!res.ok()) {
      // A pooled connection the server closed while idle fails at once; the request
      // never reached the server, so it is safe to send again on a fresh connection.
      if (reused && attempt == 0 && retryable(res.status())) continue;
      return res.status();
    }
    if (cancel != nullptr && cancel->cancelled()) conn->markUnusable();
    release(std::move(conn));
    return res;
  }
}

Result<HttpResponse> HttpClient::stream(const HttpRequest& req,
                                        const std::function<bool(std::string_view)>& on_data,
                                        Canceller* cancel) {
  const auto idle = req.timeout.value_or(std::chrono::milliseconds(0));
  for (int attempt = 0;; ++attempt) {
    bool reused = false;
    auto conn = acquire(&reused);
    bool attached = false;
    conn->attachCancel(cancel, &attached);
    CancelGuard guard{attached ? cancel : nullptr};
    if (!attached) return Status::error(ECANCELED, req.method + " " + req.target + ": cancelled");
    if (!conn->connected()) {
      Status st = conn->connect(config_.connectTimeout);
      if (!st.isOk()) return st;
    }
    Status st = conn->write(req, impl_->endpoint->auth, config_.userAgent, config_.requestTimeout);
    if (!st.isOk()) {
      if (reused && attempt == 0 && retryable(st)) continue;
      return st;
    }
    auto res = conn->readStream(req, on_data, idle);
    if (!res.ok()) {
      const bool in_head = res.status().context().find(": read response") != std::string::npos;
      if (reused && attempt == 0 && in_head && retryable(res.status())) continue;
      return res.status();
    }
    if (cancel != nullptr && cancel->cancelled()) conn->markUnusable();
    release(std::move(conn));
    return res;
  }
}

}  // namespace orch::client
