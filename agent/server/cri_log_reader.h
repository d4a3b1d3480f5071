#pragma once
// Reads container log files in the CRI format, as the kubelet does for `kubectl logs`:
//
//   <RFC3339Nano timestamp> <stdout|stderr> <F|P>[:<more tags>] <content>\n
//
// Records tagged P are chunks of one long line; they are joined (per stream) with the F
// record that ends the line. Output is the plain text of the selected lines:
// - stream: only stdout or stderr lines, or both (interleaved as written);
// - tail_lines: only the last N whole lines of the selected stream(s) (0: none of the
//   existing ones; with follow, only new lines);
// - since: only lines whose (first chunk's) timestamp is at or after it;
// - timestamps: each line prefixed with its timestamp in RFC3339Nano and a space;
// - limit_bytes: at most that many bytes in total (the last line is cut);
// - follow: at the end of the file keep waiting for more (the wait hook decides how long and
//   whether to go on), also across a rotation (the path now names a new file: the rest of the
//   old file is read, then the new one from its start). Following ends when the wait hook
//   says so, or when the running hook reports the container stopped and no more data came.
// Malformed records are skipped, as upstream. A line longer than 1 MiB is written in pieces
// as it arrives rather than held back until its end; a line whose end never came (P chunks
// at the end of the output) is written as it is, without a newline.
//
// Threads: a CriLogReader is used by one thread at a time.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/base/unique_fd.h"

namespace orch::agent {

using LogTime = std::chrono::system_clock::time_point;

enum class LogStream { kAll, kStdout, kStderr };

struct LogReadOptions {
  bool follow = false;
  std::optional<int64_t> tail_lines;
  std::optional<LogTime> since;
  bool timestamps = false;
  std::optional<int64_t> limit_bytes;
  LogStream stream = LogStream::kAll;
};

// Receives output; returns false to stop reading (the client went away).
using LogSink = std::function<bool(std::string_view)>;

struct LogFollowHooks {
  // Called at the end of the data while following: wait up to `d` and return true to go on,
  // false to stop. Null: sleep for `d`.
  std::function<bool(std::chrono::milliseconds d)> wait;
  // Whether the container still runs. Null: it always does.
  std::function<bool()> running;
  std::chrono::milliseconds poll_interval{100};
};

// One parsed record; `content` points into the line passed to parseCriLogRecord.
struct CriLogRecord {
  LogTime time;
  bool is_stderr = false;
  bool partial = false;
  std::string_view content;
};

// Parses one record (without its "\n"). EINVAL for a malformed one.
Result<CriLogRecord> parseCriLogRecord(std::string_view line);
// Go's time.RFC3339Nano in UTC: "2024-05-06T07:08:09.12345Z" (trailing zeros of the fraction
// dropped, and the dot too when it is zero).
std::string formatRfc3339Nano(LogTime t);

class CriLogReader {
 public:
  // Opens `path`; ENOENT when it does not exist.
  static Result<CriLogReader> open(const std::string& path);

  // Writes the selected output to `sink` (in pieces of up to ~64 KiB). Ok when the output
  // ended for any of the reasons above; an error only for a failed read of the file.
  Status copyTo(const LogReadOptions& opts, const LogSink& sink, const LogFollowHooks& hooks = {});

 private:
  CriLogReader(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  struct TailStart {
    off_t start = 0;      // where reading begins (the first chunk of a kept line)
    off_t keep_from = 0;  // lines whose last record starts before this are not output
  };
  // Where the last `n` whole lines of the selected streams begin. Lines of two streams may
  // interleave their chunks, so reading can begin before the first kept line ends.
  Result<TailStart> tailStart(int64_t n, LogStream stream);

  std::string path_;
  UniqueFd fd_;
};

}  // namespace orch::agent
