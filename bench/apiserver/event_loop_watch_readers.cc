// WatchReaders on event loops: the streams are connected one after the other (blocking TCP
// connect, TLS handshake, request, response head), then shared among one epoll loop per CPU.
// Each loop reads its ready sockets (tls_connection.h) and feeds the bytes to Beast's HTTP
// parser, whose chunk-body callback hands the data on.

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/beast/http.hpp>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"
#include "tls_connection.h"
#include "watch_readers.h"

namespace orch::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;

using ChunkCallback = std::function<size_t(std::uint64_t, beast::string_view, beast::error_code&)>;

struct Stream {
  int index = 0;
  std::unique_ptr<TlsConnection> conn;  // its in() holds bytes read but not yet parsed
  http::response_parser<http::string_body> parser;
  ChunkCallback on_chunk;  // the parser keeps a reference
  bool open = true;
};

class LoopWatchReaders final : public WatchReaders {
 public:
  LoopWatchReaders(std::unique_ptr<TlsDialer> dialer, OnData on_data, OnEnd on_end)
      : dialer_(std::move(dialer)), on_data_(std::move(on_data)), on_end_(std::move(on_end)) {}

  ~LoopWatchReaders() override {
    uint64_t one = 1;
    if (stop_.get() >= 0) (void)::write(stop_.get(), &one, sizeof(one));
    for (auto& t : threads_) t.join();
  }

  Status start(const client::RestConfig& config, const std::string& target, int count) {
    const client::ServerEndpoint& ep = dialer_->endpoint();
    http::request<http::empty_body> req{http::verb::get, ep.prefix + target, 11};
    req.set(http::field::host, ep.host_header);
    req.set(http::field::user_agent, config.userAgent);
    req.set(http::field::accept, "application/json");
    if (!ep.auth.empty()) req.set(http::field::authorization, ep.auth);
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
    const unsigned loops = eventLoopCount();
    for (unsigned l = 0; l < loops; ++l) {
      UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
      if (ep.get() < 0) return Status::fromErrno("epoll_create1");
      ORCH_RETURN_IF_ERROR(watch(ep.get(), stop_.get(), -1));
      for (size_t i = l; i < streams_.size(); i += loops) {
        ORCH_RETURN_IF_ERROR(watch(ep.get(), streams_[i]->conn->fd(), static_cast<int>(i)));
      }
      threads_.emplace_back([this, e = std::move(ep)] { loop(e.get()); });
    }
    return Status::ok();
  }

 private:
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
    ORCH_ASSIGN_OR_RETURN(s.conn, dialer_->dial());
    ORCH_RETURN_IF_ERROR(s.conn->writeAll(request_).withContext("send request"));
    s.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    s.on_chunk = [this, &s](std::uint64_t, beast::string_view body, beast::error_code&) {
      on_data_(s.index, std::string_view(body.data(), body.size()));
      return body.size();
    };
    s.parser.on_chunk_body(s.on_chunk);
    auto& in = s.conn->in();
    while (!s.parser.is_header_done()) {
      if (!s.conn->readSome()) return Status::error(ECONNRESET, sslError("read response head"));
      beast::error_code ec;
      in.consume(s.parser.put(in.data(), ec));
      if (ec && ec != http::error::need_more) {
        return Status::error(EPROTO, "response head: " + ec.message());
      }
    }
    if (s.parser.get().result() != http::status::ok) {
      return Status::error(EPROTO, "HTTP " + std::to_string(s.parser.get().result_int()));
    }
    return s.conn->makeNonBlocking();
  }

  // Feeds the parser what has been read (chunk bodies go to on_data); false once the stream
  // is over.
  bool parse(Stream& s) {
    if (beast::error_code ec = feed(s.conn->in(), s.parser)) {
      end(s, "stream: " + ec.message());
      return false;
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
      if (!s.conn->readSome()) {
        end(s, sslError("stream"));
        open = false;
      } else {
        open = parse(s);
      }
    } while (open && s.conn->pending());
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
        if (!drain(s)) epoll_ctl(epoll_fd, EPOLL_CTL_DEL, s.conn->fd(), nullptr);
      }
    }
  }

  std::unique_ptr<TlsDialer> dialer_;
  const OnData on_data_;
  const OnEnd on_end_;
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
  ORCH_ASSIGN_OR_RETURN(auto dialer, TlsDialer::create(config));
  auto readers =
      std::make_unique<LoopWatchReaders>(std::move(dialer), std::move(on_data), std::move(on_end));
  ORCH_RETURN_IF_ERROR(readers->start(config, target, count));
  return std::unique_ptr<WatchReaders>(std::move(readers));
}

}  // namespace orch::bench
