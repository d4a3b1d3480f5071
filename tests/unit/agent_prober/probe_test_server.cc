#include "probe_test_server.h"

#include <sys/socket.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <cstdlib>
#include <list>
#include <thread>

#include "common/pki/x509.h"

namespace orch::agent::probe_test {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

struct ProbeHttpServer::Impl {
  Handler handler;
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<ssl::context> tls;
  std::thread accept_thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  bool stopping = false;
  std::vector<SeenRequest> seen;
  std::list<std::thread> conns;

  template <class Stream>
  void serve(Stream& s) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(s, buf, req, ec);
    if (ec) return;
    SeenRequest r;
    r.target = std::string(req.target());
    for (const auto& f : req) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      auto [it, inserted] = r.headers.emplace(name, std::string(f.value()));
      if (!inserted) it->second += ", " + std::string(f.value());
    }
    {
      std::lock_guard l(mu);
      seen.push_back(r);
    }
    CannedResponse c = handler(r);
    if (c.hang) {
      std::unique_lock l(mu);
      cv.wait(l, [&] { return released || stopping; });
      return;
    }
    http::response<http::string_body> res{static_cast<http::status>(c.status), 11};
    for (const auto& [k, v] : c.headers) res.set(k, v);
    if (c.status != 204 && c.status != 304) res.body() = c.body;  // no body allowed there
    res.keep_alive(false);
    res.prepare_payload();
    http::write(s, res, ec);
  }

  void handle(tcp::socket sock) {
    if (tls) {
      beast::ssl_stream<tcp::socket> s(std::move(sock), *tls);
      beast::error_code ec;
      s.handshake(ssl::stream_base::server, ec);
      if (!ec) serve(s);
      s.next_layer().shutdown(tcp::socket::shutdown_both, ec);
    } else {
      serve(sock);
      beast::error_code ec;
      sock.shutdown(tcp::socket::shutdown_both, ec);
    }
  }
};

ProbeHttpServer::ProbeHttpServer(Handler handler, bool tls) : impl_(std::make_shared<Impl>()) {
  impl_->handler = std::move(handler);
  if (tls) {
    auto kp = pki::selfSigned(
        {.common_name = "probe-test", .ip_addresses = {"127.0.0.1"}, .server = true});
    if (!kp.ok()) std::abort();
    impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
    impl_->tls->use_certificate_chain(net::buffer(kp->cert_pem));
    impl_->tls->use_private_key(net::buffer(kp->key_pem), ssl::context::pem);
  }
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([impl = impl_] {
    while (true) {
      beast::error_code ec;
      tcp::socket sock(impl->ioc);
      impl->acceptor.accept(sock, ec);
      std::lock_guard l(impl->mu);
      if (impl->stopping) return;
      if (ec) continue;
      impl->conns.emplace_back(
          [impl, s = std::move(sock)]() mutable { impl->handle(std::move(s)); });
    }
  });
}

ProbeHttpServer::~ProbeHttpServer() {
  {
    std::lock_guard l(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  // Wake the blocking accept().
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accept_thread.join();
  for (auto& t : impl_->conns) t.join();
}

std::vector<SeenRequest> ProbeHttpServer::requests() const {
  std::lock_guard l(impl_->mu);
  return impl_->seen;
}

void ProbeHttpServer::release() {
  {
    std::lock_guard l(impl_->mu);
    impl_->released = true;
  }
  impl_->cv.notify_all();
}

}  // namespace orch::agent::probe_test
