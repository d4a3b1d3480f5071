#include "test_http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <thread>

namespace orch::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

std::string urlDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string TestRequest::query(const std::string& name) const {
  size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::string rest = target.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    std::string kv = rest.substr(start, amp == std::string::npos ? amp : amp - start);
    size_t eq = kv.find('=');
    if (urlDecode(kv.substr(0, eq)) == name) {
      return eq == std::string::npos ? "" : urlDecode(kv.substr(eq + 1));
    }
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return "";
}

struct TestHttpServer::Impl {
  TestHandler handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<net::ssl::context> tls;
  std::thread accept_thread;
  std::mutex mu;
  std::vector<std::thread> workers;
  std::vector<std::shared_ptr<tcp::socket>> sockets;
  bool stopping = false;

  template <class Stream>
  void serve(Stream& s) {
    beast::flat_buffer buf;
    for (;;) {
      http::request_parser<http::string_body> p;
      p.body_limit(1u << 30);
      beast::error_code ec;
      http::read(s, buf, p, ec);
      if (ec) return;
      auto& m = p.get();
      TestRequest req;
      req.method = std::string(m.method_string());
      req.target = std::string(m.target());
      req.body = std::move(m.body());
      for (const auto& f : m) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers[name] = std::string(f.value());
      }
      TestResponse resp = handler(req);
      http::response<http::string_body> r{static_cast<http::status>(resp.status), 11};
      for (const auto& [k, v] : resp.headers) r.set(k, v);
      r.body() = std::move(resp.body);
      r.keep_alive(m.keep_alive());
      r.prepare_payload();
      if (req.method == "HEAD") {
        http::response_serializer<http::string_body> sr{r};
        sr.split(true);
        http::write_header(s, sr, ec);
      } else {
        http::write(s, r, ec);
      }
      if (ec || !m.keep_alive()) return;
    }
  }

  void connection(std::shared_ptr<tcp::socket> sock) {
    if (tls) {
      beast::ssl_stream<tcp::socket&> s(*sock, *tls);
      beast::error_code ec;
      s.handshake(net::ssl::stream_base::server, ec);
      if (!ec) serve(s);
    } else {
      serve(*sock);
    }
    beast::error_code ec;
    sock->shutdown(tcp::socket::shutdown_both, ec);
  }

  void acceptLoop() {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(ioc);
      beast::error_code ec;
      acceptor.accept(*sock, ec);
      std::lock_guard l(mu);
      if (stopping) return;
      if (ec) continue;
      sockets.push_back(sock);
      workers.emplace_back([this, sock] { connection(sock); });
    }
  }
};

TestHttpServer::TestHttpServer(TestHandler handler, std::string cert_pem, std::string key_pem)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  if (!cert_pem.empty()) {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    impl_->tls->use_certificate_chain(net::buffer(cert_pem));
    impl_->tls->use_private_key(net::buffer(key_pem), net::ssl::context::pem);
  }
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  impl_->accept_thread = std::thread([this] { impl_->acceptLoop(); });
}

TestHttpServer::~TestHttpServer() {
  {
    std::lock_guard l(impl_->mu);
    impl_->stopping = true;
    beast::error_code ec;
    // Wakes the blocked accept() and every connection's read.
    impl_->acceptor.cancel(ec);
    ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
    for (auto& s : impl_->sockets) ::shutdown(s->native_handle(), SHUT_RDWR);
  }
  impl_->accept_thread.join();
  for (auto& w : impl_->workers) w.join();
}

int TestHttpServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string TestHttpServer::url() const {
  return std::string(impl_->tls ? "https://" : "http://") + hostPort();
}

std::string TestHttpServer::hostPort() const {
  return "127.0.0.1:" + std::to_string(port());
}

}  // namespace orch::testing
