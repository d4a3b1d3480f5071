#pragma once
// The thread that feeds every watch response. A watch stream does not own a thread: its cache
// watch wakes it when events are queued, and one pump thread then moves what is ready of all
// woken streams into their response sinks (which their connections write out). Every
// stream is also looked at twice a second, for its deadline, bookmarks and a client gone away.
// The destructor stops the pump and ends every stream still open.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace orch::apiserver {

class WatchStreams {
 public:
  using Clock = std::chrono::steady_clock;

  // One stream, served only on the pump thread.
  class Stream {
   public:
    virtual ~Stream() = default;
    // Delivers whatever is ready and checks the stream's timers; false once the stream is
    // over (the pump then forgets it).
    virtual bool service(Clock::time_point now) = 0;
    // Ends the stream (the pump is stopping).
    virtual void stop() = 0;
  };

  WatchStreams();
  ~WatchStreams();
  WatchStreams(const WatchStreams&) = delete;
  WatchStreams& operator=(const WatchStreams&) = delete;

  // Adds `stream` (serviced once soon) and returns its wake-up: a call, from any thread and
  // cheap enough to make under other locks, that has the pump service the stream again soon.
  std::function<void()> add(std::shared_ptr<Stream> stream);
  // Streams currently open.
  size_t running() const;

  struct Shared;  // the pump's queue, kept alive by the wake-ups (watch_streams.cc)

 private:
  void pumpLoop();

  std::shared_ptr<Shared> shared_;
  std::thread pump_;
};

}  // namespace orch::apiserver
