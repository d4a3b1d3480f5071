#pragma once
// The StreamSink of a connection (internal to the server). Producers on any thread queue
// chunks under a mutex and post one wake-up onto the connection's strand, which takes the
// queued chunks and writes them. detach() cuts the link to the connection: after it no
// producer call posts anything.

#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "controlplane/apiserver/http.h"

namespace orch::apiserver {

class StreamSinkImpl : public StreamSink, public std::enable_shared_from_this<StreamSinkImpl> {
 public:
  // `on_wake` runs on `strand` after producers queued data or ended the stream.
  StreamSinkImpl(boost::asio::any_io_executor strand, size_t max_buffered,
                 std::function<void()> on_wake)
      : strand_(std::move(strand)), max_buffered_(max_buffered), on_wake_(std::move(on_wake)) {}

  using StreamSink::write;
  bool write(SharedText data) override;
  void end() override;
  bool closed() const override;
  void onClose(std::function<void()> fn) override;

  struct Taken {
    bool ended = false;     // end() was called: the terminating chunk follows what was taken
    bool overflow = false;  // the buffer limit was hit: cut the stream
  };
  // On the strand: everything queued so far, in `out` (whose contents it replaces).
  Taken take(std::vector<SharedText>& out);
  // Whether the buffer limit was hit (take() says so too).
  bool overflowed() const;
  // On the strand: the stream is over; runs the close callbacks (once).
  void detach();

 private:
  void wakeLocked();

  mutable std::mutex mu_;
  // Empty after detach(): a producer may keep the sink after the server (and its io_context,
  // whose service the strand lives in) is gone.
  boost::asio::any_io_executor strand_;
  size_t max_buffered_;
  std::function<void()> on_wake_;  // on the strand only
  std::vector<SharedText> pending_;
  size_t pending_bytes_ = 0;
  bool open_ = true;
  bool ended_ = false;
  bool overflow_ = false;
  bool wake_posted_ = false;
  bool fired_ = false;
  std::vector<std::function<void()>> on_close_;
};

}  // namespace orch::apiserver
