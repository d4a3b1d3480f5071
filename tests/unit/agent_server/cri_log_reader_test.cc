#include "agent/server/cri_log_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "common/api/time.h"
#include "common/base/file_util.h"
#include "tests/support/temp_dir.h"

namespace orch::agent {
namespace {

using namespace std::chrono_literals;

LogTime at(const char* text) {
  return api::parseRfc3339(text).value();
}

// Reads `path` with `opts` (no follow) into a string.
std::string readAll(const std::string& path, const LogReadOptions& opts) {
  auto r = CriLogReader::open(path);
  EXPECT_TRUE(r.ok()) << r.status().message();
  std::string out;
  EXPECT_TRUE(r->copyTo(opts, [&](std::string_view d) {
                 out.append(d);
                 return true;
               }).isOk());
  return out;
}

const char* kLog =
    "2024-05-06T07:08:01.5Z stdout F one\n"
    "2024-05-06T07:08:02Z stderr F err one\n"
    "2024-05-06T07:08:03.000000001Z stdout P tw\n"
    "2024-05-06T07:08:03.100Z stderr P err \n"
    "2024-05-06T07:08:03.2Z stdout F o\n"
    "2024-05-06T07:08:04Z stderr F two\n"
    "garbage line\n"
    "2024-05-06T07:08:05Z stdout F three\n";

class CriLogReaderTest : public ::testing::Test {
 protected:
  std::string write(const std::string& content) { return dir_.write("0.log", content); }
  orch::testing::TempDir dir_;
};

TEST(CriLogRecord, Parse) {
  auto r = parseCriLogRecord("2024-05-06T07:08:09.123456789Z stderr P:x hello world ");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->is_stderr);
  EXPECT_TRUE(r->partial);
  EXPECT_EQ(r->content, "hello world ");
  EXPECT_EQ(formatRfc3339Nano(r->time), "2024-05-06T07:08:09.123456789Z");
  auto empty = parseCriLogRecord("2024-05-06T07:08:09Z stdout F");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->content, "");
  EXPECT_FALSE(parseCriLogRecord("2024-05-06T07:08:09Z stdin F x").ok());
  EXPECT_FALSE(parseCriLogRecord("yesterday stdout F x").ok());
  EXPECT_FALSE(parseCriLogRecord("2024-05-06T07:08:09Z stdout").ok());
}

TEST(CriLogRecord, FormatNano) {
  EXPECT_EQ(formatRfc3339Nano(at("2024-05-06T07:08:09Z")), "2024-05-06T07:08:09Z");
  EXPECT_EQ(formatRfc3339Nano(at("2024-05-06T07:08:09.120Z")), "2024-05-06T07:08:09.12Z");
  EXPECT_EQ(formatRfc3339Nano(at("2024-05-06T09:08:09.5+02:00")), "2024-05-06T07:08:09.5Z");
}

TEST_F(CriLogReaderTest, JoinsPartialsPerStreamAndSkipsGarbage) {
  std::string path = write(kLog);
  EXPECT_EQ(readAll(path, {}), "one\nerr one\ntwo\nerr two\nthree\n");
  EXPECT_EQ(readAll(path, {.stream = LogStream::kStdout}), "one\ntwo\nthree\n");
  EXPECT_EQ(readAll(path, {.stream = LogStream::kStderr}), "err one\nerr two\n");
}

TEST_F(CriLogReaderTest, Timestamps) {
  std::string path = write(kLog);
  EXPECT_EQ(readAll(path, {.timestamps = true, .stream = LogStream::kStdout}),
            "2024-05-06T07:08:01.5Z one\n"
            "2024-05-06T07:08:03.000000001Z two\n"  // the line's first chunk
            "2024-05-06T07:08:05Z three\n");
}

TEST_F(CriLogReaderTest, Tail) {
  std::string path = write(kLog);
  EXPECT_EQ(readAll(path, {.tail_lines = 2}), "err two\nthree\n");
  EXPECT_EQ(readAll(path, {.tail_lines = 3}), "two\nerr two\nthree\n");
  EXPECT_EQ(readAll(path, {.tail_lines = 2, .stream = LogStream::kStdout}), "two\nthree\n");
  EXPECT_EQ(readAll(path, {.tail_lines = 1, .stream = LogStream::kStderr}), "err two\n");
  EXPECT_EQ(readAll(path, {.tail_lines = 0}), "");
  EXPECT_EQ(readAll(path, {.tail_lines = 100}), "one\nerr one\ntwo\nerr two\nthree\n");
}

TEST_F(CriLogReaderTest, TailOfABigFileSpansBlocks) {
  std::string content;
  for (int i = 0; i < 20000; ++i) {
    content += "2024-05-06T07:08:09Z stdout F line " + std::to_string(i) + "\n";
  }
  std::string path = write(content);
  EXPECT_EQ(readAll(path, {.tail_lines = 3}), "line 19997\nline 19998\nline 19999\n");
  std::string many = readAll(path, {.tail_lines = 5000});
  EXPECT_EQ(many.substr(0, 11), "line 15000\n");
  EXPECT_EQ(std::count(many.begin(), many.end(), '\n'), 5000);
}

TEST_F(CriLogReaderTest, Since) {
  std::string path = write(kLog);
  EXPECT_EQ(readAll(path, {.since = at("2024-05-06T07:08:03Z")}), "two\nerr two\nthree\n");
  EXPECT_EQ(readAll(path, {.since = at("2024-05-06T07:08:03.05Z")}), "err two\nthree\n");
  EXPECT_EQ(readAll(path, {.since = at("2030-01-01T00:00:00Z")}), "");
}

TEST_F(CriLogReaderTest, LimitBytes) {
  std::string path = write(kLog);
  EXPECT_EQ(readAll(path, {.limit_bytes = 6}), "one\ner");
  EXPECT_EQ(readAll(path, {.timestamps = true, .limit_bytes = 10}), "2024-05-06");
  EXPECT_EQ(readAll(path, {.limit_bytes = 1000}), "one\nerr one\ntwo\nerr two\nthree\n");
}

TEST_F(CriLogReaderTest, UnfinishedLinesAtTheEnd) {
  std::string path = write(
      "2024-05-06T07:08:01Z stdout F one\n"
      "2024-05-06T07:08:02Z stdout P half\n"
      "2024-05-06T07:08:03Z stdout F cut short");
  EXPECT_EQ(readAll(path, {}), "one\nhalfcut short\n");
  path = write("2024-05-06T07:08:01Z stdout P only a partial\n");
  EXPECT_EQ(readAll(path, {}), "only a partial");
}

TEST_F(CriLogReaderTest, MissingFile) {
  auto r = CriLogReader::open(dir_.path() + "/nope.log");
  EXPECT_EQ(r.status().code(), ENOENT);
}

// A file written by another thread while a follower reads it.
class Appender {
 public:
  explicit Appender(const std::string& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644)) {}
  ~Appender() { ::close(fd_); }
  void line(const std::string& stream, const std::string& tag, const std::string& text) {
    std::string l = "2024-05-06T07:08:09Z " + stream + " " + tag + " " + text + "\n";
    ASSERT_TRUE(writeAll(fd_, l, "log").isOk());
  }
  void raw(const std::string& s) { ASSERT_TRUE(writeAll(fd_, s, "log").isOk()); }

 private:
  int fd_;
};

// Collects output and lets the test wait for some text to arrive.
class Collector {
 public:
  bool add(std::string_view d) {
    std::lock_guard l(mu_);
    out_.append(d);
    cv_.notify_all();
    return !stop_;
  }
  bool waitFor(const std::string& text) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, 20s, [&] { return out_.find(text) != std::string::npos; });
  }
  std::string text() {
    std::lock_guard l(mu_);
    return out_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_;
  bool stop_ = false;
};

TEST_F(CriLogReaderTest, FollowUntilTheContainerStops) {
  std::string path = dir_.path() + "/0.log";
  Appender app(path);
  app.line("stdout", "F", "before");
  auto reader = CriLogReader::open(path);
  ASSERT_TRUE(reader.ok());
  Collector out;
  std::atomic<bool> running{true};
  LogFollowHooks hooks;
  hooks.running = [&] { return running.load(); };
  hooks.poll_interval = 5ms;
  Status result;
  std::thread follower([&] {
    result = reader->copyTo(
        {.follow = true, .tail_lines = 1}, [&](std::string_view d) { return out.add(d); }, hooks);
  });
  ASSERT_TRUE(out.waitFor("before\n"));
  app.line("stdout", "P", "par");
  app.raw("2024-05-06T07:08:09Z stdout F ");  // a record cut in the middle of its write
  app.raw("tial\n");
  ASSERT_TRUE(out.waitFor("partial\n"));
  app.line("stderr", "F", "last words");
  running = false;  // what was written before the stop is still read
  follower.join();
  EXPECT_TRUE(result.isOk());
  EXPECT_EQ(out.text(), "before\npartial\nlast words\n");
}

TEST_F(CriLogReaderTest, FollowEndsWhenTheWaitSaysSo) {
  std::string path = write("2024-05-06T07:08:09Z stdout F x\n");
  auto reader = CriLogReader::open(path);
  ASSERT_TRUE(reader.ok());
  int waits = 0;
  LogFollowHooks hooks;
  hooks.wait = [&](std::chrono::milliseconds) { return ++waits < 3; };
  std::string out;
  ASSERT_TRUE(reader
                  ->copyTo(
                      {.follow = true},
                      [&](std::string_view d) {
                        out.append(d);
                        return true;
                      },
                      hooks)
                  .isOk());
  EXPECT_EQ(waits, 3);
  EXPECT_EQ(out, "x\n");
}

TEST_F(CriLogReaderTest, FollowAcrossARotation) {
  std::string path = dir_.path() + "/0.log";
  auto app = std::make_unique<Appender>(path);
  app->line("stdout", "F", "old 1");
  auto reader = CriLogReader::open(path);
  ASSERT_TRUE(reader.ok());
  Collector out;
  std::atomic<bool> running{true};
  LogFollowHooks hooks;
  hooks.running = [&] { return running.load(); };
  hooks.poll_interval = 5ms;
  std::thread follower([&] {
    (void)reader->copyTo(
        {.follow = true}, [&](std::string_view d) { return out.add(d); }, hooks);
  });
  ASSERT_TRUE(out.waitFor("old 1\n"));
  // As the kubelet's log rotation: rename, then the runtime reopens the path.
  app->line("stdout", "F", "old 2");
  ASSERT_EQ(::rename(path.c_str(), (path + ".20240506-070809").c_str()), 0);
  app = std::make_unique<Appender>(path);
  app->line("stdout", "F", "new 1");
  ASSERT_TRUE(out.waitFor("new 1\n"));
  running = false;
  follower.join();
  EXPECT_EQ(out.text(), "old 1\nold 2\nnew 1\n");
}

TEST_F(CriLogReaderTest, SinkRefusalStops) {
  std::string content;
  for (int i = 0; i < 50000; ++i) content += "2024-05-06T07:08:09Z stdout F some log line\n";
  std::string path = write(content);
  auto reader = CriLogReader::open(path);
  ASSERT_TRUE(reader.ok());
  int calls = 0;
  ASSERT_TRUE(reader
                  ->copyTo({.follow = true},
                           [&](std::string_view) {
                             ++calls;
                             return false;
                           })
                  .isOk());
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace orch::agent
