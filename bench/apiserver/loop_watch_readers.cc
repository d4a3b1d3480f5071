// WatchReaders on one event loop: every stream is a chain of asynchronous operations (connect,
// TLS handshake, request, response head, then body reads) on one io_context.

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include "common/client/server_endpoint.h"
#include "watch_readers.h"

namespace orch::bench {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kConnectTimeout = std::chrono::seconds(30);
// Threads running the loop: as many as this machine's CPUs, which the server shares (each
// stream's operations are a sequence, so they never run on two threads at once).
const unsigned kLoopThreads = std::max(1u, std::thread::hardware_concurrency());

class LoopWatchReaders final : public WatchReaders {
 public:
  LoopWatchReaders(std::unique_ptr<client::ServerEndpoint> ep, std::string target, int count,
                   OnData on_data, OnEnd on_end)
      : ep_(std::move(ep)),
        target_(std::move(target)),
        count_(count),
        on_data_(std::move(on_data)),
        on_end_(std::move(on_end)) {}

  ~LoopWatchReaders() override {
    // Stopping the loop abandons every pending operation: no handler runs after join().
    ioc_.stop();
    for (auto& t : threads_) t.join();
  }

  Status start(const client::RestConfig& config) {
    beast::error_code ec;
    tcp::resolver resolver(ioc_);
    endpoints_ = resolver.resolve(ep_->host, ep_->port, ec);
    if (ec) return Status::error(EHOSTUNREACH, "resolve " + ep_->host + ": " + ec.message());
    for (int i = 0; i < count_; ++i) {
      streams_.push_back(std::make_unique<Stream>(ioc_, *ep_->ssl_ctx, i));
      Stream& s = *streams_.back();
      s.req = {http::verb::get, ep_->prefix + target_, 11};
      s.req.set(http::field::host, ep_->host_header);
      s.req.set(http::field::user_agent, config.userAgent);
      s.req.set(http::field::accept, "application/json");
      if (!ep_->auth.empty()) s.req.set(http::field::authorization, ep_->auth);
      connect(s);
    }
    for (unsigned t = 0; t < kLoopThreads; ++t) threads_.emplace_back([this] { ioc_.run(); });
    return Status::ok();
  }

 private:
  struct Stream {
    Stream(net::io_context& ioc, net::ssl::context& ctx, int i) : tls(ioc, ctx), index(i) {}
    beast::ssl_stream<beast::tcp_stream> tls;
    int index;
    http::request<http::empty_body> req;
    beast::flat_buffer buf;
    http::response_parser<http::buffer_body> parser;
    std::array<char, 16384> chunk;
  };

  void fail(Stream& s, const std::string& what, const beast::error_code& ec) {
    on_end_(s.index, what + ": " + ec.message());
  }

  void connect(Stream& s) {
    beast::get_lowest_layer(s.tls).expires_after(kConnectTimeout);
    beast::get_lowest_layer(s.tls).async_connect(
        endpoints_, [this, &s](const beast::error_code& ec, const tcp::endpoint&) {
          if (ec) return fail(s, "connect", ec);
          ep_->prepareTls(s.tls.native_handle());
          s.tls.async_handshake(net::ssl::stream_base::client, [this, &s](beast::error_code ec) {
            if (ec) return fail(s, "TLS handshake", ec);
            http::async_write(s.tls, s.req, [this, &s](beast::error_code ec, size_t) {
              if (ec) return fail(s, "send request", ec);
              readHead(s);
            });
          });
        });
  }

  void readHead(Stream& s) {
    s.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::async_read_header(s.tls, s.buf, s.parser, [this, &s](beast::error_code ec, size_t) {
      if (ec) return fail(s, "read response", ec);
      if (s.parser.get().result() != http::status::ok) {
        on_end_(s.index, "HTTP " + std::to_string(s.parser.get().result_int()));
        return;
      }
      beast::get_lowest_layer(s.tls).expires_never();
      readBody(s);
    });
  }

  void readBody(Stream& s) {
    s.parser.get().body().data = s.chunk.data();
    s.parser.get().body().size = s.chunk.size();
    http::async_read_some(s.tls, s.buf, s.parser, [this, &s](beast::error_code ec, size_t) {
      if (ec == http::error::need_buffer) ec = {};
      if (ec) return fail(s, "stream", ec);
      size_t n = s.chunk.size() - s.parser.get().body().size;
      if (n > 0) on_data_(s.index, std::string_view(s.chunk.data(), n));
      if (s.parser.is_done()) return on_end_(s.index, "stream ended");
      readBody(s);
    });
  }

  std::unique_ptr<client::ServerEndpoint> ep_;
  const std::string target_;
  const int count_;
  const OnData on_data_;
  const OnEnd on_end_;
  // Declared before the streams: their sockets must go before the io_context does.
  net::io_context ioc_;
  tcp::resolver::results_type endpoints_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<WatchReaders>> readWithOneLoop(const client::RestConfig& config,
                                                      const std::string& target, int count,
                                                      WatchReaders::OnData on_data,
                                                      WatchReaders::OnEnd on_end) {
  ORCH_ASSIGN_OR_RETURN(auto ep, client::serverEndpoint(config));
  if (!ep->tls) return Status::invalid("server " + config.server + ": one-loop readers need https");
  auto readers = std::make_unique<LoopWatchReaders>(std::move(ep), target, count,
                                                    std::move(on_data), std::move(on_end));
  ORCH_RETURN_IF_ERROR(readers->start(config));
  return std::unique_ptr<WatchReaders>(std::move(readers));
}

}  // namespace orch::bench
