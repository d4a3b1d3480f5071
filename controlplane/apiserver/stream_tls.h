#pragma once
// TLS for the streaming phase of a connection, driven through OpenSSL directly. Asio's
// ssl::stream moves every record through a BIO pair, a flat copy and a stack of composed
// operations, each completion posted back through the scheduler; a watch sends one small
// record per event to each of many connections, so there the record goes from SSL_write
// straight to a non-blocking send(2), and only a full socket buffer waits (async_wait).
//
// It takes over the SSL of a connection whose Asio stream is idle (no operation pending,
// everything written, nothing received unread: a streamed response after its head); from
// then on the Asio stream must not be used for reading or writing, only its socket closed.
// The SSL reads from the socket (a socket BIO) and writes into a memory BIO whose bytes
// this class sends with MSG_NOSIGNAL (a client gone never raises SIGPIPE).
//
// Threads: every call and every callback on the connection's strand (the socket's executor).

#include <openssl/ssl.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>
#include <string_view>

namespace orch::apiserver {

class StreamTls {
 public:
  // Switches `ssl` (the connection's, idle) onto `socket`. Both outlive this object.
  StreamTls(SSL* ssl, boost::asio::ip::tcp::socket& socket);
  StreamTls(const StreamTls&) = delete;
  StreamTls& operator=(const StreamTls&) = delete;

  enum class Sent { kDone, kPending, kFailed };
  // Encrypts and sends `data`. kDone: all of it is in the kernel. kPending: the rest goes
  // out as the socket drains, then `done(ok)` runs. kFailed: the connection broke. At most
  // one write at a time.
  Sent write(std::string_view data, std::function<void(bool ok)> done);
  // Reads (and drops) whatever the client sends until it closes or breaks the connection;
  // then `gone()` runs. Also ends, with gone(), when the socket is closed.
  void watchPeer(std::function<void()> gone);

 private:
  // Moves the records SSL_write put in the memory BIO to out_.
  void takeRecords();
  // Sends what is left of out_; kPending when the socket is full.
  Sent flush();
  void waitWritable();
  // Waits for the client's bytes (or its end), then drainPeer(); calls gone_ at the end.
  void awaitPeer();
  // Reads everything readable; false once the connection is over.
  bool drainPeer();

  // Buffers grown past this by a burst are let go once it is sent.
  static constexpr size_t kKeepBytes = 64 * 1024;

  SSL* ssl_;
  boost::asio::ip::tcp::socket& socket_;
  BIO* wbio_;        // owned by ssl_
  std::string out_;  // encrypted, not yet sent: out_[sent_..]
  size_t sent_ = 0;
  std::function<void(bool)> write_done_;
  std::function<void()> gone_;
  std::array<char, 1024> scratch_;
};

}  // namespace orch::apiserver
