#include "tests/support/apiserver/fake_apiserver.h"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <ctime>

#include "tests/support/apiserver/fake_apiserver_store.h"

namespace orch::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using namespace fakeapi;  // NOLINT(google-build-using-namespace): the store's helpers

struct FakeApiServer::Impl {
  struct Conn {
    std::shared_ptr<tcp::socket> sock;
    std::thread thread;
  };

  net::io_context ioc;
  std::unique_ptr<tcp::acceptor> acceptor;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  ObjectStore store;  // guarded by mu
  std::vector<InjectedError> errors;
  int gone_watches = 0;
  uint64_t drop_gen = 0, end_gen = 0, bookmark_gen = 0;
  int active_watches = 0;
  std::vector<std::pair<std::string, std::string>> requests;
  int accepted = 0;

  std::mutex conns_mu;
  std::list<Conn> conns;

  void acceptLoop();
  void serve(const std::shared_ptr<tcp::socket>& sock);
  // Returns false when the connection must close.
  bool handle(tcp::socket& sock, const http::request<http::string_body>& req);
  bool watch(tcp::socket& sock, const http::request<http::string_body>& req, const Ref& ref,
             const Query& q);
};

namespace {

bool writeReply(tcp::socket& sock, const http::request<http::string_body>& req, const Reply& r) {
  http::response<http::string_body> res{static_cast<http::status>(r.code), 11};
  res.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : r.headers) res.set(k, v);
  res.body() = r.body.is_null() ? std::string() : r.body.dump();
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  beast::error_code ec;
  http::write(sock, res, ec);
  return !ec && req.keep_alive();
}

void shutdownSocket(tcp::socket& s) {
  ::shutdown(s.native_handle(), SHUT_RDWR);
}

// A watch client sends nothing after its request: readable means it closed (EOF) or broke.
bool peerClosed(tcp::socket& s) {
  char c;
  ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

}  // namespace

void FakeApiServer::Impl::acceptLoop() {
  while (true) {
    auto sock = std::make_shared<tcp::socket>(ioc);
    beast::error_code ec;
    acceptor->accept(*sock, ec);
    {
      std::lock_guard l(mu);
      if (stopping) return;
      if (ec) continue;
      ++accepted;
    }
    std::lock_guard cl(conns_mu);
    conns.push_back(Conn{sock, std::thread([this, sock] { serve(sock); })});
  }
}

void FakeApiServer::Impl::serve(const std::shared_ptr<tcp::socket>& sock) {
  beast::flat_buffer buf;
  while (true) {
    http::request<http::string_body> req;
    beast::error_code ec;
    http::read(*sock, buf, req, ec);
    if (ec) break;
    if (!handle(*sock, req)) break;
  }
  beast::error_code ec;
  sock->shutdown(tcp::socket::shutdown_both, ec);
}

bool FakeApiServer::Impl::handle(tcp::socket& sock, const http::request<http::string_body>& req) {
  const std::string method(req.method_string());
  const std::string target(req.target());
  const auto [path, query] = splitTarget(target);
  const Ref ref = parsePath(path);
  const bool is_watch =
      method == "GET" && (query.get("watch") == "1" || query.get("watch") == "true");
  std::unique_lock l(mu);
  requests.emplace_back(method, target);
  for (auto it = errors.begin(); it != errors.end(); ++it) {
    if ((!it->method.empty() && it->method != method) ||
        target.find(it->target) == std::string::npos) {
      continue;
    }
    Reply r;
    r.code = it->code;
    if (!it->body.is_null()) {
      r.body = it->body;
    } else {
      r.body = statusBody(it->code, it->reason, it->message, ref.name, ref.plural);
      if (it->retryAfterSeconds > 0) {
        r.body["details"]["retryAfterSeconds"] = it->retryAfterSeconds;
      }
    }
    if (it->retryAfterSeconds > 0) {
      r.headers.emplace_back("Retry-After", std::to_string(it->retryAfterSeconds));
    }
    if (--it->times <= 0) errors.erase(it);
    l.unlock();
    return writeReply(sock, req, r);
  }
  if (!ref.ok) {
    l.unlock();
    return writeReply(sock, req,
                      Reply{404, statusBody(404, "NotFound",
                                            "the server could not find the "
                                            "requested resource")});
  }
  if (is_watch) {
    l.unlock();
    return watch(sock, req, ref, query);
  }
  const std::string ctype(req[http::field::content_type]);
  Reply r = store.serve(method, ref, query, req.body(), ctype, nowRfc3339());
  if (r.changed) cv.notify_all();
  l.unlock();
  return writeReply(sock, req, r);
}

bool FakeApiServer::Impl::watch(tcp::socket& sock, const http::request<http::string_body>& req,
                                const Ref& ref, const Query& q) {
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.keep_alive(req.keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  beast::error_code ec;
  http::write_header(sock, sr, ec);
  if (ec) return false;
  auto send = [&](const std::vector<json>& evs) {
    for (const auto& ev : evs) {
      std::string line = ev.dump() + "\n";
      net::write(sock, http::make_chunk(net::buffer(line)), ec);
      if (ec) return false;
    }
    return true;
  };
  auto finish = [&] {
    net::write(sock, http::make_chunk_last(), ec);
    return !ec && req.keep_alive();
  };
  const bool bookmarks = q.get("allowWatchBookmarks") == "true";
  std::chrono::steady_clock::time_point deadline =
      std::chrono::steady_clock::now() + std::chrono::hours(24);
  if (std::string t = q.get("timeoutSeconds"); !t.empty()) {
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::stoll(t));
  }

  {
    std::lock_guard g(mu);
    ++active_watches;
  }
  struct Dec {
    Impl* im;
    ~Dec() {
      std::lock_guard g(im->mu);
      --im->active_watches;
    }
  } dec{this};  // declared before `l`, so it runs after `l` has unlocked
  std::unique_lock l(mu);
  if (gone_watches > 0) {
    --gone_watches;
    l.unlock();
    send({goneEvent("injected: too old resource version")});
    return finish();
  }
  int64_t cursor = 0;
  std::vector<json> out;
  const std::string rv = q.get("resourceVersion");
  if (rv.empty() || rv == "0") {
    cursor = store.rv;
    out = store.snapshotAdds(ref, q);
  } else {
    try {
      cursor = std::stoll(rv);
    } catch (const std::exception&) {
      l.unlock();
      send({errorEvent(400, "BadRequest", "invalid resourceVersion \"" + rv + "\"")});
      return finish();
    }
    if (cursor < store.compacted) {
      l.unlock();
      send({goneEvent("too old resource version: " + rv + " (" + std::to_string(store.compacted) +
                      ")")});
      return finish();
    }
  }
  uint64_t drop = drop_gen, end = end_gen, bm = bookmark_gen;
  while (true) {
    if (!out.empty()) {
      l.unlock();
      if (!send(out)) return false;
      out.clear();
      l.lock();
    }
    // Wake up now and then to notice a client that went away (as a real server would).
    auto wake =
        std::min(deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
    cv.wait_until(l, wake, [&] {
      return stopping || drop != drop_gen || end != end_gen || bm != bookmark_gen ||
             store.rv > cursor;
    });
    if (peerClosed(sock)) return false;
    if (stopping || drop != drop_gen) {
      l.unlock();
      shutdownSocket(sock);  // abrupt: the client sees the stream break mid-body
      return false;
    }
    out = store.eventsAfter(ref, q, &cursor);
    if (bm != bookmark_gen) {
      bm = bookmark_gen;
      if (bookmarks) {
        out.push_back(
            json{{"type", "BOOKMARK"},
                 {"object", {{"metadata", {{"resourceVersion", std::to_string(store.rv)}}}}}});
      }
    }
    if (end != end_gen || std::chrono::steady_clock::now() >= deadline) {
      l.unlock();
      if (!send(out)) return false;
      return finish();
    }
  }
}

FakeApiServer::~FakeApiServer() {
  stop();
}

Status FakeApiServer::start() {
  impl_ = std::make_shared<Impl>();
  try {
    impl_->acceptor = std::make_unique<tcp::acceptor>(
        impl_->ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port_ = impl_->acceptor->local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    return Status::error(e.code().value(), std::string("fake apiserver: listen: ") + e.what());
  }
  Impl* im = impl_.get();
  acceptor_ = std::thread([im] { im->acceptLoop(); });
  return Status::ok();
}

void FakeApiServer::stop() {
  if (!impl_) return;
  {
    std::lock_guard l(impl_->mu);
    impl_->stopping = true;
    impl_->cv.notify_all();
  }
  ::shutdown(impl_->acceptor->native_handle(), SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  std::lock_guard cl(impl_->conns_mu);
  for (auto& c : impl_->conns) shutdownSocket(*c.sock);
  for (auto& c : impl_->conns) {
    if (c.thread.joinable()) c.thread.join();
  }
  impl_->conns.clear();
  impl_.reset();
}

Result<json> FakeApiServer::create(const std::string& collection_path, json obj) {
  const Ref ref = parsePath(collection_path);
  if (!ref.ok || !ref.name.empty()) {
    return Status::invalid("fake apiserver: not a collection path: " + collection_path);
  }
  std::lock_guard l(impl_->mu);
  Reply r = impl_->store.serve("POST", ref, Query{}, obj.dump(), "application/json", nowRfc3339());
  if (r.changed) impl_->cv.notify_all();
  if (r.code != 201) {
    return Status::error(EIO, "fake apiserver: create: " + r.body.value("message", ""));
  }
  return r.body;
}

std::optional<json> FakeApiServer::get(const std::string& object_path) const {
  const Ref ref = parsePath(object_path);
  std::lock_guard l(impl_->mu);
  const json* o = impl_->store.find(ref);
  if (o == nullptr) return std::nullopt;
  return *o;
}

Status FakeApiServer::remove(const std::string& object_path) {
  const Ref ref = parsePath(object_path);
  std::lock_guard l(impl_->mu);
  Reply r = impl_->store.serve("DELETE", ref, Query{}, "", "", nowRfc3339());
  if (r.changed) impl_->cv.notify_all();
  if (r.code != 200) return Status::notFound("fake apiserver: delete " + object_path);
  return Status::ok();
}

int64_t FakeApiServer::resourceVersion() const {
  std::lock_guard l(impl_->mu);
  return impl_->store.rv;
}

void FakeApiServer::injectError(InjectedError e) {
  std::lock_guard l(impl_->mu);
  impl_->errors.push_back(std::move(e));
}

void FakeApiServer::clearInjectedErrors() {
  std::lock_guard l(impl_->mu);
  impl_->errors.clear();
}

void FakeApiServer::compact() {
  std::lock_guard l(impl_->mu);
  impl_->store.compact();
}

void FakeApiServer::failNextWatchesWithGone(int n) {
  std::lock_guard l(impl_->mu);
  impl_->gone_watches += n;
}

void FakeApiServer::dropWatches() {
  std::lock_guard l(impl_->mu);
  ++impl_->drop_gen;
  impl_->cv.notify_all();
}

void FakeApiServer::endWatches() {
  std::lock_guard l(impl_->mu);
  ++impl_->end_gen;
  impl_->cv.notify_all();
}

void FakeApiServer::sendBookmarks() {
  std::lock_guard l(impl_->mu);
  ++impl_->bookmark_gen;
  impl_->cv.notify_all();
}

void FakeApiServer::closeConnections() {
  std::lock_guard cl(impl_->conns_mu);
  for (auto& c : impl_->conns) shutdownSocket(*c.sock);
}

int FakeApiServer::activeWatches() const {
  std::lock_guard l(impl_->mu);
  return impl_->active_watches;
}

int FakeApiServer::requestCount(const std::string& method, const std::string& substr) const {
  std::lock_guard l(impl_->mu);
  int n = 0;
  for (const auto& [m, t] : impl_->requests) {
    if ((method.empty() || m == method) && t.find(substr) != std::string::npos) ++n;
  }
  return n;
}

int FakeApiServer::connectionsAccepted() const {
  std::lock_guard l(impl_->mu);
  return impl_->accepted;
}

}  // namespace orch::testing
