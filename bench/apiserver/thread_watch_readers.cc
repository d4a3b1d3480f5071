// WatchReaders with a thread per stream, each blocked in HttpClient::stream.

#include <thread>
#include <vector>

#include "common/client/canceller.h"
#include "common/client/http_client.h"
#include "watch_readers.h"

namespace orch::bench {

namespace {

using client::HttpClient;
using client::HttpRequest;

class ThreadWatchReaders final : public WatchReaders {
 public:
  ThreadWatchReaders(std::unique_ptr<HttpClient> http, int count)
      : http_(std::move(http)), cancels_(static_cast<size_t>(count)) {}

  ~ThreadWatchReaders() override {
    for (auto& c : cancels_) c.cancel();
    for (auto& t : threads_) t.join();
  }

  void start(const std::string& target, OnData on_data, OnEnd on_end) {
    for (size_t w = 0; w < cancels_.size(); ++w) {
      threads_.emplace_back([this, w, target, on_data, on_end] {
        const int stream = static_cast<int>(w);
        HttpRequest req{.target = target, .timeout = std::chrono::milliseconds(0)};
        auto res = http_->stream(
            req,
            [&](std::string_view data) {
              on_data(stream, data);
              return true;
            },
            &cancels_[w]);
        if (cancels_[w].cancelled()) return;
        on_end(stream, res.ok() ? "stream ended (HTTP " + std::to_string(res->status) + ")"
                                : res.status().message());
      });
    }
  }

 private:
  std::unique_ptr<HttpClient> http_;
  std::vector<client::Canceller> cancels_;
  std::vector<std::thread> threads_;
};

}  // namespace

Result<std::unique_ptr<WatchReaders>> readWithThreadEach(const client::RestConfig& config,
                                                         const std::string& target, int count,
                                                         WatchReaders::OnData on_data,
                                                         WatchReaders::OnEnd on_end) {
  ORCH_ASSIGN_OR_RETURN(auto http, HttpClient::create(config, {.maxIdleConnections = 1}));
  auto readers = std::make_unique<ThreadWatchReaders>(std::move(http), count);
  readers->start(target, std::move(on_data), std::move(on_end));
  return std::unique_ptr<WatchReaders>(std::move(readers));
}

}  // namespace orch::bench
