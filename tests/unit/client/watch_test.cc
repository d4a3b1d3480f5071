// Watch streams against the fake server: events, bookmarks, resume, 410, drops, cancel.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "common/api/config.h"
#include "tests/unit/client/client_fixture.h"

namespace orch::client {
namespace {

using api::ConfigMap;
using testing::ClientTest;
using testing::eventually;

class WatchTest : public ClientTest {
 protected:
  struct Seen {
    std::string type, name, rv;
  };
  // Runs a typed watch on its own thread, recording what it sees.
  void startWatch(WatchOptions o) {
    thread_ = std::thread([this, o] {
      result_ = client_->watch<ConfigMap>(
          "default", o,
          [this](const std::string& type, ConfigMap&& cm) {
            std::lock_guard l(mu_);
            seen_.push_back({type, cm.metadata.name, cm.metadata.resourceVersion});
            return true;
          },
          &cancel_);
      done_ = true;
    });
  }
  std::vector<Seen> seen() {
    std::lock_guard l(mu_);
    return seen_;
  }
  void TearDown() override {
    cancel_.cancel();
    if (thread_.joinable()) thread_.join();
  }
  std::string put(const std::string& name) {
    auto r = server_.create("/api/v1/namespaces/default/configmaps",
                            {{"metadata", {{"name", name}}}, {"data", {{"k", "v"}}}});
    EXPECT_TRUE(r.ok());
    return r.ok() ? (*r)["metadata"]["resourceVersion"].get<std::string>() : "";
  }

  Canceller cancel_;
  std::thread thread_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  Status result_;
  std::atomic<bool> done_{false};
};

TEST_F(WatchTest, StreamsEventsFromAVersionWithBookmarks) {
  std::string rv0 = put("before");  // not delivered: older than the watch's version
  WatchOptions o;
  o.resourceVersion = rv0;
  startWatch(o);
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  put("a");
  ASSERT_TRUE(client_->patch<ConfigMap>("default", "a", R"({"data":{"k":"2"}})").ok());
  ASSERT_TRUE(client_->remove<ConfigMap>("default", "a").isOk());
  ASSERT_TRUE(eventually([&] { return seen().size() == 3; }));
  server_.sendBookmarks();
  ASSERT_TRUE(eventually([&] { return seen().size() == 4; }));
  auto s = seen();
  EXPECT_EQ(s[0].type, "ADDED");
  EXPECT_EQ(s[0].name, "a");
  EXPECT_EQ(s[1].type, "MODIFIED");
  EXPECT_EQ(s[2].type, "DELETED");
  EXPECT_EQ(s[3].type, "BOOKMARK");
  EXPECT_EQ(s[3].rv, std::to_string(server_.resourceVersion()));
  EXPECT_EQ(server_.requestCount("GET", "allowWatchBookmarks=true"), 1);
}

TEST_F(WatchTest, WithoutVersionStartsWithSyntheticAdds) {
  put("x");
  put("y");
  startWatch(WatchOptions{});
  ASSERT_TRUE(eventually([&] { return seen().size() == 2; }));
  EXPECT_EQ(seen()[0].type, "ADDED");
  EXPECT_EQ(seen()[1].name, "y");
}

TEST_F(WatchTest, CancelFromAnotherThreadEndsPromptly) {
  startWatch(WatchOptions{.resourceVersion = "1"});
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  cancel_.cancel();
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_TRUE(isCancelled(result_)) << result_.message();
}

TEST_F(WatchTest, QuietStreamEndsAfterTheIdleTimeout) {
  WatchOptions o{.resourceVersion = "1"};
  o.idleTimeout = std::chrono::milliseconds(200);
  startWatch(o);
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_EQ(result_.code(), ETIMEDOUT) << result_.message();
  // An event in time keeps it open.
  o.idleTimeout = std::chrono::seconds(30);
  done_ = false;
  startWatch(o);
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  put("a");
  ASSERT_TRUE(eventually([&] { return seen().size() == 1; }));
  EXPECT_FALSE(done_.load());
}

TEST_F(WatchTest, ServerEndingTheStreamIsOk) {
  startWatch(WatchOptions{.resourceVersion = "1"});
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  server_.endWatches();
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_TRUE(result_.isOk()) << result_.message();
}

TEST_F(WatchTest, DroppedConnectionIsAnError) {
  startWatch(WatchOptions{.resourceVersion = "1"});
  ASSERT_TRUE(eventually([&] { return server_.activeWatches() == 1; }));
  server_.dropWatches();
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_FALSE(result_.isOk());
  EXPECT_FALSE(isGone(result_));
}

TEST_F(WatchTest, CompactedHistoryIsGone) {
  std::string rv = put("a");
  put("b");
  server_.compact();
  startWatch(WatchOptions{.resourceVersion = rv});
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_TRUE(isGone(result_)) << result_.message();
  EXPECT_NE(result_.message().find("too old resource version"), std::string::npos);
  EXPECT_TRUE(seen().empty());
}

TEST_F(WatchTest, HttpErrorOnTheWatchRequestIsMapped) {
  server_.injectError({.method = "GET", .target = "watch=1", .code = 403, .reason = "Forbidden"});
  startWatch(WatchOptions{.resourceVersion = "1"});
  ASSERT_TRUE(eventually([&] { return done_.load(); }));
  thread_.join();
  EXPECT_TRUE(isForbidden(result_)) << "[" << result_.code() << "] " << result_.message();
}

}  // namespace
}  // namespace orch::client
