#include "controlplane/apiserver/stream_sink.h"

#include <boost/asio/post.hpp>

namespace orch::apiserver {

void StreamSinkImpl::wakeLocked() {
  if (wake_posted_ || !strand_) return;
  wake_posted_ = true;
  // The handler holds the sink, not the connection: once the stream is over it finds
  // on_wake_ cleared by detach() (on the same strand) and does nothing.
  boost::asio::post(strand_, [self = shared_from_this()] {
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->wake_posted_ = false;
    }
    if (self->on_wake_) self->on_wake_();
  });
}

bool StreamSinkImpl::write(SharedText data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return false;
  if (pending_bytes_ + data->size() > max_buffered_) {
    open_ = false;
    overflow_ = true;
    wakeLocked();
    return false;
  }
  if (data->empty()) return true;  // an empty chunk would end the chunked body
  pending_bytes_ += data->size();
  pending_.push_back(std::move(data));
  wakeLocked();
  return true;
}

void StreamSinkImpl::end() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!open_) return;
  open_ = false;
  ended_ = true;
  wakeLocked();
}

bool StreamSinkImpl::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !open_;
}

void StreamSinkImpl::onClose(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!fired_) {
      on_close_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

StreamSinkImpl::Taken StreamSinkImpl::take(std::vector<SharedText>& out) {
  std::lock_guard<std::mutex> lock(mu_);
  out.clear();
  out.swap(pending_);  // pending_ gets back `out`'s spare capacity
  pending_bytes_ = 0;
  return {.ended = ended_, .overflow = overflow_};
}

bool StreamSinkImpl::overflowed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return overflow_;
}

void StreamSinkImpl::detach() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
    strand_ = boost::asio::any_io_executor();
    pending_.clear();
    pending_bytes_ = 0;
    if (fired_) return;
    fired_ = true;
    callbacks.swap(on_close_);
  }
  on_wake_ = nullptr;
  for (auto& fn : callbacks) fn();
}

}  // namespace orch::apiserver
