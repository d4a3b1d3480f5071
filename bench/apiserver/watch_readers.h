#pragma once
// The client side of the watch latency measurement: many watch streams of one request, read
// either by a thread each through common/client's HttpClient (as a controller reads its
// watches), or shared among an epoll loop per CPU (OpenSSL on the socket, Beast's parser), so
// that the readers, which share this machine's CPUs with the server, cost as little as
// possible: no thread of their own to wake, no context switch and no asynchronous operation
// per delivery.
//
// Threads: on_data and on_end run on the readers' threads (any of them for a thread each, the
// loops' for event loops), never two at once for one stream. Destroying the readers closes every
// stream and joins their threads; no callback runs after that.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/client/rest_config.h"

namespace orch::bench {

class WatchReaders {
 public:
  // Bytes of stream `stream`'s body as they were read.
  using OnData = std::function<void(int stream, std::string_view data)>;
  // Stream `stream` ended before the readers were destroyed (an error, or the server ended it).
  using OnEnd = std::function<void(int stream, const std::string& why)>;

  virtual ~WatchReaders() = default;
};

// `count` streams of GET `target` (path and query), each read by its own thread.
Result<std::unique_ptr<WatchReaders>> readWithThreadEach(const client::RestConfig& config,
                                                         const std::string& target, int count,
                                                         WatchReaders::OnData on_data,
                                                         WatchReaders::OnEnd on_end);

// `count` streams of GET `target`, connected one after the other, then read by an epoll loop
// per CPU (https only).
Result<std::unique_ptr<WatchReaders>> readWithEventLoops(const client::RestConfig& config,
                                                         const std::string& target, int count,
                                                         WatchReaders::OnData on_data,
                                                         WatchReaders::OnEnd on_end);

}  // namespace orch::bench
