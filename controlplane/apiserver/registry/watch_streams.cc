#include "controlplane/apiserver/registry/watch_streams.h"

#include <list>

namespace orch::apiserver {

namespace {

constexpr auto kSweepInterval = std::chrono::milliseconds(500);

}  // namespace

struct WatchStreams::Shared {
  struct Entry {
    std::shared_ptr<Stream> stream;
    bool queued = false;  // in `ready`
    bool over = false;    // service() returned false (and it left `all`)
  };
  std::mutex mu;
  std::condition_variable cv;
  std::list<std::shared_ptr<Entry>> all;
  std::vector<std::shared_ptr<Entry>> ready;
  bool stopping = false;

  void wake(const std::shared_ptr<Entry>& e) {
    std::lock_guard lock(mu);
    if (e->queued || e->over || stopping) return;
    e->queued = true;
    ready.push_back(e);
    if (ready.size() == 1) cv.notify_one();
  }
};

WatchStreams::WatchStreams() : shared_(std::make_shared<Shared>()) {
  pump_ = std::thread([this] { pumpLoop(); });
}

WatchStreams::~WatchStreams() {
  {
    std::lock_guard lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
  pump_.join();
  // The pump is gone: nothing services the streams any more, so they can be ended here.
  for (auto& e : shared_->all) e->stream->stop();  // `all` holds only streams not over
  shared_->all.clear();
  shared_->ready.clear();
}

std::function<void()> WatchStreams::add(std::shared_ptr<Stream> stream) {
  auto entry = std::make_shared<Shared::Entry>();
  entry->stream = std::move(stream);
  bool stopping;
  {
    std::lock_guard lock(shared_->mu);
    stopping = shared_->stopping;
    if (!stopping) shared_->all.push_back(entry);
  }
  if (stopping) {
    entry->stream->stop();  // outside the lock: stop() takes the stream's own locks
    return [] {};
  }
  std::weak_ptr<Shared> weak_shared = shared_;
  std::weak_ptr<Shared::Entry> weak_entry = entry;
  auto wake = [weak_shared, weak_entry] {
    auto s = weak_shared.lock();
    auto e = weak_entry.lock();
    if (s && e) s->wake(e);
  };
  wake();
  return wake;
}

size_t WatchStreams::running() const {
  std::lock_guard lock(shared_->mu);
  return shared_->all.size();
}

void WatchStreams::pumpLoop() {
  Shared& s = *shared_;
  auto next_sweep = Clock::now() + kSweepInterval;
  std::vector<std::shared_ptr<Shared::Entry>> batch;
  for (;;) {
    {
      std::unique_lock lock(s.mu);
      s.cv.wait_until(lock, next_sweep, [&] { return s.stopping || !s.ready.empty(); });
      if (s.stopping) return;
      batch.swap(s.ready);
      if (Clock::now() >= next_sweep) {
        // Every stream, for its timers; the ones already woken (queued) only once.
        for (auto& e : s.all) {
          if (!e->queued) batch.push_back(e);
        }
        next_sweep = Clock::now() + kSweepInterval;
      }
      for (auto& e : batch) e->queued = false;
    }
    const auto now = Clock::now();
    std::vector<std::shared_ptr<Shared::Entry>> finished;
    for (auto& e : batch) {
      if (!e->stream->service(now)) finished.push_back(e);
    }
    batch.clear();
    if (!finished.empty()) {
      std::lock_guard lock(s.mu);
      for (auto& e : finished) {
        e->over = true;
        s.all.remove(e);
      }
    }
  }
}

}  // namespace orch::apiserver
