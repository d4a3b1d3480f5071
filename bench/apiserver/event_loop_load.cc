#include "event_loop_load.h"

#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

#include "common/base/unique_fd.h"
#include "tls_connection.h"

namespace orch::bench {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

struct Client {
  int index = 0;
  std::unique_ptr<TlsConnection> conn;
  std::optional<http::response_parser<http::string_body>> parser;  // of the request in flight
};

class LoadRun {
 public:
  LoadRun(std::unique_ptr<TlsDialer> dialer, const client::RestConfig& config,
          const NextRequest& next)
      : dialer_(std::move(dialer)), user_agent_(config.userAgent), next_(next) {}

  Status connect(int clients) {
    for (int i = 0; i < clients; ++i) {
      Client& c = *clients_.emplace_back(std::make_unique<Client>());
      c.index = i;
      auto conn = dialer_->dial();
      if (!conn.ok()) return conn.status().withContext("client " + std::to_string(i));
      c.conn = std::move(conn).value();
      ORCH_RETURN_IF_ERROR(c.conn->makeNonBlocking());
    }
    return Status::ok();
  }

  RateResult run(std::chrono::milliseconds duration) {
    const unsigned loops = eventLoopCount();
    std::vector<std::vector<Client*>> shares(loops);
    for (size_t i = 0; i < clients_.size(); ++i) shares[i % loops].push_back(clients_[i].get());
    const auto start = Clock::now();
    std::vector<std::thread> threads;
    for (auto& share : shares) threads.emplace_back([this, &share] { loop(share); });
    if (duration.count() > 0) {
      std::this_thread::sleep_for(duration);
      stop_ = true;
    }
    for (auto& t : threads) t.join();
    RateResult r;
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    r.ops = ops_.load();
    r.errors = errors_.load();
    r.first_error = first_error_;
    return r;
  }

 private:
  void fail(const Client& c, const std::string& what) {
    if (errors_.fetch_add(1) == 0) {
      std::lock_guard lock(error_mu_);
      first_error_ = "client " + std::to_string(c.index) + ": " + what;
    }
  }

  std::string serialize(const LoadRequest& r) const {
    const client::ServerEndpoint& ep = dialer_->endpoint();
    http::request<http::string_body> req{http::string_to_verb(r.method), ep.prefix + r.target, 11};
    req.set(http::field::host, ep.host_header);
    req.set(http::field::user_agent, user_agent_);
    req.set(http::field::accept, "application/json");
    if (!ep.auth.empty()) req.set(http::field::authorization, ep.auth);
    if (!r.body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = r.body;
    req.prepare_payload();
    std::ostringstream out;
    out << req;
    return std::move(out).str();
  }

  // Sends the request next() asks for after `previous`; false when the client is done.
  bool advance(Client& c, const LoadAnswer* previous) {
    auto request = next_(c.index, previous);
    if (!request.ok()) {
      fail(c, request.status().message());
      return false;
    }
    if (previous != nullptr) ops_.fetch_add(1, std::memory_order_relaxed);
    if (!request->has_value() || stop_.load(std::memory_order_relaxed)) return false;
    c.parser.emplace();
    c.parser->body_limit(64 << 20);
    if (Status st = c.conn->writeAll(serialize(**request)); !st.isOk()) {
      fail(c, st.message());
      return false;
    }
    return true;
  }

  // Reads what arrived (and what OpenSSL holds); false when the client is done.
  bool onReadable(Client& c) {
    do {
      if (!c.conn->readSome()) {
        fail(c, sslError("read"));
        return false;
      }
      if (beast::error_code ec = feed(c.conn->in(), *c.parser)) {
        fail(c, "response: " + ec.message());
        return false;
      }
      if (c.parser->is_done()) {
        auto message = c.parser->release();
        LoadAnswer answer{.status = static_cast<int>(message.result_int()),
                          .body = std::move(message.body())};
        if (!advance(c, &answer)) return false;
      }
    } while (c.conn->pending());
    return true;
  }

  void loop(const std::vector<Client*>& share) {
    UniqueFd ep(epoll_create1(EPOLL_CLOEXEC));
    size_t active = 0;
    for (Client* c : share) {
      epoll_event ev{.events = EPOLLIN, .data = {.ptr = c}};
      if (ep.get() < 0 || epoll_ctl(ep.get(), EPOLL_CTL_ADD, c->conn->fd(), &ev) != 0) {
        fail(*c, std::string("epoll: ") + std::strerror(errno));
        continue;
      }
      if (advance(*c, nullptr)) ++active;
    }
    std::array<epoll_event, 256> events;
    while (active > 0) {
      int n = epoll_wait(ep.get(), events.data(), static_cast<int>(events.size()), 30000);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        fail(*share.front(), n == 0 ? std::string("no answer for 30 s")
                                    : std::string("epoll_wait: ") + std::strerror(errno));
        return;
      }
      for (int i = 0; i < n; ++i) {
        Client& c = *static_cast<Client*>(events[static_cast<size_t>(i)].data.ptr);
        if (!onReadable(c)) {
          epoll_ctl(ep.get(), EPOLL_CTL_DEL, c.conn->fd(), nullptr);
          --active;
        }
      }
    }
  }

  std::unique_ptr<TlsDialer> dialer_;
  const std::string user_agent_;
  const NextRequest& next_;
  std::vector<std::unique_ptr<Client>> clients_;  // parsers do not move
  std::atomic<bool> stop_{false};
  std::atomic<long> ops_{0}, errors_{0};
  std::mutex error_mu_;
  std::string first_error_;
};

}  // namespace

RateResult runOnEventLoops(const client::RestConfig& config, int clients,
                           std::chrono::milliseconds duration, const NextRequest& next) {
  auto failed = [](const Status& st) {
    return RateResult{.errors = 1, .first_error = "connect: " + st.message()};
  };
  auto dialer = TlsDialer::create(config);
  if (!dialer.ok()) return failed(dialer.status());
  LoadRun run(std::move(dialer).value(), config, next);
  if (Status st = run.connect(clients); !st.isOk()) return failed(st);
  return run.run(duration);
}

}  // namespace orch::bench
