#pragma once
// An in-process REST API over a SqliteStore in a temporary directory: requests go through
// the Router exactly as the HTTPS server hands them over, without the network.

#include <gtest/gtest.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "controlplane/apiserver/registry/registry.h"
#include "controlplane/apiserver/router.h"
#include "controlplane/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace orch::apiserver::testing {

struct Answer {
  int status = 0;
  api::Json body;
  std::string text;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Collects what a watch stream writes.
class CollectingSink : public StreamSink {
 public:
  using StreamSink::write;
  bool write(SharedText data) override;
  void end() override;
  bool closed() const override;
  void onClose(std::function<void()> fn) override;
  // Waits until `n` newline-terminated events have arrived (or 10 s); returns them parsed.
  std::vector<api::Json> waitForEvents(size_t n);
  void close();  // the client goes away
  // Waits up to 10 s for the stream to end; returns whether it did.
  bool waitClosed();

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string data_;
  bool closed_ = false;
  std::vector<std::function<void()>> on_close_;
};

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  Answer call(const std::string& method, const std::string& target, const std::string& body = "",
              const std::string& content_type = "application/json");
  Answer post(const std::string& target, const api::Json& obj) {
    return call("POST", target, obj.dump());
  }
  Answer put(const std::string& target, const api::Json& obj) {
    return call("PUT", target, obj.dump());
  }
  Answer get(const std::string& target) { return call("GET", target); }
  Answer del(const std::string& target, const std::string& body = "") {
    return call("DELETE", target, body);
  }
  Answer patch(const std::string& target, const std::string& type, const std::string& body) {
    return call("PATCH", target, body, type);
  }
  // Starts a watch; the sink receives its events.
  std::shared_ptr<CollectingSink> watch(const std::string& target);

  static api::Json pod(const std::string& name, const std::string& node = "");
  void restart();  // a new Registry over the same store (startup repair)

  orch::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<Router> router_;
  RegistryConfig config_;
};

}  // namespace orch::apiserver::testing
