#pragma once
// One accepted HTTPS connection and its thread (internal to server.cc). The connection owns
// its own io_context: every socket operation is started asynchronously (so it can time out
// and be cancelled) and driven by run_one() on the connection thread, which keeps the code a
// straight sequence: handshake, then read request → handle → write reply, repeatedly.

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
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

class Connection {
 public:
  Connection(std::shared_ptr<ServerShared> shared, std::shared_ptr<boost::asio::io_context> ioc,
             boost::asio::ip::tcp::socket socket);
  ~Connection();

  // The connection's whole life; returns when it is closed. Runs on the connection thread.
  void run();
  // Asks the connection to finish (from any thread): idle → closed now, busy → closed after
  // the response, streaming → stream ended. The caller keeps the Connection alive.
  void drain();
  // Cuts the connection at once (from any thread): shutdown(2) on the socket.
  void cut();

 private:
  using Stream = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  enum class State { kIdle, kBusy, kStreaming };

  template <class StartOp>
  boost::system::error_code await(StartOp&& start);
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
  std::shared_ptr<boost::asio::io_context> ioc_;
  Stream stream_;
  int fd_ = -1;
  boost::beast::flat_buffer buffer_;
  std::string remote_;
  std::optional<UserInfo> cert_user_;
  std::atomic<bool> drain_requested_{false};  // set by drain() from any thread
  // Touched only on the connection thread (drain() posts onto it).
  State state_ = State::kIdle;
  bool draining_ = false;
  std::shared_ptr<StreamSinkImpl> sink_;
};

}  // namespace orch::apiserver
