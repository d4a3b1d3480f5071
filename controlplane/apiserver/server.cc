#include "controlplane/apiserver/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <list>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "common/httpd/listen.h"
#include "common/pki/tls_server.h"
#include "controlplane/apiserver/connection.h"

namespace orch::apiserver {

namespace net = boost::asio;
using boost::system::error_code;
using tcp = net::ip::tcp;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  struct Entry {
    std::shared_ptr<Connection> conn;
    std::thread thread;
    bool finished = false;
  };

  std::shared_ptr<ServerShared> shared;
  // Every connection's socket operations run on a strand of `io`, served by io_threads.
  net::io_context io;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> io_work;
  std::vector<std::thread> io_threads;
  // Cuts connections whose blocking operation ran past its deadline. On a strand of its own:
  // its handler and stopIo()'s cancel must not run at once on two io threads.
  net::strand<net::io_context::executor_type> watchdog_strand = net::make_strand(io);
  net::steady_timer watchdog{watchdog_strand};
  bool watchdog_stopped = false;  // on watchdog_strand
  net::io_context accept_ioc;
  tcp::acceptor acceptor{accept_ioc};
  std::thread accept_thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::list<Entry> conns;
  bool stopping = false;
  bool started = false;

  void acceptNext();
  void reapFinishedLocked(std::vector<std::thread>& out);
  void stopIo();
  void watchDeadlines();
};

namespace {

Status configureTls(ServerShared& s) {
  const ServerConfig& c = s.config;
  return pki::configureServerTls(s.ssl, c.cert_pem, c.key_pem, c.client_ca_pem);
}

}  // namespace

Server::Server(ServerConfig config, std::shared_ptr<const Router> router)
    : impl_(std::make_shared<Impl>()) {
  impl_->shared = std::make_shared<ServerShared>();
  impl_->shared->config = std::move(config);
  impl_->shared->router = std::move(router);
}

Server::~Server() {
  shutdown(std::chrono::seconds(5));
}

Status Server::start() {
  ServerShared& s = *impl_->shared;
  ORCH_RETURN_IF_ERROR(configureTls(s));
  tcp::acceptor& a = impl_->acceptor;
  ORCH_RETURN_IF_ERROR(httpd::listenOn(a, s.config.bind_address, s.config.port, "secure port"));
  error_code ec;
  port_ = a.local_endpoint(ec).port();
  impl_->started = true;
  impl_->io_work.emplace(impl_->io.get_executor());
  const unsigned n = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i)
    impl_->io_threads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  impl_->watchDeadlines();
  impl_->acceptNext();
  impl_->accept_thread = std::thread([impl = impl_] { impl->accept_ioc.run(); });
  return Status::ok();
}

void Server::Impl::reapFinishedLocked(std::vector<std::thread>& out) {
  for (auto it = conns.begin(); it != conns.end();) {
    if (it->finished) {
      out.push_back(std::move(it->thread));
      it = conns.erase(it);
    } else {
      ++it;
    }
  }
}

void Server::Impl::acceptNext() {
  acceptor.async_accept(
      net::make_strand(io), [self = shared_from_this()](error_code ec, tcp::socket sock) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        if (!ec) {
          error_code opt_ec;
          sock.set_option(tcp::no_delay(true), opt_ec);
          auto conn = std::make_shared<Connection>(self->shared, std::move(sock));
          std::vector<std::thread> finished;
          {
            std::lock_guard<std::mutex> lock(self->mu);
            self->reapFinishedLocked(finished);
            if (self->stopping) return;
            self->conns.push_back(Entry{conn, {}, false});
            Entry* entry = &self->conns.back();
            try {
              entry->thread = std::thread([self, conn, entry] {
                conn->run();
                std::lock_guard<std::mutex> lock(self->mu);
                entry->finished = true;
                self->cv.notify_all();
              });
            } catch (const std::system_error&) {
              // No thread for it (EAGAIN): drop this connection, keep serving the others.
              self->conns.pop_back();
            }
          }
          for (auto& t : finished) t.join();
          self->acceptNext();
          return;
        }
        // Accept errors (EMFILE, ENFILE, ECONNABORTED) are transient: retry after a pause so that
        // a full descriptor table does not turn into a busy loop.
        auto timer =
            std::make_shared<net::steady_timer>(self->accept_ioc, std::chrono::milliseconds(100));
        timer->async_wait([self, timer](error_code) {
          if (self->acceptor.is_open()) self->acceptNext();
        });
      });
}

void Server::shutdown(std::chrono::milliseconds grace) {
  if (!impl_ || !impl_->started) return;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  // Stop accepting: close the acceptor on its own thread, then let that thread end.
  net::post(impl_->accept_ioc, [impl = impl_] {
    error_code ec;
    impl->acceptor.close(ec);
  });
  if (impl_->accept_thread.joinable()) impl_->accept_thread.join();

  std::unique_lock<std::mutex> lock(impl_->mu);
  for (auto& e : impl_->conns) {
    if (!e.finished) e.conn->drain();
  }
  auto all_done = [&] {
    for (auto& e : impl_->conns) {
      if (!e.finished) return false;
    }
    return true;
  };
  if (!impl_->cv.wait_for(lock, grace, all_done)) {
    for (auto& e : impl_->conns) {
      if (!e.finished) e.conn->cut();
    }
  }
  std::list<Impl::Entry> conns;
  conns.swap(impl_->conns);
  lock.unlock();
  for (auto& e : conns) e.thread.join();
  impl_->stopIo();
}

void Server::Impl::watchDeadlines() {
  watchdog.expires_after(std::chrono::milliseconds(200));
  watchdog.async_wait([this](error_code ec) {
    if (ec || watchdog_stopped) return;  // the server is stopping
    const auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& e : conns) {
        if (!e.finished && e.conn->pastDeadline(now)) e.conn->cut();
      }
    }
    watchDeadlines();
  });
}

void Server::Impl::stopIo() {
  // Every connection is over; what is still queued (timer cancellations) runs, then the
  // threads end.
  net::post(watchdog_strand, [this] {
    watchdog_stopped = true;
    watchdog.cancel();
  });
  io_work.reset();
  for (auto& t : io_threads) t.join();
  io_threads.clear();
}

size_t Server::openConnections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  size_t n = 0;
  for (auto& e : impl_->conns) n += e.finished ? 0 : 1;
  return n;
}

}  // namespace orch::apiserver
