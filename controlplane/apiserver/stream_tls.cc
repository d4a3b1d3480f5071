#include "controlplane/apiserver/stream_tls.h"

#include <openssl/err.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace orch::apiserver {

StreamTls::StreamTls(SSL* ssl, boost::asio::ip::tcp::socket& socket)
    : ssl_(ssl), socket_(socket), wbio_(BIO_new(BIO_s_mem())) {
  BIO* rbio = BIO_new_socket(socket.native_handle(), BIO_NOCLOSE);
  // Frees the BIO pair half Asio gave the SSL; Asio's other half stays with its engine.
  SSL_set_bio(ssl_, rbio, wbio_);
  // Asio has OpenSSL free its record buffers after every read and write (small idle
  // connections); a stream writes a record per event, so it keeps them instead of an
  // allocation and free of some 17 KB for each.
  SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
}

StreamTls::Sent StreamTls::write(std::string_view data, std::function<void(bool ok)> done) {
  // Into the memory BIO, so it never waits; a record at a time (Asio set partial writes).
  for (size_t done_bytes = 0; done_bytes < data.size();) {
    int n = SSL_write(ssl_, data.data() + done_bytes, static_cast<int>(data.size() - done_bytes));
    if (n <= 0) {
      ERR_clear_error();
      return Sent::kFailed;
    }
    done_bytes += static_cast<size_t>(n);
  }
  takeRecords();
  Sent s = flush();
  if (s == Sent::kPending) write_done_ = std::move(done);
  return s;
}

// Read out, not BIO_reset: a reset clears the BIO's whole capacity, so once a burst had grown
// it to megabytes every later event would pay for clearing them.
void StreamTls::takeRecords() {
  const size_t pending = BIO_ctrl_pending(wbio_);
  if (pending == 0) return;
  const size_t at = out_.size();
  out_.resize(at + pending);
  const int n = BIO_read(wbio_, out_.data() + at, static_cast<int>(pending));
  out_.resize(at + static_cast<size_t>(std::max(n, 0)));
  if (pending > kKeepBytes) {
    // A burst's buffer is not kept for the small records that follow.
    wbio_ = BIO_new(BIO_s_mem());
    SSL_set0_wbio(ssl_, wbio_);  // frees the grown one
  }
}

StreamTls::Sent StreamTls::flush() {
  while (sent_ < out_.size()) {
    ssize_t n = ::send(socket_.native_handle(), out_.data() + sent_, out_.size() - sent_,
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      waitWritable();
      return Sent::kPending;
    } else {
      return Sent::kFailed;
    }
  }
  if (out_.capacity() > kKeepBytes) {
    out_ = std::string();  // nor the burst's send buffer
  } else {
    out_.clear();
  }
  sent_ = 0;
  return Sent::kDone;
}

void StreamTls::waitWritable() {
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_write,
                     [this](const boost::system::error_code& ec) {
                       Sent s = ec ? Sent::kFailed : flush();
                       if (s == Sent::kPending) return;
                       auto done = std::move(write_done_);
                       write_done_ = nullptr;
                       done(s == Sent::kDone);
                     });
}

void StreamTls::watchPeer(std::function<void()> gone) {
  gone_ = std::move(gone);
  awaitPeer();
}

void StreamTls::awaitPeer() {
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (!ec && drainPeer()) return awaitPeer();
                       auto gone = std::move(gone_);
                       gone_ = nullptr;
                       gone();
                     });
}

bool StreamTls::drainPeer() {
  for (;;) {
    int n = SSL_read(ssl_, scratch_.data(), static_cast<int>(scratch_.size()));
    if (n > 0) continue;  // a client has nothing to say mid-stream
    if (SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ) return true;
    ERR_clear_error();
    return false;  // closed, reset, or a TLS error
  }
}

}  // namespace orch::apiserver
