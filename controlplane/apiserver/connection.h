#pragma once
// One accepted HTTPS connection and its thread (internal to server.cc). The thread runs the
// connection as a straight sequence of blocking calls: handshake, then read request → handle
// (the handler may block too) → write reply, repeatedly; each call has a deadline that the
// server's watchdog enforces by cutting the connection. A streaming reply is written
// asynchronously from the connection's strand of the server's shared io_context instead, its
// TLS then driven directly (StreamTls): producers' chunks go out from the few io threads
// without waking this connection's thread, which only waits for the stream to end.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "controlplane/apiserver/server.h"

namespace orch::apiserver {

class StreamSinkImpl;

// What every connection of a server shares (not modified while connections run; the SSL
// context is only read by handshakes).
struct ServerShared {
  ServerConfig config;
  std::shared_ptr<const Router> router;
  boost::asio::ssl::context ssl{boost::asio::ssl::context::tls_server};
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // `socket`'s executor must be a strand of the server's io_context.
  Connection(std::shared_ptr<ServerShared> shared, boost::asio::ip::tcp::socket socket);
  ~Connection();

  // The connection's whole life; returns when it is closed. Runs on the connection thread.
  void run();
  // Asks the connection to finish (from any thread): idle → closed now, busy → closed after
  // the response, streaming → stream ended. The caller keeps the Connection alive.
  void drain();
  // Cuts the connection at once (from any thread): shutdown(2) on the socket.
  void cut();
  // Whether a blocking operation has run past its deadline (the watchdog then cuts).
  bool pastDeadline(std::chrono::steady_clock::time_point now) const;

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  enum class State { kIdle, kBusy, kStreaming };
  struct StreamState;

  // Runs fn (blocking socket operations) under a deadline that the server's watchdog enforces
  // by cutting the connection.
  template <class Fn>
  void withDeadline(std::chrono::milliseconds limit, Fn&& fn);
  // Runs fn on the strand and waits for it.
  template <class Fn>
  void onStrand(Fn&& fn);
  // Strand: write what the sink has queued, end the stream when it is over.
  void pumpStream(StreamState& st);
  void watchPeer(StreamState& st);
  void finishStreamIfIdle(StreamState& st);
  bool handshake();
  // Reads, handles and answers one request; false when the connection must close.
  bool serveOne();
  bool writeResponse(const Response& res, unsigned version, bool keep_alive);
  void serveStream(const StreamResponse& sr, unsigned version);
  // Fills req.user (and `user_out`) or answers 401; then runs the route's handler.
  Reply authenticateAndDispatch(Request& req, UserInfo& user_out);
  void discardInput();
  void close(bool tls_shutdown);

  std::shared_ptr<ServerShared> shared_;
  Stream stream_;
  const boost::asio::any_io_executor strand_;
  int fd_ = -1;
  boost::beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<UserInfo> cert_user_;
  std::atomic<bool> drain_requested_{false};  // set by drain() from any thread
  std::atomic<State> state_{State::kIdle};    // set by the connection thread
  std::shared_ptr<StreamSinkImpl> sink_;      // on the strand only
  // When the blocking operation in progress must end (steady clock ticks; 0 = none).
  std::atomic<int64_t> deadline_{0};
  // The connection thread waits on these for work done on the strand.
  std::mutex wait_mu_;
  std::condition_variable wait_cv_;
};

}  // namespace orch::apiserver
